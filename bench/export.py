"""Rate and memory of the orders export (CSV and XLSX) beside PostgreSQL's own COPY of the same rows.

Run from the project root, with the virtualenv active (PostgreSQL on 127.0.0.1:5432, user postgres):

    python -m bench.export                   # 2,000,000 orders; the big merchant's 200,000 are exported
    python -m bench.export --orders 200000   # smaller
    python -m bench.export --keep            # leave the database clictopay_search_bench behind
    python -m bench.export --keep --reuse    # run again on that database (migrated), without seeding
    python -m bench.export --sqlite 200000   # the CSV export on SQLite (the embedded default) instead
    python -m bench.export --big-share 2     # the big merchant holds half the orders: 1,000,000 exported

What it does: bench.orders builds the database (see there), then exports every order of the big
merchant, as the back-office export of an empty search selects them (backoffice.export_jobs
.export_queryset), three ways, each in a fresh child process that reports its time and peak memory
(ru_maxrss): `COPY (SELECT <the same columns>) TO STDOUT (FORMAT csv)` through psycopg, the reference;
backoffice.exports.csv_write (French labels and decimals) to a byte counter; backoffice.exports
.xlsx_write to a temporary file. Targets: CSV at least 50% of COPY's rows/s; XLSX at least 8,000
rows/s; peak memory under 150 MB for 1 million rows (the writers stream with a server-side cursor, so
the peak should not grow with the row count). `--sqlite N` measures the CSV export of N orders of one
merchant in a throw-away SQLite file instead (no COPY there): target at least 60,000 rows/s. Never part
of the tests.
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
from pathlib import Path
from typing import Any

from bench.orders import bench_database, django_setup, log

ROOT = Path(__file__).resolve().parent.parent
CSV_RATIO_TARGET = 0.50
XLSX_RATE_TARGET = 8_000
PEAK_MB_TARGET = 150.0
SQLITE_CSV_TARGET = 60_000
MODES = ("copy", "csv", "xlsx")


class Counter:
    """A write-only sink that keeps nothing: we measure the writer, not a disk."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


def _copy(queryset: Any) -> tuple[int, int]:
    import psycopg
    from django.db import connection

    from backoffice.exports import FIELDS

    query, params = queryset.values_list(*FIELDS).query.sql_with_params()
    connection.ensure_connection()
    raw = connection.connection  # the psycopg connection: COPY cannot take server-side parameters
    statement = psycopg.ClientCursor(raw).mogrify(query, params)
    size = lines = 0
    with raw.cursor() as cursor:
        copy_sql = f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, DELIMITER ';', HEADER)"
        with cursor.copy(copy_sql) as copy:  # type: ignore[arg-type]
            for data in copy:
                size += len(data)
                lines += bytes(data).count(b"\n")
    return lines - 1, size


def _child(mode: str, merchant_id: int) -> None:
    django_setup()
    from django.utils import translation
    from openpyxl import LXML  # imported before the first reading, like the rest of the app

    from backoffice import exports
    from backoffice.export_jobs import export_queryset
    from payments.models import Merchant

    translation.activate("fr")
    merchant = Merchant.objects.get(pk=merchant_id)
    queryset = export_queryset(merchant=merchant, query="")
    before = _rss_kb()
    started = time.perf_counter()
    if mode == "copy":
        rows, size = _copy(queryset)
    elif mode == "csv":
        sink = Counter()
        rows, size = exports.csv_write(queryset, sink), sink.size  # type: ignore[arg-type]
    else:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "orders.xlsx"
            rows = exports.xlsx_write(queryset, str(path))
            size = path.stat().st_size
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "rows": rows,
                "bytes": size,
                "seconds": seconds,
                "rss_before_kb": before,
                "rss_peak_kb": peak,
                "lxml": LXML,
            }
        )
    )


