"""Shared set-up of bench.search and bench.export: a throw-away PostgreSQL database full of orders.

`bench_database(orders)` (re)creates DB_NAME, configures Django for it in this process (DEBUG off, as in
production, with throw-away secrets), migrates, seeds MERCHANTS merchants and `orders` orders with one
INSERT ... SELECT generate_series, runs VACUUM ANALYZE, and drops the database on the way out.
`reuse=True` (the benches' `--reuse`, with `--keep`) takes the database a previous `--keep` run left
behind as it is, only migrating it: iterating on indexes or views without seeding again.

The data: merchant 0 ("big") holds one order in BIG_SHARE (10%), the other merchants share the rest
evenly. Orders are spread evenly over the last DAYS days and inserted oldest first, as a live table
fills up (so the heap order follows created_at, which matters to PostgreSQL's range and bitmap scans).
85% are paid (remitted the next day, unless from the last day), 15% declined (action code 116);
amounts 1.000 to 900.999 TND; EMAILS buyer e-mails in all (a tenth of them at the big merchant);
card last 4 digits from 10,000 values. Pseudo-random columns come from a multiplicative hash of the
series number, so a run is reproducible.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from psycopg import sql

from bench.pg import database_exists, drop_database, recreate_database, select_list

DB_NAME = "clictopay_search_bench"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
MERCHANTS = 500
BIG_SHARE = 10  # one order in BIG_SHARE belongs to the big merchant: 10%
DAYS = 90
EMAILS = 50_000


@dataclass(frozen=True)
class Seeded:
    orders: int
    big_merchant_id: int
    big_orders: int
    seconds: float


def log(message: str) -> None:
    print(message, flush=True)


def django_setup() -> None:
    """Django on DB_NAME in this process; children of a run inherit the parent's environment."""
    os.environ.update(
        DATABASE_URL=os.environ.get("BENCH_DATABASE_URL", DB_URL),  # bench.export --sqlite: a SQLite file
        DJANGO_SETTINGS_MODULE="clictopay.settings",
        DEBUG="false",  # as in production: no query log, no template debug information
        SECRET_KEY=secrets.token_urlsafe(48),
        CARD_HASH_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
    )
    for name in ("REDIS_URL", "CONN_MAX_AGE"):
        os.environ.pop(name, None)
    import django

    django.setup()


@contextmanager
def bench_database(
    order_count: int, *, keep: bool = False, reuse: bool = False, big_share: int = BIG_SHARE
) -> Iterator[Seeded]:
    reused = reuse and database_exists(DB_NAME)
    if not reused:
        recreate_database(DB_NAME)
    try:
        django_setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        big_id, big_orders = _seeded() if reused else _seed(order_count, big_share)
        seconds = time.perf_counter() - started
        done = "reused" if reused else "seeded"
        log(f"{done} {order_count:,} orders ({big_orders:,} for the big merchant) in {seconds:.1f} s")
        yield Seeded(order_count, big_id, big_orders, seconds)
    finally:
        from django.db import connections

        connections.close_all()
        if not keep:
            drop_database(DB_NAME)


