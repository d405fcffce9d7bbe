from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = _("Merchant back-office")

    def ready(self) -> None:
        from . import signals  # noqa: F401  connects the sign-in audit receivers
