from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LegacyConfig(AppConfig):
    name = "payments.legacy"
    label = "legacy"  # its own migrations, apart from the payments app's
    verbose_name = _("Legacy form protocol")
    default_auto_field = "django.db.models.BigAutoField"
