from typing import Any

from django.core.management.base import BaseCommand

from payments import background
from payments.legacy import services


class Command(BaseCommand):
    # Embedded mode has no beat: run this every minute from cron so every legacy shop hears the outcome.
    help = "Tell legacy-form shops the outcome of ended payments, and retry the calls that failed."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--wait", type=float, default=60.0, help="Seconds to wait for the calls to end.")

    def handle(self, *args: Any, wait: float, **options: Any) -> None:
        count = services.legacy_announce_due()
        background.background_drain(timeout=wait)  # a command that returned would end its threads mid-call
        self.stdout.write(f"{count} call(s) due.")
