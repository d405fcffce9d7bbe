"""The orders search: each criterion alone, combined, the search in the URL, keyset pages, bounded count."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation

from backoffice.paging import COUNT_LIMIT
from payments.models import AuthorizationType, Order, OrderStatus, ThreeDSStatus
from tests.factories import make_merchant, make_order

pytestmark = pytest.mark.django_db


def found(client, **params) -> set[str]:  # type: ignore[no-untyped-def]
    response = client.get("/mportal/orders/", params)
    assert response.status_code == 200
    return set(re.findall(r'href="/mportal/orders/[0-9a-f-]{36}/">([^<]+)</a>', response.content.decode()))


@pytest.fixture
def orders(merchant):  # type: ignore[no-untyped-def]
    now = timezone.now()
    terminal2 = merchant.contracts.first().terminals.create(terminal_id="TSEARCH2")
    return {
        "a": make_order(
            merchant=merchant,
            order_number="SHOP-1001",
            amount=10_500,
            status=OrderStatus.DEPOSITED,
            buyer_email="amira@example.tn",
            pan="4111111111111111",
            remitted=True,
            three_ds_status=ThreeDSStatus.AUTHENTICATED,
            created_at=now - timedelta(days=10),
        ),
        "b": make_order(
            merchant=merchant,
            order_number="SHOP-1002",
            amount=10_500,
            currency_code="EUR",
            status=OrderStatus.DECLINED,
            action_code=116,
            buyer_email="john@example.com",
            pan="5555555555554444",
            created_at=now - timedelta(days=2),
        ),
        "c": make_order(
            merchant=merchant,
            order_number="WEB-77",
            amount=250_000,
            status=OrderStatus.APPROVED,
            two_phase=True,
            terminal=terminal2,
            buyer_email="Amira@Example.tn",
            created_at=now,
        ),
        "d": make_order(
            merchant=merchant,
            order_number="MOTO-5",
            amount=1_050,
            currency_code="USD",
            status=OrderStatus.DEPOSITED,
            authorization_type=AuthorizationType.MOTO,
            pan="4000000000000002",
            three_ds_status=ThreeDSStatus.NOT_APPLICABLE,
            created_at=now - timedelta(days=40),
        ),
    }


def test_no_criterion_lists_every_order_of_the_merchant_only(operator_client, orders):
    make_order(merchant=make_merchant(), order_number="NOT-MINE")
    assert found(operator_client) == {"SHOP-1001", "SHOP-1002", "WEB-77", "MOTO-5"}


def test_date_range(operator_client, orders):
    today = timezone.localdate()
    since = (today - timedelta(days=3)).isoformat()
    assert found(operator_client, created_from=since) == {"SHOP-1002", "WEB-77"}
    until = (today - timedelta(days=2)).isoformat()
    assert found(operator_client, created_to=until) == {"SHOP-1001", "SHOP-1002", "MOTO-5"}
    assert found(operator_client, created_from=since, created_to=until) == {"SHOP-1002"}


def test_reference_exact_and_partial(operator_client, orders):
    assert found(operator_client, reference="SHOP-1001") == {"SHOP-1001"}
    assert found(operator_client, reference="SHOP") == set()
    assert found(operator_client, reference="shop-10", reference_match="partial") == {
        "SHOP-1001",
        "SHOP-1002",
    }


def test_reference_may_be_the_order_id(operator_client, orders):
    assert found(operator_client, reference=str(orders["c"].order_id)) == {"WEB-77"}


def test_amount_exact_in_major_units_in_every_currency(operator_client, orders):
    # 10.5 is 10 500 TND millimes and 1 050 EUR/USD cents; 10.500 EUR would be 1 050 cents too.
    assert found(operator_client, amount="10.5") == {"SHOP-1001", "MOTO-5"}
    assert found(operator_client, amount="105") == {"SHOP-1002"}
    assert found(operator_client, amount="10,500", currency="TND") == {"SHOP-1001"}
    assert found(operator_client, amount="10.505", currency="EUR") == set()  # EUR has 2 decimals


def test_amount_range(operator_client, orders):
    assert found(operator_client, amount_min="100", currency="TND") == {"WEB-77"}
    assert found(operator_client, amount_max="11") == {"SHOP-1001", "MOTO-5"}
    assert found(operator_client, amount_min="10.5", amount_max="105") == {"SHOP-1001", "SHOP-1002", "MOTO-5"}


def test_amount_that_is_not_a_number_shows_an_error_and_no_rows(operator_client, orders):
    response = operator_client.get("/mportal/orders/", {"amount": "12abc"})
    assert response.status_code == 200
    assert "SHOP-1001" not in response.content.decode()
    assert "errorlist" in response.content.decode()


def test_currency(operator_client, orders):
    assert found(operator_client, currency="EUR") == {"SHOP-1002"}


def test_buyer_email_matches_exactly_or_in_lower_case(operator_client, orders):
    assert found(operator_client, buyer_email="john@example.com") == {"SHOP-1002"}
    assert found(operator_client, buyer_email="Amira@Example.tn") == {"SHOP-1001", "WEB-77"}


def test_authorization_type(operator_client, orders):
    assert found(operator_client, authorization_type="two_phase") == {"WEB-77"}
    assert found(operator_client, authorization_type="moto") == {"MOTO-5"}


def test_terminal(operator_client, orders):
    assert found(operator_client, terminal="TSEARCH2") == {"WEB-77"}


def test_terminal_of_another_merchant_is_not_a_valid_choice(operator_client, orders):
    other = make_merchant()
    theirs = other.contracts.first().terminals.first().terminal_id
    assert found(operator_client, terminal=theirs) == set()


def test_status(operator_client, orders):
    assert found(operator_client, status=OrderStatus.DEPOSITED) == {"SHOP-1001", "MOTO-5"}
    assert found(operator_client, status=OrderStatus.DECLINED) == {"SHOP-1002"}


def test_action_code_with_its_description(operator_client, orders):
    assert found(operator_client, action_code=116) == {"SHOP-1002"}
    response = operator_client.get("/mportal/orders/", {"action_code": 116})
    from payments.selectors import action_code_description

    assert action_code_description(116) in response.content.decode()


def test_card_last4(operator_client, orders):
    assert found(operator_client, card_last4="4444") == {"SHOP-1002"}
    assert found(operator_client, card_last4="44") == set()


def test_three_ds_result(operator_client, orders):
    assert found(operator_client, three_ds="Y") == {"SHOP-1001"}
    assert found(operator_client, three_ds="none") == {"SHOP-1002", "WEB-77", "MOTO-5"}


def test_remitted_or_not(operator_client, orders):
    assert found(operator_client, remitted="yes") == {"SHOP-1001"}
    assert found(operator_client, remitted="no") == {"SHOP-1002", "WEB-77", "MOTO-5"}


def test_criteria_combine(operator_client, orders):
    assert found(operator_client, buyer_email="Amira@Example.tn", status=OrderStatus.APPROVED) == {"WEB-77"}
    assert found(operator_client, amount="10.5", currency="USD", card_last4="0002", remitted="no") == {
        "MOTO-5"
    }
    assert found(operator_client, amount="10.5", currency="USD", remitted="yes") == set()


def test_amounts_are_shown_with_the_currency_decimals(operator_client, orders, settings):
    settings.LANGUAGE_CODE = "fr"  # the portal's default language, with its formats
    content = operator_client.get("/mportal/orders/", {"reference": "SHOP-1001"}).content.decode()
    assert "10,500\xa0DT" in content  # French by default: three decimals for TND


def test_sorting_by_amount(operator_client, orders):
    content = operator_client.get("/mportal/orders/", {"sort": "amount"}).content.decode()
    order = re.findall(r'href="/mportal/orders/[0-9a-f-]{36}/">([^<]+)</a>', content)
    assert order == ["MOTO-5", "SHOP-1001", "SHOP-1002", "WEB-77"]  # ties broken by id
    content = operator_client.get("/mportal/orders/", {"sort": "-amount"}).content.decode()
    order = re.findall(r'href="/mportal/orders/[0-9a-f-]{36}/">([^<]+)</a>', content)
    assert order == ["WEB-77", "SHOP-1002", "SHOP-1001", "MOTO-5"]


def test_keyset_pages_walk_forward_and_back_without_overlap(operator_client, merchant):
    for index in range(120):
        make_order(
            merchant=merchant,
            order_number=f"P-{index:03d}",
            created_at=timezone.now() - timedelta(minutes=index),
        )
    first = operator_client.get("/mportal/orders/")
    names_1 = re.findall(r'href="/mportal/orders/[0-9a-f-]{36}/">([^<]+)</a>', first.content.decode())
    assert names_1[0] == "P-000" and len(names_1) == 50
    assert "120 orders match." in first.content.decode()  # counted in the same reading as the page
    next_link = (
        re.search(r'href="(\?[^"]*after=[^"]+)"', first.content.decode()).group(1).replace("&amp;", "&")
    )
    second = operator_client.get("/mportal/orders/" + next_link)
    names_2 = re.findall(r'href="/mportal/orders/[0-9a-f-]{36}/">([^<]+)</a>', second.content.decode())
    assert names_2[0] == "P-050" and not set(names_1) & set(names_2)
    back_link = (
        re.search(r'href="(\?[^"]*before=[^"]+)"', second.content.decode()).group(1).replace("&amp;", "&")
    )
    back = operator_client.get("/mportal/orders/" + back_link)
    assert re.findall(r'href="/mportal/orders/[0-9a-f-]{36}/">([^<]+)</a>', back.content.decode()) == names_1


def test_a_garbled_cursor_shows_the_first_page(operator_client, orders):
    assert found(operator_client, after="not-a-cursor") == {"SHOP-1001", "SHOP-1002", "WEB-77", "MOTO-5"}


def test_count_is_bounded(operator_client, merchant):
    now = timezone.now()
    terminal = merchant.contracts.first().terminals.first()
    Order.objects.bulk_create(
        Order(
            merchant=merchant,
            terminal=terminal,
            order_number=f"B-{i}",
            currency=merchant.default_currency,
            amount=1000,
            return_url="https://x",
            expires_at=now,
        )
        for i in range(COUNT_LIMIT + 5)
    )
    content = operator_client.get("/mportal/orders/").content.decode()
    assert f"{COUNT_LIMIT}" in content and "More than" in content


def test_search_stays_in_the_url(operator_client, orders):
    response = operator_client.get("/mportal/orders/", {"buyer_email": "john@example.com"})
    assert 'value="john@example.com"' in response.content.decode()


@pytest.mark.parametrize("language", ["fr", "en", "ar"])
def test_rows_are_the_markup_of_the_stock_table(rf, merchant, orders, language):
    # body_html writes the rows itself, for speed: they must be what django-tables2's own template
    # and the table's render_* methods give, cell for cell, in every language; empty table included.
    from backoffice.selectors import action_code_descriptions, order_list
    from backoffice.tables import OrderTable

    make_order(merchant=merchant, order_number="A<&>\"'", terminal=None, buyer_email="", amount=1)
    request = rf.get("/mportal/orders/", {"sort": "-amount"})
    with translation.override(language):
        for rows in (list(order_list(merchant=merchant).order_by("-amount", "-id")), []):
            tables = [
                OrderTable(rows, descriptions=action_code_descriptions(), order_by="-amount", **extra)
                for extra in ({}, {"template_name": "django_tables2/table.html"})
            ]
            ours, stock = (table.as_html(request) for table in tables)
            assert ours == stock and ("A&lt;&amp;&gt;" in ours or not rows)
