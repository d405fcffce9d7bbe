"""A buyer pays in a real browser: every test card, every language, 3-D Secure, back to the shop."""

import json
import urllib.parse
import urllib.request

import pytest

from payments.models import Order, OrderStatus, PaymentMethod, ReturnMethod
from tests.factories import API_PASSWORD, make_api_account, make_merchant

pytestmark = pytest.mark.django_db(transaction=True)

# protocol section 8: card -> (3-D Secure challenge, final status after the buyer is done, action code)
CARDS = {
    "4111111111111111": (False, OrderStatus.DEPOSITED, 0),
    "5555555555554444": (False, OrderStatus.DEPOSITED, 0),
    "4970100000000006": (True, OrderStatus.DEPOSITED, 0),
    "5200000000001096": (True, OrderStatus.DEPOSITED, 0),
    "4000000000000002": (False, OrderStatus.DECLINED, 5),
    "4000000000009995": (False, OrderStatus.DECLINED, 116),
    "4000000000000069": (False, OrderStatus.DECLINED, 101),
    "4000000000000119": (False, OrderStatus.DECLINED, 910),
}
PAY_BUTTON = {"fr": "Payer", "en": "Pay", "ar": "ادفع"}


def register(live_server, shop, *, lang: str, merchant=None, method: str = "register.do") -> dict[str, str]:
    merchant = merchant or make_merchant()
    for contract in merchant.contracts.all():
        contract.payment_methods.set(PaymentMethod.objects.all())
    account = make_api_account(merchant=merchant)
    params = {
        "userName": account.username,
        "password": API_PASSWORD,
        "orderNumber": "B-1",
        "amount": "10500",
        "returnUrl": f"{shop.url}/return?cart=7",
        "failUrl": f"{shop.url}/fail",
        "language": lang,
    }
    url = f"{live_server.url}/payment/rest/{method}"  # the live test server, on loopback
    request = urllib.request.Request(url, urllib.parse.urlencode(params).encode())  # noqa: S310
    with urllib.request.urlopen(request) as answer:  # noqa: S310
        registered = json.load(answer)
    assert "errorCode" not in registered, registered
    return registered


def fill_card(page, pan: str) -> None:
    page.fill("input[autocomplete=cc-number]", pan)
    page.fill("input[autocomplete=cc-exp]", "12/30")
    page.fill("input[autocomplete=cc-csc]", "123")
    page.fill("input[autocomplete=cc-name]", "Amira Ben Salah")
    page.click("#pay")


@pytest.mark.parametrize("lang", ["fr", "en", "ar"])
@pytest.mark.parametrize("pan", list(CARDS))
def test_buyer_pays_with_each_test_card_in_each_language(live_server, page, shop, pan, lang):
    challenge, final_status, action_code = CARDS[pan]
    registered = register(live_server, shop, lang=lang)
    page.goto(registered["formUrl"])
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert page.locator("#pay").inner_text().strip() == PAY_BUTTON[lang]
    fill_card(page, pan)
    if challenge:
        page.wait_for_url("**/acs/challenge/**")
        assert page.locator("#otp").get_attribute("autocomplete") == "one-time-code"
        page.fill("#otp", "123456")
        page.click("#confirm")
    if final_status == OrderStatus.DEPOSITED:
        page.wait_for_url("**/payment/result/**")
        assert "**" in page.locator(".mono").first.inner_text()
        page.click("#back-to-shop")
        expected_path = "/return"
    else:
        page.wait_for_selector(".notice")
        page.locator("form.actions button").click()  # gives up: cancel and return to the shop
        expected_path = "/fail"
    page.wait_for_url(f"{shop.url}{expected_path}**")
    visit = shop.visits[-1]
    assert visit["method"] == "GET" and visit["path"] == expected_path
    assert visit["query"]["orderId"] == [registered["orderId"]] and visit["query"]["lang"] == [lang]
    order = Order.objects.get(order_id=registered["orderId"])
    assert (order.status, order.action_code) == (final_status, action_code)
    assert order.masked_pan == f"{pan[:6]}**{pan[-4:]}"
    assert bool(order.eci) == challenge


def test_failed_3ds_then_success_and_history(live_server, page, shop):
    registered = register(live_server, shop, lang="en")
    page.goto(registered["formUrl"])
    fill_card(page, "4970100000000006")
    page.fill("#otp", "000000")
    page.click("#confirm")
    page.wait_for_selector(".notice")
    assert "3-D Secure authentication failed" in page.locator(".notice").inner_text()
    fill_card(page, "4970100000000006")
    page.fill("#otp", "123456")
    page.click("#confirm")
    page.wait_for_url("**/payment/result/**")
    order = Order.objects.get(order_id=registered["orderId"])
    history = list(order.operations.values_list("kind", "success", "action_code"))
    assert history == [
        ("register", True, None),
        ("authenticate", True, None),
        ("authenticate", False, -2006),
        ("authenticate", True, None),
        ("authorize", True, 0),
    ]
    assert (order.status, order.eci, order.attempts) == (OrderStatus.DEPOSITED, "05", 1)


def test_two_phase_order_is_held_and_shop_gets_a_post_return(live_server, page, shop):
    merchant = make_merchant(return_method=ReturnMethod.POST)
    registered = register(live_server, shop, lang="fr", merchant=merchant, method="registerPreAuth.do")
    page.goto(registered["formUrl"])
    fill_card(page, "5555555555554444")
    page.wait_for_url("**/payment/result/**")
    page.click("#back-to-shop")
    page.wait_for_url(f"{shop.url}/return**")
    visit = shop.visits[-1]
    assert visit["method"] == "POST"
    assert visit["form"] == {"orderId": [registered["orderId"]], "lang": ["fr"]}
    assert Order.objects.get(order_id=registered["orderId"]).status == OrderStatus.APPROVED


def test_language_switch_keeps_the_order_and_screenshots_are_saved(live_server, page, shop, artifacts):
    registered = register(live_server, shop, lang="fr")
    page.goto(registered["formUrl"])
    page.screenshot(path=str(artifacts / "payment_page_fr.png"), full_page=True)
    page.click("a[hreflang=ar]")
    page.wait_for_url("**/payment_ar.html?mdOrder=*")
    assert registered["orderId"] in page.url
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(artifacts / "payment_page_ar_mobile.png"), full_page=True)
    assert (artifacts / "payment_page_fr.png").stat().st_size > 10_000
