from typing import Any

from django.core.management.base import BaseCommand

from payments import background
from payments.notifications import services


class Command(BaseCommand):
    # Embedded mode has no beat: run this every minute from cron to send notification retries.
    help = "Send the shop notifications whose retry is due."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--wait", type=float, default=60.0, help="Seconds to wait for the attempts to end."
        )

    def handle(self, *args: Any, wait: float, **options: Any) -> None:
        count = services.callbacks_retry_due()
        background.background_drain(timeout=wait)  # a command that returned would end its threads mid-request
        self.stdout.write(f"{count} notification(s) due.")
