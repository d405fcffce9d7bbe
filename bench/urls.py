from django.urls import include, path

from . import reference

urlpatterns = [
    path("bench/insert", reference.insert_one),
    path("bench/select", reference.select_one),
    path("", include("clictopay.urls")),
]
