from pathlib import Path

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from payments.theming.models import LOGO_DIR

urlpatterns = [
    path("payment/", include("payments.urls")),
    path("acs/", include("payments.mpi.urls")),
    path("clicktopay/", include("payments.legacy.urls")),
    path("mportal/", include("backoffice.urls")),
    path("admin/", admin.site.urls),
]

# Development only (static() is empty when DEBUG is off): merchant logos, and nothing else of MEDIA_ROOT,
# which also holds the bank's remittance files. In production the web server serves the same folder.
urlpatterns += static(settings.MEDIA_URL + LOGO_DIR, document_root=Path(settings.MEDIA_ROOT) / LOGO_DIR)
