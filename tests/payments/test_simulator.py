import re
from datetime import date

import pytest

from payments.acquirer import AuthorizationRequest
from payments.acquirer.simulator import SimulatorAcquirer
from payments.cards import CardData

FUTURE_YEAR = date.today().year + 3


def authorize(pan: str, *, month: int = 12, year: int = FUTURE_YEAR, cvv: str = "123"):
    card = CardData(pan=pan, expiry_month=month, expiry_year=year, cvv=cvv, cardholder_name="TEST")
    request = AuthorizationRequest(
        order_id="00000000-0000-0000-0000-000000000001",
        terminal_id="T0000001",
        amount=10_500,
        currency="788",
        card=card,
    )
    return SimulatorAcquirer().authorize(request)


# Protocol section 8, row by row.
@pytest.mark.parametrize(
    ("pan", "approved", "action_code"),
    [
        ("4111111111111111", True, 0),
        ("5555555555554444", True, 0),
        ("4970100000000006", True, 0),
        ("5200000000001096", True, 0),
        ("4000000000000002", False, 5),
        ("4000000000009995", False, 116),
        ("4000000000000069", False, 101),
        ("4000000000000119", False, 910),
    ],
)
def test_each_test_card_gives_its_outcome(pan, approved, action_code):
    result = authorize(pan)
    assert result.approved is approved
    assert result.action_code == action_code
    if not approved:
        assert result.approval_code == ""


@pytest.mark.parametrize(
    ("pan", "enrolled"),
    [
        ("4970100000000006", True),
        ("5200000000001096", True),
        ("4111111111111111", False),
        ("5555555555554444", False),
        ("4000000000000002", False),
        ("4242424242424242", False),
    ],
)
def test_only_the_enrolled_test_cards_take_part_in_3ds(pan, enrolled):
    assert SimulatorAcquirer().is_enrolled(pan) is enrolled


def test_a_past_expiry_date_is_declined_as_expired_card():
    today = date.today()
    last_month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    result = authorize("4111111111111111", month=last_month[1], year=last_month[0])
    assert (result.approved, result.action_code) == (False, 101)


def test_a_card_expiring_this_month_is_still_valid():
    today = date.today()
    result = authorize("4111111111111111", month=today.month, year=today.year)
    assert (result.approved, result.action_code) == (True, 0)


@pytest.mark.parametrize("pan", ["4111111111111112", "5555555555554440", "4000000000000003", "12345"])
def test_a_luhn_invalid_number_is_declined_as_invalid_card(pan):
    result = authorize(pan)
    assert (result.approved, result.action_code) == (False, 111)


@pytest.mark.parametrize("pan", ["4242424242424242", "4012888888881881", "4000056655665556"])
def test_any_other_luhn_valid_visa_is_approved(pan):
    result = authorize(pan)
    assert (result.approved, result.action_code) == (True, 0)


@pytest.mark.parametrize("cvv", ["", "12", "12345", "abc", "١٢٣"])
def test_malformed_cvv_is_invalid_card_data(cvv):
    result = authorize("4111111111111111", cvv=cvv)
    assert (result.approved, result.action_code) == (False, 71015)


def test_an_approval_carries_a_six_digit_code_and_a_reference():
    codes = set()
    for _ in range(20):
        result = authorize("4111111111111111")
        assert re.fullmatch(r"[0-9]{6}", result.approval_code)
        assert re.fullmatch(r"[0-9]{12}", result.reference_number)
        codes.add(result.approval_code)
    assert len(codes) > 1  # drawn afresh for each approval
