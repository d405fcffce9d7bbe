"""Time and memory of the remittance to the bank for 1 million deposited orders across 50 merchants.

Run from the project root, with the virtualenv active:

    python -m bench.remittance                  # 1,000,000 orders, about 90 s with the set-up
    python -m bench.remittance --orders 200000  # smaller
    python -m bench.remittance --keep           # leave the database clictopay_bench_remit behind

What it does: (re)creates the PostgreSQL database clictopay_bench_remit, migrates it, creates 50
merchants (one contract, terminal and currency each), inserts the orders in one INSERT ... SELECT
generate_series (plus 10,000 orders remitted earlier, each with a refund waiting to be credited),
runs VACUUM ANALYZE as autovacuum would, then runs `remittance_run` for today in a child process that
reports its time, peak memory (ru_maxrss before and after) and where the time went: the claim of the
orders (one COPY per group that inserts their sales and writes their D records), the claim of the
refunds (their UPDATE statements), the totals, the files (the C records' COPY and the writing), the
commits, other queries and the rest, in Python. Then, in another child process, it builds the day's
extraction file of every merchant (half of them CSV, half XLSX, as `extractions_run` does after the
remittance) and reports the rows per second of each format and the peak memory. Files are written to a
temporary MEDIA_ROOT and counted. Targets: the remittance of 1 million orders, files included, under
30 s; memory flat (the peak grows by a few MB, not with the number of rows); the extraction at the
back-office export's rates (bench/export.py). `--no-extraction` skips the extraction. Never part of the
tests: it needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from psycopg import sql

from bench.pg import drop_database, recreate_database, select_list

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "clictopay_bench_remit"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
MERCHANTS = 50
REFUNDS = 10_000
TARGET_SECONDS = 30.0
TARGET_MEMORY_GROWTH_MB = 64.0
XLSX_RATE_TARGET = 8_000  # as bench/export.py
CSV_RATIO_TARGET = 0.50  # likewise: CSV at least half the rate of PostgreSQL's COPY of the same rows


def _django(media_root: str) -> None:
    os.environ["DATABASE_URL"] = DB_URL
    os.environ["MEDIA_ROOT"] = media_root
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clictopay.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def _seed(order_count: int) -> None:
    from django.db import connection

    from payments.models import Contract, Currency, Merchant, Operation, Order, Terminal

    tnd = Currency.objects.get(alpha_code="TND")
    pairs = []
    for n in range(MERCHANTS):
        merchant = Merchant.objects.create(code=f"B{n:03d}", name=f"Bench {n}", default_currency=tnd)
        contract = Contract.objects.create(merchant=merchant, bank_name="Banque Bench", commission_bps=175)
        contract.currencies.set([tnd])
        terminal = Terminal.objects.create(contract=contract, terminal_id=f"BT{n:06d}")
        pairs.append(f"({n}, {merchant.pk}, {terminal.pk})")
    common = {
        "order_id": "gen_random_uuid()",
        "merchant": "t.merchant_id",
        "terminal": "t.terminal_id",
        "currency": "'788'",
        "amount": "s.amount",
        "approved_amount": "s.amount",
        "deposited_amount": "s.amount",
        "action_code": "0",
        "attempts": "1",
        "return_url": "'https://shop.example.tn/return'",
        "masked_pan": "'411111**1111'",
        "approval_code": "lpad((s.g % 1000000)::text, 6, '0')",
        "reference_number": "lpad(s.g::text, 12, '0')",
        "expires_at": "now()",
        "updated_at": "now()",
    }
    waiting = common | {
        "order_number": "'B-' || s.g",
        "status": "2",
        "created_at": "now() - interval '2 hours' - (s.g % 36000) * interval '1 second'",
        "deposited_at": "now() - interval '2 hours' - (s.g % 36000) * interval '1 second'",
    }
    remitted = common | {
        "order_number": "'R-' || s.g",
        "status": "2",
        "refunded_amount": "s.amount / 2",
        "created_at": "now() - interval '3 days'",
        "deposited_at": "now() - interval '3 days'",
    }
    insert = (
        "INSERT INTO {table} ({columns}) SELECT {values} FROM "
        "(SELECT g, 1000 + (g::bigint * 7919) % 900000 AS amount FROM generate_series(1, {count}) AS g) AS s "
        "JOIN (VALUES {pairs}) AS t(n, merchant_id, terminal_id) ON t.n = s.g % {merchants}"
    )
    with connection.cursor() as cursor:
        for overrides, count in ((waiting, order_count), (remitted, REFUNDS)):
            columns, values = select_list(Order, overrides)
            cursor.execute(
                sql.SQL(insert).format(
                    table=sql.Identifier(Order._meta.db_table),
                    columns=columns,
                    values=values,
                    count=sql.Literal(count),
                    pairs=sql.SQL(", ".join(pairs)),
                    merchants=sql.Literal(MERCHANTS),
                )
            )
        cursor.execute(  # the orders remitted earlier, without a recorded remittance
            "INSERT INTO payments_remittancesale (order_id, amount, remitted_at) "
            "SELECT id, deposited_amount, now() - interval '2 days' FROM payments_order "
            "WHERE order_number LIKE 'R-%'"
        )
        columns, values = select_list(
            Operation,
            {"order": "o.id", "kind": "'refund'", "amount": "o.refunded_amount", "success": "true",
             "actor_type": "'staff'", "created_at": "now() - interval '30 minutes'"},
        )  # fmt: skip
        cursor.execute(
            sql.SQL(
                "INSERT INTO {table} ({columns}) SELECT {values} FROM {orders} AS o "
                "JOIN payments_remittancesale AS s ON s.order_id = o.id"
            ).format(
                table=sql.Identifier(Operation._meta.db_table),
                columns=columns,
                values=values,
                orders=sql.Identifier(Order._meta.db_table),
            )
        )
        cursor.execute("VACUUM ANALYZE")


class _Phases:
    """Seconds spent per phase, measured from outside the service: the claim of the orders (its COPY),
    SQL statements by what they touch, the bank files (with their own queries) and the commits."""

    KINDS = (
        ('UPDATE "payments_operation"', "claim refunds"),
        ("SUM(", "totals"),
    )

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self._phase: str | None = None

    def execute(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            if self._phase is None:
                kind = next((name for marker, name in self.KINDS if marker in sql), "other queries")
                self.seconds[kind] += time.perf_counter() - started

    def timed(self, phase: str, function: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self._phase, started = phase, time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - started
                self._phase = None

        return wrapper


def _child() -> None:
    """Run the remittance and report, as JSON on stdout, time and memory of this process alone."""
    _django(os.environ["MEDIA_ROOT"])
    from django.db import connection
    from django.utils import timezone

    from payments.services import remittance

    phases = _Phases()
    remittance._write_file = phases.timed("files", remittance._write_file)  # type: ignore[method-assign]
    remittance._claim_sales = phases.timed("claim orders", remittance._claim_sales)  # type: ignore[method-assign]
    connection.ensure_connection()
    connection._commit = phases.timed("commits", connection._commit)  # type: ignore[method-assign]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with connection.execute_wrapper(phases.execute):
        built = remittance.remittance_run(until=timezone.now(), business_date=timezone.localdate())
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = {
        "seconds": elapsed,
        "phases": phases.seconds | {"rest (Python)": elapsed - sum(phases.seconds.values())},
        "rss_before_kb": before,
        "rss_peak_kb": peak,
        "remittances": len(built),
        "orders": sum(r.order_count for r in built),
        "refunds": sum(r.refund_count for r in built),
        "gross": sum(r.gross_amount for r in built),
    }
    print(json.dumps(report))


def _extract_child() -> None:
    """Build the day's extraction files of every merchant (half CSV, half XLSX) and report, as JSON on
    stdout, time and rows per format and the peak memory of this process."""
    _django(os.environ["MEDIA_ROOT"])
    from django.utils import timezone

    from backoffice import extractions
    from backoffice.models import ExportFormat, ExtractionSettings
    from payments.models import Merchant

    for n, merchant in enumerate(Merchant.objects.order_by("pk")):
        ExtractionSettings.objects.update_or_create(
            merchant=merchant,
            defaults={"enabled": True, "format": ExportFormat.CSV if n % 2 else ExportFormat.XLSX},
        )
    seconds: Counter[str] = Counter()
    rows: Counter[str] = Counter()
    build = extractions.extraction_build

    def timed_build(**kwargs: Any) -> Any:
        started = time.perf_counter()
        extraction = build(**kwargs)
        if extraction is not None:
            seconds[extraction.format] += time.perf_counter() - started
            rows[extraction.format] += extraction.row_count
        return extraction

    extractions.extraction_build = timed_build  # type: ignore[assignment]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    done = extractions.extractions_run(business_date=timezone.localdate())
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # The reference for CSV, as in bench.export: PostgreSQL's own COPY of the same rows, plain columns.
    from bench.export import _copy

    copy_rows, copy_started = 0, time.perf_counter()
    for settings_ in ExtractionSettings.objects.filter(format=ExportFormat.CSV).select_related("merchant"):
        queryset = extractions.extraction_orders(
            merchant=settings_.merchant, business_date=timezone.localdate()
        )
        copy_rows += _copy(queryset)[0]
    report = {
        "seconds": elapsed,
        "files": len(done),
        "format_seconds": seconds,
        "format_rows": rows,
        "copy_rows": copy_rows,
        "copy_seconds": time.perf_counter() - copy_started,
        "rss_before_kb": before,
        "rss_peak_kb": peak,
    }
    print(json.dumps(report))


def _run_child(flag: str, media: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.remittance", flag],
        cwd=ROOT, env=os.environ | {"MEDIA_ROOT": media}, capture_output=True, text=True,
    )  # fmt: skip
    if out.returncode:
        sys.exit(f"{flag} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--no-extraction", action="store_true", help="Time the remittance only.")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--extract-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child()
        return
    if args.extract_child:
        _extract_child()
        return
    media = tempfile.mkdtemp(prefix="bench-remit-")
    recreate_database(DB_NAME)
    try:
        _django(media)
        from django.core.management import call_command

        call_command("migrate", run_syncdb=True, verbosity=0)
        started = time.perf_counter()
        _seed(args.orders)
        print(f"seeded {args.orders:,} orders + {REFUNDS:,} refunds in {time.perf_counter() - started:.1f} s")
        from django.db import connection

        connection.close()
        report = _run_child("--child", media)
        _print(report, media, args.orders)
        if not args.no_extraction:
            _print_extraction(_run_child("--extract-child", media))
    finally:
        if not args.keep:
            from django.db import connection

            connection.close()
            drop_database(DB_NAME)


def _print(report: dict[str, Any], media: str, order_count: int) -> None:
    files = [path for path in Path(media).rglob("*.csv")]
    size = sum(path.stat().st_size for path in files)
    lines = sum(1 for path in files for _ in path.open("rb"))
    growth_mb = (report["rss_peak_kb"] - report["rss_before_kb"]) / 1024
    per_row_us = report["seconds"] / max(report["orders"], 1) * 1e6
    ok_time = report["seconds"] < TARGET_SECONDS * order_count / 1_000_000
    ok_memory = growth_mb < TARGET_MEMORY_GROWTH_MB
    print(
        f"remittances: {report['remittances']} (orders {report['orders']:,}, refunds {report['refunds']:,}, "
        f"gross {report['gross']:,} millimes)\n"
        f"files: {len(files)}, {lines:,} lines, {size / 1e6:.1f} MB\n"
        f"time: {report['seconds']:.1f} s ({per_row_us:.1f} µs/order), target < "
        f"{TARGET_SECONDS * order_count / 1_000_000:.0f} s: {'OK' if ok_time else 'MISSED'}\n"
        f"memory: {report['rss_before_kb'] / 1024:.0f} MB before, peak {report['rss_peak_kb'] / 1024:.0f} MB "
        f"(+{growth_mb:.1f} MB), target flat (< +{TARGET_MEMORY_GROWTH_MB:.0f} MB): "
        f"{'OK' if ok_memory else 'MISSED'}\n"
        "phases: " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in sorted(
            report["phases"].items(), key=lambda item: -item[1]))
    )  # fmt: skip
    assert report["orders"] == order_count + 0 and report["refunds"] == REFUNDS, report
    assert lines == order_count + REFUNDS + 2 * len(files), lines


def _print_extraction(report: dict[str, Any]) -> None:
    growth_mb = (report["rss_peak_kb"] - report["rss_before_kb"]) / 1024
    spent = report["format_seconds"]
    rates = {name: report["format_rows"][name] / seconds for name, seconds in spent.items() if seconds}
    print(
        f"extraction: {report['files']} files in {report['seconds']:.1f} s; "
        + ", ".join(
            f"{name.upper()} {report['format_rows'][name]:,} rows in {report['format_seconds'][name]:.1f} s "
            f"({rates[name]:,.0f} rows/s)"
            for name in sorted(rates)
        )
        + f"; memory {report['rss_before_kb'] / 1024:.0f} MB before, peak +{growth_mb:.1f} MB"
    )
    copy_rate = report["copy_rows"] / report["copy_seconds"]
    print(
        f"extraction targets (the back-office export's): CSV {rates.get('csv', 0) / copy_rate:.2f} of COPY's "
        f"{copy_rate:,.0f} rows/s for the same rows (>= {CSV_RATIO_TARGET:.2f}), XLSX "
        f"{rates.get('xlsx', 0):,.0f} rows/s (>= {XLSX_RATE_TARGET:,}), peak < 150 MB"
    )


if __name__ == "__main__":
    main()
