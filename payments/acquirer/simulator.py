"""The built-in issuer simulator: the test cards of the protocol, section 8."""

import secrets
from datetime import date

from payments.cards import card_brand, luhn_valid

from . import AuthorizationRequest, AuthorizationResult

APPROVED = 0
DECLINES = {
    "4000000000000002": 5,  # do not honour
    "4000000000009995": 116,  # insufficient funds
    "4000000000000069": 101,  # expired card
    "4000000000000119": 910,  # issuer unavailable
}
ENROLLED = frozenset({"4970100000000006", "5200000000001096"})


class SimulatorAcquirer:
    def authorize(self, request: AuthorizationRequest) -> AuthorizationResult:
        card = request.card
        if not luhn_valid(card.pan) or not card_brand(card.pan):
            return AuthorizationResult(approved=False, action_code=111)
        if not (card.cvv.isascii() and card.cvv.isdigit() and len(card.cvv) in (3, 4)):
            return AuthorizationResult(approved=False, action_code=71015)
        today = date.today()
        if (card.expiry_year, card.expiry_month) < (today.year, today.month):
            return AuthorizationResult(approved=False, action_code=101)
        if code := DECLINES.get(card.pan):
            return AuthorizationResult(approved=False, action_code=code)
        return AuthorizationResult(
            approved=True,
            action_code=APPROVED,
            approval_code=f"{secrets.randbelow(10**6):06d}",
            reference_number=f"{secrets.randbelow(10**12):012d}",
        )

    def is_enrolled(self, pan: str) -> bool:
        return pan in ENROLLED