def _rss_kb() -> int:
    """The resident memory now (ru_maxrss is the high-water mark, imports included)."""
    status = Path("/proc/self/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("VmRSS:")).split()[1])


def _run_child(mode: str, merchant_id: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.export", "--child", mode, "--merchant", str(merchant_id)],
        cwd=ROOT, env=os.environ.copy(), check=True, capture_output=True, text=True, timeout=1800,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=2_000_000)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Take the kept database as it is (no seeding).")
    parser.add_argument(
        "--big-share", type=int, default=10, metavar="N",
        help="The big merchant holds one order in N (default 10); 2 with 2,000,000 orders exports 1,000,000.",
    )  # fmt: skip
    parser.add_argument("--sqlite", type=int, metavar="N", help="CSV export of N orders on SQLite.")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--merchant", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.merchant)
        return
    if args.sqlite:
        _sqlite(args.sqlite)
        return
    with bench_database(args.orders, keep=args.keep, reuse=args.reuse, big_share=args.big_share) as seeded:
        from django.db import connections

        connections.close_all()
        results = {mode: _run_child(mode, seeded.big_merchant_id) for mode in MODES}
    _report(results, seeded.big_orders)


def _sqlite(order_count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["BENCH_DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
        django_setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        merchant_id = _sqlite_seed(order_count)
        seconds = time.perf_counter() - started
        log(f"seeded {order_count:,} orders of one merchant in SQLite in {seconds:.1f} s")
        connections.close_all()
        result = _run_child("csv", merchant_id)
    rate = result["rows"] / result["seconds"]
    peak = result["rss_peak_kb"] / 1024
    assert result["rows"] == order_count, result
    log(f"csv {result['rows']:,} rows in {result['seconds']:.2f} s: {rate:,.0f} rows/s, peak {peak:.0f} MB")
    ok = rate >= SQLITE_CSV_TARGET
    log(f"{'OK    ' if ok else 'MISSED'} CSV on SQLite {rate:,.0f} rows/s, target >= {SQLITE_CSV_TARGET:,}")


def _sqlite_seed(order_count: int) -> int:
    """One merchant's paid orders, as bench.orders seeds PostgreSQL (same shape, Python-made)."""
    from datetime import timedelta

    from django.utils import timezone

    from payments.models import Contract, Currency, Merchant, Order, Terminal

    tnd = Currency.objects.get(alpha_code="TND")
    merchant = Merchant.objects.create(code="S000", name="Bench", default_currency=tnd)
    contract = Contract.objects.create(merchant=merchant, bank_name="Banque Bench", commission_bps=175)
    terminal = Terminal.objects.create(contract=contract, terminal_id="ST000000")
    now = timezone.now()

    def order(n: int) -> Order:
        h = (n * 2654435761) % 2147483647
        amount = 1000 + h % 900000
        at = now - timedelta(seconds=(order_count - n) * 90 * 86400 / order_count)
        return Order(
            merchant=merchant, terminal=terminal, currency=tnd, order_number=f"S-{n:09d}", amount=amount,
            approved_amount=amount, deposited_amount=amount, status=2, action_code=0,
            return_url="https://shop.example.tn/return", buyer_email=f"buyer{h % 5000}@example.tn",
            masked_pan=f"411111**{h % 10000:04d}", card_last4=f"{h % 10000:04d}", card_brand="VISA",
            approval_code=f"{h % 1000000:06d}", reference_number=f"{n:012d}", created_at=at,
            expires_at=at + timedelta(minutes=20), authorized_at=at, deposited_at=at,
        )  # fmt: skip

    batch = 5_000
    for start in range(0, order_count, batch):
        Order.objects.bulk_create(order(n) for n in range(start, min(start + batch, order_count)))
    return merchant.pk


def _report(results: dict[str, dict[str, Any]], big_orders: int) -> None:
    rate = {mode: r["rows"] / r["seconds"] for mode, r in results.items()}
    log(f"\nbig merchant's orders exported: {big_orders:,}")
    head = ("writer", "rows", "MB", "seconds", "rows/s", "RSS before", "peak", "growth")
    log("{:<6} {:>9} {:>7} {:>8} {:>9} {:>11} {:>7} {:>7}".format(*head))
    for mode, r in results.items():
        assert r["rows"] == big_orders, (mode, r["rows"], big_orders)
        before, peak = r["rss_before_kb"] / 1024, r["rss_peak_kb"] / 1024
        log(
            f"{mode:<6} {r['rows']:>9,} {r['bytes'] / 1e6:>7.1f} {r['seconds']:>8.2f} {rate[mode]:>9,.0f} "
            f"{before:>9.0f}MB {peak:>5.0f}MB {peak - before:>5.1f}MB"
        )
    ratio = rate["csv"] / rate["copy"]
    peaks = {mode: results[mode]["rss_peak_kb"] / 1024 for mode in ("csv", "xlsx")}
    checks = [
        (f"CSV / COPY rate {ratio:.2f}, target >= {CSV_RATIO_TARGET:.2f}", ratio >= CSV_RATIO_TARGET),
        (
            f"XLSX {rate['xlsx']:,.0f} rows/s (lxml {'on' if results['xlsx']['lxml'] else 'OFF'}), "
            f"target >= {XLSX_RATE_TARGET:,}",
            rate["xlsx"] >= XLSX_RATE_TARGET,
        ),
        *(
            (f"{mode.upper()} peak {peak:.0f} MB for {big_orders:,} rows, target < {PEAK_MB_TARGET:.0f} MB "
             "(for 1,000,000 rows: flat if the growth does not scale with the rows)", peak < PEAK_MB_TARGET)
            for mode, peak in peaks.items()
        ),
    ]  # fmt: skip
    for text, ok in checks:
        log(f"{'OK    ' if ok else 'MISSED'} {text}")


if __name__ == "__main__":
    main()
