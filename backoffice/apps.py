from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    name = "backoffice"
    verbose_name = _("Merchant back-office")

    def ready(self) -> None:
        from django.contrib import admin

        from . import admin_audit, signals  # noqa: F401  connect the audit receivers

        # Deletions go one object at a time, so each lands in the audit journal (a bulk deletion writes
        # its admin log with bulk_create, which sends no signal) and nobody wipes a list by one click.
        admin.site.disable_action("delete_selected")
