from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _

from payments.errors import OperationRefused
from payments.services import remittance


class Command(BaseCommand):
    help = (
        "Remit paid orders and new refunds to the bank. Without --date: everything deposited until now, "
        "for today. With --date: replay that past day up to its cut-off. "
        "Running it again remits nothing more."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=date.fromisoformat, help="Business day to replay, YYYY-MM-DD.")
        parser.add_argument(
            "--release", type=int, metavar="ID", help="Release a remittance stuck in STARTED, then run."
        )
        parser.add_argument(
            "--lookback-days",
            type=int,
            metavar="DAYS",
            help="Look back DAYS before the cut-off for paid orders (default: REMITTANCE_LOOKBACK_DAYS).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        day: date | None = options["date"]
        if day is not None and day > today:
            raise CommandError(_("The date %(date)s is in the future.") % {"date": day.isoformat()})
        if options["release"] is not None:
            try:
                remittance.remittance_release(remittance_id=options["release"])
            except OperationRefused as error:
                raise CommandError(error.message) from error
        until = timezone.now() if day is None else None
        built = remittance.remittance_run(
            until=until, business_date=day or today, lookback_days=options["lookback_days"]
        )
        for done in built:
            self.stdout.write(
                _(
                    "%(date)s %(merchant)s %(currency)s: %(orders)s orders, gross %(gross)s, %(refunds)s "
                    "refunds of %(refunded)s, commission %(commission)s, net %(net)s (minor units), file "
                    "%(file)s"
                )
                % {
                    "date": done.business_date.isoformat(),
                    "merchant": done.merchant.code,
                    "currency": done.currency.alpha_code,
                    "orders": done.order_count,
                    "gross": done.gross_amount,
                    "refunds": done.refund_count,
                    "refunded": done.refund_amount,
                    "commission": done.commission_amount,
                    "net": done.net_amount,
                    "file": done.file.name,
                }
            )
        self.stdout.write(_("%(count)s remittances built.") % {"count": len(built)})
        for stuck in remittance.remittances_stuck():
            self.stderr.write(
                _(
                    "Remittance %(id)s (%(date)s, %(merchant)s, %(currency)s) is stuck: check whether the "
                    "bank received its file, then run again with --release %(id)s."
                )
                % {
                    "id": stuck.pk,
                    "date": stuck.business_date.isoformat(),
                    "merchant": stuck.merchant.code,
                    "currency": stuck.currency.alpha_code,
                }
            )
