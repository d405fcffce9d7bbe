from django.core.management.base import BaseCommand

from payments import demo


class Command(BaseCommand):
    help = "Create the DEMO merchant, its accounts and a few thousand orders. Safe to run twice."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--orders", type=int, default=3000, help="How many orders on a first run.")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        summary = demo.demo_seed(order_count=options["orders"])
        self.stdout.write(f"Merchant {summary.merchant.code}: {summary.orders_created} new demo orders.")
        self.stdout.write(f"API account:      {demo.API_USERNAME} / {demo.API_PASSWORD}")
        self.stdout.write(f"Back-office user: {demo.PORTAL_USERNAME} / {demo.PORTAL_PASSWORD}")
        self.stdout.write(f"  TOTP secret:    {summary.portal_totp_secret} (add it to an authenticator app)")
        self.stdout.write(f"Admin (support):  {demo.ADMIN_USERNAME} / {demo.ADMIN_PASSWORD}")
