"""Latency of the back-office orders search, end to end through the Django view, on millions of orders.

Run from the project root, with the virtualenv active (PostgreSQL on 127.0.0.1:5432, user postgres):

    python -m bench.search                   # 2,000,000 orders, 500 merchants, one holding 10%
    python -m bench.search --orders 200000   # smaller
    python -m bench.search --keep            # leave the database clictopay_search_bench behind
    python -m bench.search --keep --reuse    # run again on that database (migrated), without seeding

What it does: bench.orders builds the database (see there), then a test Client signed in as an operator
of the big merchant GETs /mportal/orders/ with typical searches: the last 30 days; plus a buyer's
e-mail; plus an exact amount; plus an order reference; and deep pages, reached by following the keyset
"next page" links (never an OFFSET) DEEP_PAGE times. Each URL is requested WARMUP times, then timed
REPEAT times: filter form, keyset query, bounded count, table and template, in this one process (no
network, DEBUG off). Target: p95 under 50 ms for every search, at any depth. Never part of the tests.
"""

from __future__ import annotations

import argparse
import html
import re
import statistics
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from bench.orders import bench_database, log, staff_client

P95_TARGET_MS = 50.0
WARMUP = 3
REPEAT = 40
DEEP_PAGE = 100  # pages of 50 walked through the "next page" links: order 5,000 onwards
URL = "/mportal/orders/"
_NEXT = re.compile(r'href="([^"]*\bafter=[^"]*)"')


def _get(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _deep(client: Any, url: str, pages: int) -> tuple[str, int]:
    """The URL of page `pages + 1`, following the pager's "next page" links; and the page reached."""
    reached = 1
    for _ in range(pages):
        page = _get(client, url)
        pager = page[page.find('<nav class="pager"') :]  # not the column headers: they keep `after` too
        found = _NEXT.search(pager[: pager.find("</nav>")])
        if not found:
            break
        href = html.unescape(found.group(1))
        url, reached = (URL + href if href.startswith("?") else href), reached + 1
    return url, reached


def _time(client: Any, url: str) -> list[float]:
    for _ in range(WARMUP):
        _get(client, url)
    samples = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        _get(client, url)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _p(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def _searches(big_merchant_id: int) -> list[tuple[str, dict[str, str]]]:
    """Typical searches, with values picked from the big merchant's own last 30 days."""
    from django.utils import timezone

    from payments.models import Order, OrderStatus

    today = timezone.localdate()
    period = {"created_from": str(today - timedelta(days=30)), "created_to": str(today)}
    recent = Order.objects.filter(
        merchant_id=big_merchant_id, created_at__gte=timezone.now() - timedelta(days=20)
    ).order_by("created_at")
    sample = recent.filter(status=OrderStatus.DEPOSITED).values("buyer_email", "amount", "order_number")[0]
    amount = f"{sample['amount'] / 1000:.3f}"
    partial = sample["order_number"][2:-3]  # a fragment: the thousand numbers around the sample's
    return [
        ("30 days", period),
        ("30 days + e-mail", period | {"buyer_email": sample["buyer_email"]}),
        ("30 days + amount", period | {"amount": amount}),
        ("30 days + reference", period | {"reference": sample["order_number"]}),
        ("30 days + partial reference", period | {"reference": partial, "reference_match": "partial"}),
        ("30 days, by amount", period | {"sort": "-amount"}),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=2_000_000)
    parser.add_argument("--keep", action="store_true", help="Keep the database afterwards.")
    parser.add_argument("--reuse", action="store_true", help="Take the kept database as it is (no seeding).")
    args = parser.parse_args()
    with bench_database(args.orders, keep=args.keep, reuse=args.reuse) as seeded:
        client = staff_client(seeded.big_merchant_id)
        rows = []
        for name, query in _searches(seeded.big_merchant_id):
            first = f"{URL}?{urlencode(query)}"
            page = _get(client, first)
            matches = re.search(r'<p class="muted">([^<]*)</p>', page)
            rows.append(
                (f"{name}, page 1", _time(client, first), html.unescape(matches.group(1)) if matches else "")
            )
            if "after=" in page[page.find('<nav class="pager"') :]:
                deep, reached = _deep(client, first, DEEP_PAGE)
                rows.append((f"{name}, page {reached}", _time(client, deep), ""))
        _report(rows, seeded.big_orders)


def _report(rows: list[tuple[str, list[float], str]], big_orders: int) -> None:
    log(f"\nbig merchant: {big_orders:,} orders; {REPEAT} timed requests per search (after {WARMUP})")
    log(f"{'search':<40} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}  target p95 < {P95_TARGET_MS:.0f} ms")
    missed = 0
    for name, samples, matches in rows:
        p95 = _p(samples, 95)
        ok = p95 < P95_TARGET_MS
        missed += not ok
        note = f"  ({matches.strip()})" if matches else ""
        log(
            f"{name:<40} {_p(samples, 50):8.1f} {p95:8.1f} {max(samples):8.1f}  "
            f"{'OK' if ok else 'MISSED'}{note}"
        )
    log("all searches within target" if not missed else f"{missed} search(es) missed the target")


if __name__ == "__main__":
    main()
