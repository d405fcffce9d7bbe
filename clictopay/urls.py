from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("payment/", include("payments.urls")),
    path("acs/", include("payments.mpi.urls")),
    path("mportal/", include("backoffice.urls")),
    path("admin/", admin.site.urls),
]
