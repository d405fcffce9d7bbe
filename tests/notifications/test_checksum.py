import hashlib
import hmac

from payments.notifications.events import checksum

KEY = "shop-secret-key"
PARAMS = {
    "mdOrder": "7c4d1a2e-5b6f-4e8a-9c0d-1e2f3a4b5c6d",
    "orderNumber": "CMD-1001",
    "operation": "deposited",
    "status": "1",
    "amount": "10500",
}
# Sorted by name (amount, mdOrder, operation, orderNumber, status), each as name;value; — by hand.
MESSAGE = (
    "amount;10500;"
    "mdOrder;7c4d1a2e-5b6f-4e8a-9c0d-1e2f3a4b5c6d;"
    "operation;deposited;"
    "orderNumber;CMD-1001;"
    "status;1;"
)
# The same HMAC-SHA256 computed outside Python: printf '%s' "$MESSAGE" | openssl dgst -sha256 -hmac "$KEY"
EXPECTED = "304181815FDA0C428338007448216F8F9335727E9ED050320B685E23E3FC1C36"


def test_checksum_matches_the_vector_computed_by_hand():
    by_hand = hmac.new(KEY.encode(), MESSAGE.encode(), hashlib.sha256).hexdigest().upper()
    assert by_hand == EXPECTED
    assert checksum(PARAMS, KEY) == EXPECTED


def test_checksum_ignores_checksum_and_sign_alias_and_the_order_given():
    reordered = dict(reversed(list(PARAMS.items())))
    assert checksum(reordered | {"checksum": "WHATEVER", "sign_alias": "SHA-256"}, KEY) == EXPECTED


def test_checksum_changes_with_any_value_or_the_key():
    assert checksum(PARAMS | {"amount": "10501"}, KEY) != EXPECTED
    assert checksum(PARAMS, "another-key") != EXPECTED


def test_checksum_is_upper_case_hex():
    value = checksum(PARAMS, KEY)
    assert len(value) == 64
    assert value == value.upper()
    int(value, 16)
