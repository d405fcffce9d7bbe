"""The dashboard at /mportal/: figures of a known set of orders, per currency, scoped to the merchant."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from backoffice import dashboard
from backoffice.chart import day_chart, nice_max
from payments.models import Merchant, OrderStatus
from payments.services import remittance
from tests.backoffice.conftest import make_staff, signed_in
from tests.factories import make_merchant, make_order

pytestmark = pytest.mark.django_db

TUNIS = ZoneInfo("Africa/Tunis")


def at(days_ago: int, hour: int = 0, minute: int = 1) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, minute), tzinfo=TUNIS)


def order(merchant: Merchant, status: int, amount: int, days_ago: int = 0, **fields) -> None:  # type: ignore[no-untyped-def]
    make_order(merchant=merchant, status=status, amount=amount, created_at=at(days_ago), **fields)


@pytest.fixture
def known(merchant: Merchant) -> Merchant:
    """Today: 3 accepted (TND 10.000 + 5.000, EUR 20.00) and 2 refused; older ones below."""
    ok, declined, tnd, eur = OrderStatus.DEPOSITED, OrderStatus.DECLINED, "TND", "EUR"
    order(merchant, ok, 10_000, currency_code=tnd)
    order(merchant, OrderStatus.APPROVED, 5_000, currency_code=tnd)
    order(merchant, ok, 2_000, currency_code=eur, refunded_amount=500)  # partly refunded
    order(merchant, declined, 3_000, currency_code=tnd, action_code=116)
    order(merchant, declined, 4_000, currency_code=tnd, action_code=116)
    order(merchant, OrderStatus.REGISTERED, 6_000, currency_code=tnd)  # still waiting: neither
    order(merchant, OrderStatus.REVERSED, 7_000, days_ago=3, currency_code=tnd)  # approved, then cancelled
    order(merchant, declined, 1_500, days_ago=3, currency_code=eur, action_code=101)
    order(merchant, ok, 8_000, days_ago=5, currency_code=tnd, remitted=True)
    order(merchant, ok, 20_000, days_ago=10, currency_code=tnd)
    order(merchant, declined, 1_000, days_ago=10, currency_code=tnd, action_code=116)
    order(merchant, ok, 99_000, days_ago=40, currency_code=tnd)  # in the 90-day period only
    theirs = make_merchant(currencies=("TND", "EUR"))
    order(theirs, ok, 50_000, currency_code=tnd)
    order(theirs, declined, 70_000, currency_code=tnd, action_code=999)
    order(theirs, ok, 30_000, days_ago=3, currency_code=eur)
    return merchant


def by_currency(figures: dashboard.Figures) -> dict[str, tuple[int, int, int, int]]:
    return {
        row.currency.alpha_code: (
            row.accepted_count,
            row.accepted_amount,
            row.refused_count,
            row.refused_amount,
        )
        for row in figures.per_currency
    }


def test_today_counts_and_amounts_per_currency(known):
    today = dashboard.figures(merchant=known, since=dashboard.day_start(timezone.localdate()))
    assert by_currency(today) == {"EUR": (1, 2_000, 0, 0), "TND": (2, 15_000, 2, 7_000)}
    assert today.acceptance_rate == pytest.approx(60.0)


@pytest.mark.parametrize(
    ("days", "expected", "rate"),
    [
        (7, {"EUR": (1, 2_000, 1, 1_500), "TND": (4, 30_000, 2, 7_000)}, 5 / 8),
        (30, {"EUR": (1, 2_000, 1, 1_500), "TND": (5, 50_000, 3, 8_000)}, 6 / 10),
        (90, {"EUR": (1, 2_000, 1, 1_500), "TND": (6, 149_000, 3, 8_000)}, 7 / 11),
    ],
)
def test_period_counts_amounts_and_rate(known, days, expected, rate):
    figures = dashboard.figures(merchant=known, since=dashboard.period_start(days=days))
    assert by_currency(figures) == expected
    assert figures.acceptance_rate == pytest.approx(100 * rate)


def test_rate_is_none_without_decided_orders(merchant):
    make_order(merchant=merchant, status=OrderStatus.REGISTERED)
    assert dashboard.figures(merchant=merchant, since=at(1)).acceptance_rate is None


def test_top_refusal_reasons_are_counted_and_translated(known):
    reasons = dashboard.top_refusal_reasons(merchant=known, since=dashboard.period_start(days=30))
    assert [(r.action_code, r.count) for r in reasons] == [(116, 3), (101, 1)]
    assert reasons[0].description == "Insufficient funds"


def test_top_refusal_reasons_keep_five(merchant):
    for code in (101, 116, 117, 119, 120, 121):
        make_order(merchant=merchant, status=OrderStatus.DECLINED, action_code=code)
    assert len(dashboard.top_refusal_reasons(merchant=merchant, since=at(1))) == 5


def test_awaiting_remittance_is_deposited_minus_refunded_per_currency(known):
    awaiting = {c.alpha_code: amount for c, amount in dashboard.awaiting_remittance(merchant=known)}
    # TND: 10.000 + 20.000 + 99.000 (the remitted 8.000 has gone); EUR: 20.00 - 5.00 refunded.
    assert awaiting == {"TND": 129_000, "EUR": 1_500}


def test_chart_data_per_local_day(known):
    days = dashboard.daily_counts(merchant=known)
    assert len(days) == 30 and days[-1].day == timezone.localdate()
    counts = {
        (timezone.localdate() - d.day).days: (d.accepted, d.refused) for d in days if d.accepted or d.refused
    }
    assert counts == {0: (3, 2), 3: (1, 1), 5: (1, 0), 10: (1, 1)}


def test_chart_days_are_tunis_days_not_utc_days(merchant):
    # 23:30 in Tunis is 22:30 UTC the same day, 00:30 in Tunis is 23:30 UTC the day before.
    make_order(merchant=merchant, status=OrderStatus.DEPOSITED, created_at=at(3, 23, 30))
    make_order(merchant=merchant, status=OrderStatus.DECLINED, created_at=at(2, 0, 30))
    days = {d.day: (d.accepted, d.refused) for d in dashboard.daily_counts(merchant=merchant)}
    today = timezone.localdate()
    assert days[today - timedelta(days=3)] == (1, 0)
    assert days[today - timedelta(days=2)] == (0, 1)


def test_page_shows_the_figures(known, viewer_client):
    page = viewer_client.get("/mportal/").content.decode()
    assert re.search(r'data-currency="TND">.*?<td class="num good">2</td><td class="num">15.000', page, re.S)
    assert 'data-rate="today">60.0 %' in page
    assert 'data-rate="period">60.0 %' in page
    assert '<tr data-code="116"><td>116</td><td>Insufficient funds</td><td class="num">3</td>' in page
    assert "129.000" in page and "15.00" in page  # awaiting remittance, TND and EUR
    assert page.count('<g class="day"') == 30
    assert f'data-day="{timezone.localdate():%Y-%m-%d}" data-accepted="3" data-refused="2"' in page
    assert "<title" in page and 'class="visually-hidden"' in page


def test_period_selector_is_in_the_url(known, viewer_client):
    page = viewer_client.get("/mportal/?days=90").content.decode()
    assert 'href="?days=90" aria-current="page"' in page
    assert 'data-rate="period">63.6 %' in page  # 7 of 11
    assert viewer_client.get("/mportal/?days=abc").status_code == 200  # unknown: the default period


def test_another_merchants_orders_never_count(known):
    client = signed_in(make_staff(merchant=make_merchant()))
    page = client.get("/mportal/").content.decode()
    assert "No payment accepted or refused." in page
    assert "Nothing is waiting." in page
    assert 'data-accepted="1"' not in page and 'data-refused="1"' not in page
    assert "50.000" not in page and "70.000" not in page


def test_chart_is_mirrored_in_right_to_left_languages():
    days = [dashboard.DayFigures(date(2025, 3, d), d, 0) for d in range(1, 4)]
    ltr, rtl = day_chart(days), day_chart(days, rtl=True)
    assert ltr.columns[0].label_x < ltr.columns[-1].label_x  # oldest on the left
    assert rtl.columns[0].label_x > rtl.columns[-1].label_x  # oldest on the right
    assert ltr.grid[-1].value == nice_max(3) == 4


def test_arabic_page_renders(known, viewer_client):
    response = viewer_client.get("/mportal/", HTTP_ACCEPT_LANGUAGE="ar")
    assert response.status_code == 200
    assert 'dir="rtl"' in response.content.decode()


def test_awaiting_remittance_reads_back_to_the_last_remittance(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    merchant = make_merchant(currencies=("TND",))
    assert remittance.waiting_since(merchant_id=merchant.pk) < timezone.now() - timedelta(days=34)
    now = timezone.now()
    paid = {"merchant": merchant, "status": OrderStatus.DEPOSITED}
    make_order(**paid, amount=2_000, deposited_at=now - timedelta(days=3))
    (done,) = remittance.remittance_run(until=None, business_date=timezone.localdate(now) - timedelta(days=1))
    make_order(**paid, amount=5_000, deposited_at=now)
    since = remittance.waiting_since(merchant_id=merchant.pk, now=now)
    assert since == done.cutoff_at - remittance.LATE_COMMIT
    assert [amount for _currency, amount in dashboard.awaiting_remittance(merchant=merchant)] == [5_000]
