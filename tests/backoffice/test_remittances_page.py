"""The "Remises" pages: the merchant's remittances, their totals and bank file, and the order's remittance."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from payments.models import Merchant, Order, OrderStatus, Remittance
from payments.services.remittance import remittance_run
from tests.backoffice.conftest import make_staff, signed_in
from tests.factories import make_merchant, make_order

pytestmark = pytest.mark.django_db

TUNIS = ZoneInfo("Africa/Tunis")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path
    settings.REMITTANCE_CUTOFF = "23:00"


def remit(
    merchant: Merchant, amounts: list[int], *, order_number: str = ""
) -> tuple[Remittance, list[Order]]:
    """Yesterday's remittance of paid TND orders of `amounts`, built by the real job."""
    day = timezone.localdate() - timedelta(days=1)
    deposited_at = datetime.combine(day, time(10), tzinfo=TUNIS)
    orders = [
        make_order(
            merchant=merchant,
            status=OrderStatus.DEPOSITED,
            amount=amount,
            currency_code="TND",
            deposited_at=deposited_at,
            **({"order_number": f"{order_number}-{i}"} if order_number else {}),
        )
        for i, amount in enumerate(amounts)
    ]
    (done,) = [r for r in remittance_run(until=None, business_date=day) if r.merchant_id == merchant.pk]
    return done, orders


@pytest.fixture
def ours(merchant: Merchant) -> tuple[Remittance, list[Order]]:
    return remit(merchant, [10_000, 2_500])


@pytest.fixture
def theirs(db) -> Remittance:  # type: ignore[no-untyped-def]
    return remit(make_merchant(), [77_777], order_number="THEIR")[0]


def test_list_shows_the_merchants_remittances_with_totals(ours, theirs, viewer_client):
    remittance, _orders = ours
    page = viewer_client.get("/mportal/remittances/").content.decode()
    assert f'data-remittance="{remittance.pk}"' in page
    assert f'data-remittance="{theirs.pk}"' not in page
    assert f'href="/mportal/remittances/{remittance.pk}/"' in page
    # gross 12.500, commission 1.5 % = 0.188 (half up), net 12.312
    assert "12.500\u00a0TND" in page and "0.188\u00a0TND" in page and "12.312\u00a0TND" in page
    assert "Test Bank" in page and "Done" in page
    assert "77.777" not in page


def test_list_is_paginated(merchant, viewer_client):
    contract = merchant.contracts.get()
    for offset in range(55):
        Remittance.objects.create(
            business_date=timezone.localdate() - timedelta(days=offset + 2),
            merchant=merchant,
            contract=contract,
            currency_id=merchant.default_currency_id,
            cutoff_at=timezone.now(),
        )
    first = viewer_client.get("/mportal/remittances/").content.decode()
    second = viewer_client.get("/mportal/remittances/?page=2").content.decode()
    assert first.count("data-remittance=") == 50 and second.count("data-remittance=") == 5


def test_detail_shows_totals_file_and_orders_link(ours, viewer_client):
    remittance, _orders = ours
    page = viewer_client.get(f"/mportal/remittances/{remittance.pk}/").content.decode()
    assert '<dd data-total="order_count">2</dd>' in page
    assert '<dd data-total="gross">12.500' in page
    assert '<dd data-total="net"><strong>12.312' in page
    assert f'href="/mportal/remittances/{remittance.pk}/file/"' in page
    assert f'href="/mportal/orders/?remittance={remittance.pk}"' in page


def test_file_downloads_through_django(ours, viewer_client):
    remittance, _orders = ours
    response = viewer_client.get(f"/mportal/remittances/{remittance.pk}/file/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    with default_storage.open(remittance.file.name, "rb") as stored:
        assert content == stored.read()
    assert content.startswith(b"H;CTPREM1;")


def test_another_merchants_remittance_is_404(ours, theirs, viewer_client):
    for url in (f"/mportal/remittances/{theirs.pk}/", f"/mportal/remittances/{theirs.pk}/file/"):
        assert viewer_client.get(url).status_code == 404, url
    assert viewer_client.get("/mportal/remittances/999999/").status_code == 404


def test_missing_file_is_404(merchant, viewer_client):
    pending = Remittance.objects.create(
        business_date=timezone.localdate(),
        merchant=merchant,
        contract=merchant.contracts.get(),
        currency_id=merchant.default_currency_id,
        cutoff_at=timezone.now(),
    )
    assert viewer_client.get(f"/mportal/remittances/{pending.pk}/file/").status_code == 404
    assert "No bank file" in viewer_client.get(f"/mportal/remittances/{pending.pk}/").content.decode()


def test_orders_search_filters_on_the_remittance(ours, theirs, viewer_client):
    remittance, orders = ours
    make_order(merchant=remittance.merchant, status=OrderStatus.DEPOSITED, order_number="NOT-REMITTED")
    page = viewer_client.get(f"/mportal/orders/?remittance={remittance.pk}").content.decode()
    assert all(o.order_number in page for o in orders)
    assert "NOT-REMITTED" not in page
    # Their remittance's id finds nothing: the search only ever reads the own merchant's orders.
    assert "THEIR-0" not in viewer_client.get(f"/mportal/orders/?remittance={theirs.pk}").content.decode()


def test_order_page_shows_its_remittance(ours, viewer_client):
    remittance, orders = ours
    page = viewer_client.get(f"/mportal/orders/{orders[0].order_id}/").content.decode()
    assert f'href="/mportal/remittances/{remittance.pk}/"' in page
    assert "Remittance of" in page and "Test Bank" in page


def test_navigation_links_to_the_remittances(viewer_client):
    page = viewer_client.get("/mportal/remittances/").content.decode()
    assert 'href="/mportal/remittances/" aria-current="page"' in page


def test_another_merchants_user_sees_none_of_ours(ours):
    remittance, _orders = ours
    client = signed_in(make_staff(merchant=make_merchant()))
    assert f'data-remittance="{remittance.pk}"' not in client.get("/mportal/remittances/").content.decode()
    assert client.get(f"/mportal/remittances/{remittance.pk}/file/").status_code == 404
