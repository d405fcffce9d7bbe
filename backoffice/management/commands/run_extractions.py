"""Build the daily extraction files of a day (default: the last business day whose cut-off passed)."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backoffice.extractions import extractions_run
from payments.services.remittance import business_date_due


class Command(BaseCommand):
    help = "Build the daily extraction files of a business day. Harmless to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=date.fromisoformat, help="business day, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["date"] or business_date_due()
        ids = extractions_run(business_date=day)
        self.stdout.write(f"{day}: {len(ids)} extraction file(s)")
