"""Custom pageView values: accepted at register.do when the merchant declares them, and they select
the merchant's own template when it exists."""

import pytest

from payments.models import Order
from payments.theming.selectors import STANDARD_TEMPLATE, page_template
from tests.factories import make_api_account, make_merchant
from tests.payments.test_checkout import page_url, payable_order
from tests.payments.test_protocol_register import assert_refused, call, order_values

from .conftest import make_theme

pytestmark = pytest.mark.django_db


def test_register_accepts_a_page_view_the_merchant_declared(client):
    account = make_api_account()
    make_theme(merchant=account.merchant, custom_page_views="PARTNER, KIOSK")
    answer = call(client, "register", account, **order_values(pageView="PARTNER"))

    assert set(answer) == {"orderId", "formUrl"}
    assert "/payment_fr.html?mdOrder=" in answer["formUrl"]  # the desktop address: the view picks a template
    assert Order.objects.get(order_id=answer["orderId"]).page_view == "PARTNER"


@pytest.mark.parametrize("page_view", ["TABLET", "partner", "PARTNER2"])
def test_register_refuses_a_page_view_the_merchant_did_not_declare(client, page_view):
    account = make_api_account()
    make_theme(merchant=account.merchant, custom_page_views="PARTNER")
    answer = call(client, "register", account, **order_values(pageView=page_view, language="en"))

    assert_refused(answer, "5", "The parameter pageView is not valid.")
    assert not Order.objects.exists()


def test_another_merchants_page_view_is_refused(client):
    make_theme(merchant=make_merchant(), custom_page_views="PARTNER")
    answer = call(client, "register", make_api_account(), **order_values(pageView="PARTNER", language="en"))

    assert_refused(answer, "5", "The parameter pageView is not valid.")


def test_the_custom_template_is_used_for_its_merchant_and_page_view(client):
    merchant = make_merchant(code="DEMO")
    make_theme(merchant=merchant, custom_page_views="PARTNER")
    html = client.get(page_url(payable_order(merchant=merchant, page_view="PARTNER"))).content.decode()

    assert 'data-page-view="PARTNER"' in html
    assert 'autocomplete="cc-number"' in html and 'id="pay"' in html  # still the full, labelled form


def test_the_standard_page_serves_other_merchants_and_views_without_a_template(client):
    other = make_merchant()
    make_theme(merchant=other, custom_page_views="PARTNER")
    demo = make_merchant(code="DEMO")
    for order in (
        payable_order(merchant=other, page_view="PARTNER"),
        payable_order(merchant=demo, page_view="KIOSK"),
    ):
        html = client.get(page_url(order)).content.decode()
        assert 'data-page-view="PARTNER"' not in html and 'id="pay"' in html


@pytest.mark.parametrize("page_view", ["../PARTNER", "PARTNER/../../X", "DESKTOP", "MOBILE", "", "partner"])
def test_only_safe_custom_names_build_a_template_path(page_view):
    assert page_template(merchant=make_merchant(code="DEMO"), page_view=page_view) == STANDARD_TEMPLATE