# Per series number g: h is a hash spreading it over [0, 2^31); paid unless h % 100 < 15.
_PAID = "(s.h % 100 >= 15)"
_ORDER = {
    "order_id": "gen_random_uuid()",
    "merchant": "t.merchant_id",
    "terminal": "t.terminal_id",
    "currency": "'788'",
    "order_number": "'S-' || lpad(s.g::text, 9, '0')",
    "amount": "s.amount",
    "approved_amount": f"CASE WHEN {_PAID} THEN s.amount ELSE 0 END",
    "deposited_amount": f"CASE WHEN {_PAID} THEN s.amount ELSE 0 END",
    "status": f"CASE WHEN {_PAID} THEN 2 ELSE 6 END",
    "action_code": f"CASE WHEN {_PAID} THEN 0 ELSE 116 END",
    "attempts": "1",
    "return_url": "'https://shop.example.tn/return'",
    "buyer_email": f"'buyer' || (s.g % {EMAILS}) || '@example.tn'",
    "masked_pan": "'411111**' || s.last4",
    "card_last4": "s.last4",
    "card_brand": "'VISA'",
    "approval_code": f"CASE WHEN {_PAID} THEN lpad((s.h % 1000000)::text, 6, '0') ELSE '' END",
    "reference_number": "lpad(s.g::text, 12, '0')",
    "created_at": "s.created_at",
    "updated_at": "s.created_at",
    "expires_at": "s.created_at + interval '20 minutes'",
    "authorized_at": f"CASE WHEN {_PAID} THEN s.created_at END",
    "deposited_at": f"CASE WHEN {_PAID} THEN s.created_at END",
}
# Paid orders older than a day were remitted the day after (without a recorded remittance).
_REMITTED = """
INSERT INTO payments_remittancesale (order_id, amount, remitted_at)
SELECT id, deposited_amount, created_at + interval '1 day' FROM payments_order
WHERE status = 2 AND created_at < now() - interval '1 day'
"""
_INSERT = """
INSERT INTO {table} ({columns}) SELECT {values} FROM (
    SELECT g, h, 1000 + h % 900000 AS amount, lpad((h % 10000)::text, 4, '0') AS last4,
           now() - ({count} - g) * ({days} * 86400.0 / {count}) * interval '1 second' AS created_at,
           CASE WHEN g % {share} = 0 THEN 0 ELSE 1 + g % ({merchants} - 1) END AS n
    FROM (SELECT g, (g::bigint * 2654435761) % 2147483647 AS h FROM generate_series(1, {count}) AS g) AS x
) AS s JOIN (VALUES {pairs}) AS t(n, merchant_id, terminal_id) ON t.n = s.n
"""


def _seed(order_count: int, big_share: int) -> tuple[int, int]:
    from django.db import connection

    from payments.models import Contract, Currency, Merchant, Order, Terminal

    tnd = Currency.objects.get(alpha_code="TND")
    merchants = Merchant.objects.bulk_create(
        Merchant(code=f"S{n:03d}", name=f"Bench {n}", default_currency=tnd) for n in range(MERCHANTS)
    )
    contracts = Contract.objects.bulk_create(
        Contract(merchant=merchant, bank_name="Banque Bench", commission_bps=175) for merchant in merchants
    )
    Contract.currencies.through.objects.bulk_create(
        Contract.currencies.through(contract=contract, currency=tnd) for contract in contracts
    )
    terminals = Terminal.objects.bulk_create(
        Terminal(contract=contract, terminal_id=f"ST{n:06d}") for n, contract in enumerate(contracts)
    )
    pairs = ", ".join(
        f"({n}, {m.pk}, {t.pk})" for n, (m, t) in enumerate(zip(merchants, terminals, strict=True))
    )
    columns, values = select_list(Order, _ORDER)
    with connection.cursor() as cursor:
        cursor.execute(
            sql.SQL(_INSERT).format(
                table=sql.Identifier(Order._meta.db_table),
                columns=columns,
                values=values,
                days=sql.Literal(DAYS),
                share=sql.Literal(big_share),
                merchants=sql.Literal(MERCHANTS),
                count=sql.Literal(order_count),
                pairs=sql.SQL(pairs),
            )
        )
        cursor.execute(_REMITTED)
        cursor.execute("VACUUM ANALYZE")
    big = merchants[0]
    return big.pk, Order.objects.filter(merchant=big).count()


def _seeded() -> tuple[int, int]:
    """The big merchant of a database seeded by a previous run (--reuse): the first one created."""
    from payments.models import Merchant, Order

    big = Merchant.objects.filter(code__startswith="S").order_by("pk").first()
    assert big is not None, f"{DB_NAME} holds no bench merchant: run without --reuse"
    return big.pk, Order.objects.filter(merchant=big).count()


def staff_client(merchant_id: int) -> Any:
    """A test Client signed in (password and second factor) as an operator of the merchant."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from backoffice.models import Membership, Role

    user = get_user_model().objects.create_user(
        f"bench{merchant_id}-{secrets.token_hex(4)}", password=secrets.token_hex(8)
    )
    Membership.objects.create(user=user, merchant_id=merchant_id, role=Role.OPERATOR)
    device = TOTPDevice.objects.create(user=user, name="mportal", confirmed=True)
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
