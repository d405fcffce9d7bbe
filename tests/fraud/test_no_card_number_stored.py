import logging
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from fraud import services
from fraud.demo import seed_bin_ranges
from fraud.models import CountryRule, RuleMode
from payments.cards import CardData
from payments.models import OrderStatus
from payments.services.authorization import order_authorize
from payments.services.common import BUYER
from tests.factories import make_merchant, make_order

pytestmark = pytest.mark.django_db

PAN = "4111111111111111"
FORMS_OF_THE_NUMBER = (PAN, "4111 1111 1111 1111", "4111-1111-1111-1111")


def all_stored_values() -> list[tuple[str, str, str]]:
    """(table, column, value) for every non-empty value of every table, read as text."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608  names from the DB
            columns = [column[0] for column in cursor.description]
            found += [
                (table, column, str(value))
                for row in cursor.fetchall()
                for column, value in zip(columns, row, strict=True)
                if value is not None
            ]
    return found


def test_paying_and_screening_never_store_or_log_the_card_number(caplog):
    caplog.set_level(logging.DEBUG)
    seed_bin_ranges()
    merchant = make_merchant()
    staff = get_user_model().objects.create_user("support", "s@example.tn", "x" * 16)
    card = CardData(
        pan=PAN, expiry_month=12, expiry_year=date.today().year + 3, cvv="123", cardholder_name="A B"
    )

    paid = make_order(merchant=merchant)
    services.fraud_screen(order=paid, card=card, buyer_ip="41.226.12.34")
    paid = order_authorize(order_pk=paid.pk, card=card, actor=BUYER, buyer_ip="41.226.12.34")
    assert paid.status == OrderStatus.DEPOSITED and paid.masked_pan == "411111**1111"

    services.blacklist_add(merchant=merchant, order=paid, reason="test", user=staff)
    CountryRule.objects.create(merchant=merchant, ip_mode=RuleMode.BLOCK, ip_countries=["FR"])
    refused = services.fraud_screen(order=make_order(merchant=merchant), card=card, buyer_ip="90.1.1.1")
    assert refused.action_code == -2000

    values = all_stored_values()
    assert any(value == "411111**1111" for _t, _c, value in values)  # the scan does see the card columns
    leaks = [(t, c) for t, c, value in values if any(form in value for form in FORMS_OF_THE_NUMBER)]
    assert leaks == []
    logged = caplog.text + "".join(repr(record.args) for record in caplog.records)
    assert "411111**1111" in caplog.text  # the logs speak of the card, masked
    assert not any(form in logged for form in FORMS_OF_THE_NUMBER)
