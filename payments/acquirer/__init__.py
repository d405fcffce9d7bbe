"""The acquirer interface. Services call `get_acquirer()`; a real bank link is one more implementation."""

from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from payments.cards import CardData


@dataclass(frozen=True)
class AuthorizationRequest:
    order_id: str
    terminal_id: str
    amount: int
    currency: str  # ISO 4217 numeric
    card: CardData
    eci: str = ""
    cavv: str = ""
    xid: str = ""


@dataclass(frozen=True)
class AuthorizationResult:
    approved: bool
    action_code: int
    approval_code: str = ""
    reference_number: str = ""


class Acquirer(Protocol):
    def authorize(self, request: AuthorizationRequest) -> AuthorizationResult: ...

    def is_enrolled(self, pan: str) -> bool:
        """Whether the card takes part in 3-D Secure (the directory's answer)."""
        ...


@cache
def get_acquirer() -> Acquirer:
    return import_string(settings.ACQUIRER_CLASS)()
