from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "payments.notifications"
    label = "notifications"  # its own migrations, apart from the payments app's
    verbose_name = _("Shop notifications")
    default_auto_field = "django.db.models.BigAutoField"
