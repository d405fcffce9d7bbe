from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ThemingConfig(AppConfig):
    name = "payments.theming"
    label = "theming"  # its own migrations, apart from the payments app's
    verbose_name = _("Payment page customization")
    default_auto_field = "django.db.models.BigAutoField"
