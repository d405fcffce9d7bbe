from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FraudConfig(AppConfig):
    name = "fraud"
    verbose_name = _("Fraud prevention")

    def ready(self) -> None:
        from fraud import checks  # noqa: F401  registers the settings checks
