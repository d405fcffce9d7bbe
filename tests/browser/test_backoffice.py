"""A merchant's operator works in the back-office in a real browser: two-factor sign-in, search, order
details, a partial refund, a cancellation, a CSV export, and the order page in French and Arabic."""

import csv
import io
from binascii import unhexlify
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from django.utils.translation import gettext
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from backoffice.models import Role
from payments.models import OperationKind, OrderStatus
from payments.templatetags.money import format_money
from tests.backoffice.conftest import PASSWORD, make_staff
from tests.factories import make_merchant, make_order

# serialized_rollback: the flush after the test would drop the currencies of the data migration
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EMAIL = "amira@example.tn"


def fr(text: str) -> str:
    with translation.override("fr"):
        return gettext(text)


def code_of(device: TOTPDevice) -> str:
    token = totp(unhexlify(device.key), step=device.step, t0=device.t0, digits=device.digits)
    return f"{token:0{device.digits}d}"


def sign_in(page: Any, base: str, user: Any) -> None:
    page.goto(f"{base}/mportal/login/")
    page.fill("#id_username", user.get_username())
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/mportal/login/code/**")
    page.fill("#id_code", code_of(TOTPDevice.objects.get(user=user)))
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def fact(page: Any, label: str) -> str:
    """The value shown beside a label in the order's facts (<dt>label</dt><dd>value</dd>)."""
    return page.locator(f"dl.facts dt:text-is('{fr(label)}') + dd").first.inner_text().strip()


def search_by_email(page: Any, base: str) -> None:
    # Through the bookmarkable URL, not the form: see test_search_form_adds_no_status_or_action_code.
    page.goto(f"{base}/mportal/orders/?buyer_email={EMAIL}")
    assert page.locator("#id_buyer_email").input_value() == EMAIL


def test_operator_signs_in_searches_refunds_cancels_and_exports(live_server, page, artifacts: Path):
    merchant = make_merchant()
    user = make_staff(merchant=merchant, role=Role.OPERATOR)
    remitted = make_order(
        merchant=merchant, status=OrderStatus.DEPOSITED, remitted=True, amount=10_500, buyer_email=EMAIL
    )
    waiting = make_order(merchant=merchant, status=OrderStatus.DEPOSITED, amount=7_000, buyer_email=EMAIL)
    other = make_order(merchant=merchant, status=OrderStatus.DEPOSITED, buyer_email="sami@example.tn")
    tnd = remitted.currency
    base = live_server.url

    sign_in(page, base, user)
    assert page.url.rstrip("/").endswith("/mportal")

    # Search by the buyer's e-mail: her two orders, not the other buyer's.
    search_by_email(page, base)
    table = page.locator("table.grid tbody").inner_text()
    assert remitted.order_number in table and waiting.order_number in table
    assert other.order_number not in table

    # Open the remitted order and refund part of it through the confirmation page.
    page.click(f"table.grid a:text-is('{remitted.order_number}')")
    page.wait_for_url(f"**/mportal/orders/{remitted.order_id}/")
    assert fact(page, "Left to refund") == format_money(10_500, tnd, "fr")
    assert page.locator("[data-action=cancel]").count() == 1  # remitted: cancel is not offered
    page.click(f"a[href$='/orders/{remitted.order_id}/refund/']")
    page.wait_for_url("**/refund/")
    page.fill("#id_amount", "4,250")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/mportal/orders/{remitted.order_id}/")
    assert fr("The refund is recorded.") in page.locator("ul.messages").inner_text()
    assert fact(page, "Refunded amount") == format_money(4_250, tnd, "fr")
    assert fact(page, "Left to refund") == format_money(6_250, tnd, "fr")
    history = page.locator("table.grid").last.inner_text()
    assert user.get_username() in history and format_money(4_250, tnd, "fr") in history
    remitted.refresh_from_db()
    assert (remitted.refunded_amount, remitted.status) == (4_250, OrderStatus.DEPOSITED)
    assert remitted.operations.filter(kind=OperationKind.REFUND, amount=4_250).count() == 1

    # The order page in French, then in Arabic (right to left), for the record.
    page.screenshot(path=str(artifacts / "backoffice-order-fr.png"), full_page=True)
    page.select_option("#language", "ar")
    page.wait_for_function("document.documentElement.lang === 'ar'")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert format_money(6_250, tnd, "ar") in page.locator("dl.facts").first.inner_text()
    page.screenshot(path=str(artifacts / "backoffice-order-ar.png"), full_page=True)
    page.select_option("#language", "fr")
    page.wait_for_function("document.documentElement.lang === 'fr'")

    # Cancel the order that is not remitted yet.
    search_by_email(page, base)
    page.click(f"table.grid a:text-is('{waiting.order_number}')")
    page.click(f"a[href$='/orders/{waiting.order_id}/cancel/']")
    page.wait_for_url("**/cancel/")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"**/mportal/orders/{waiting.order_id}/")
    assert fr("The order is cancelled.") in page.locator("ul.messages").inner_text()
    waiting.refresh_from_db()
    assert (waiting.status, waiting.deposited_amount) == (OrderStatus.REVERSED, 0)

    # Export the search as CSV: exactly her two orders, with the amounts as they stand now.
    search_by_email(page, base)
    with page.expect_download() as download_info:
        page.click("button[name=format][value=csv]")
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    text = Path(download.path()).read_bytes().decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert header[0] == fr("Order reference")
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_number) == {remitted.order_number, waiting.order_number}
    assert by_number[remitted.order_number][fr("Refunded amount")] == "4,250"
    assert by_number[remitted.order_number][fr("Amount")] == "10,500"
    assert by_number[waiting.order_number][fr("Deposited amount")] == "0,000"
    with translation.override("fr"):
        assert by_number[waiting.order_number][fr("Status")] == str(OrderStatus.REVERSED.label)


def test_search_form_adds_no_status_or_action_code(live_server, page):
    merchant = make_merchant()
    user = make_staff(merchant=merchant, role=Role.OPERATOR)
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED, buyer_email=EMAIL)
    sign_in(page, live_server.url, user)
    page.goto(f"{live_server.url}/mportal/orders/")
    page.fill("#id_buyer_email", EMAIL)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**buyer_email=**")
    assert order.order_number in page.locator("table.grid tbody").inner_text()
