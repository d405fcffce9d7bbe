"""Card data held between the card form and the end of 3-D Secure, encrypted, for minutes only.

The card number must survive the buyer's trip to the issuer's page, yet never reach a table or a log:
it is kept in the cache (memory, or Redis in scale-out), encrypted with a key derived from SECRET_KEY,
under a random single-use token, and dropped as soon as the authorization has it.
"""

import base64
import hashlib
import json
import secrets
from dataclasses import asdict
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.cache import cache

from payments.cards import CardData

TTL_SECONDS = 15 * 60


def _fernet() -> Fernet:
    key = hashlib.sha256(b"clictopay-card-vault\0" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def _key(token: str) -> str:
    return f"card-vault:{token}"


def vault_put(*, card: CardData, order_id: str, **extra: Any) -> str:
    """Keep the card for one order; returns the token that gets it back."""
    token = secrets.token_urlsafe(24)
    payload = json.dumps({"card": asdict(card), "order_id": order_id, **extra}).encode()
    cache.set(_key(token), _fernet().encrypt(payload), timeout=TTL_SECONDS)
    return token


def vault_get(token: str, *, order_id: str) -> tuple[CardData, dict[str, Any]] | None:
    """The card and extra data kept under `token` for this order, or None (unknown, expired, other order)."""
    blob = cache.get(_key(token)) if token else None
    if blob is None:
        return None
    try:
        payload = json.loads(_fernet().decrypt(blob, ttl=TTL_SECONDS))
    except InvalidToken:
        return None
    if payload.pop("order_id") != order_id:
        return None
    return CardData(**payload.pop("card")), payload


def vault_update(token: str, **extra: Any) -> None:
    """Add facts (the issuer's authentication result) to a kept card."""
    blob = cache.get(_key(token))
    if blob is None:
        return
    payload = json.loads(_fernet().decrypt(blob)) | extra
    cache.set(_key(token), _fernet().encrypt(json.dumps(payload).encode()), timeout=TTL_SECONDS)


def vault_drop(token: str) -> None:
    cache.delete(_key(token))
