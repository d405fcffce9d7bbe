"""Parsing of the protocol's parameters. Every bad value raises OperationRefused naming the parameter."""

import json
import re
from datetime import datetime
from urllib.parse import urlsplit

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from payments.errors import ErrorCode, OperationRefused
from payments.models import Currency, Language, Merchant
from payments.theming.selectors import custom_page_views

_DIGITS = re.compile(r"[0-9]{1,18}", re.ASCII)
MAX_AMOUNT = 10**15  # far above any card payment, far below BIGINT's limit
MAX_SESSION_SECONDS = 7 * 24 * 3600
PAGE_VIEWS = ("DESKTOP", "MOBILE")
LANGUAGES = frozenset(Language.values)  # Language.values builds a new list on each read


def merged_params(request: HttpRequest) -> dict[str, str]:
    """Query string and form body together; the body wins (one real client sends all in the query)."""
    params = request.GET.dict()
    if request.method == "POST":
        params.update(request.POST.dict())
    return params


def required(params: dict[str, str], name: str, *, code: ErrorCode = ErrorCode.MISSING) -> str:
    value = params.get(name, "")
    if value == "":
        raise OperationRefused(code, _("The parameter %(name)s is missing.") % {"name": name})
    return value


def text(params: dict[str, str], name: str, *, max_length: int) -> str:
    value = params.get(name, "")
    if len(value) > max_length:
        raise OperationRefused(
            ErrorCode.BAD_VALUE,
            _("The parameter %(name)s is longer than %(max)s characters.")
            % {"name": name, "max": max_length},
        )
    if "\x00" in value:
        raise OperationRefused(
            ErrorCode.BAD_VALUE, _("The parameter %(name)s is not valid.") % {"name": name}
        )
    return value


def amount(value: str, *, name: str = "amount", allow_zero: bool) -> int:
    if not _DIGITS.fullmatch(value) or int(value) > MAX_AMOUNT or (int(value) == 0 and not allow_zero):
        raise OperationRefused(
            ErrorCode.BAD_VALUE,
            _("The parameter %(name)s must be a positive whole number of minor units.") % {"name": name},
        )
    return int(value)


def url(params: dict[str, str], name: str) -> str:
    value = text(params, name, max_length=512)
    try:
        parts = urlsplit(value) if value.isprintable() else None
    except ValueError:  # "http://[", or a host that changes under NFKC normalization
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise OperationRefused(
            ErrorCode.MISSING, _("The parameter %(name)s must be an absolute http(s) URL.") % {"name": name}
        )
    return value


def currency(value: str) -> Currency | None:
    if value == "":
        return None
    found = Currency.objects.filter(numeric_code=value).first() if _DIGITS.fullmatch(value) else None
    if found is None:
        raise OperationRefused(
            ErrorCode.BAD_CURRENCY, _("The currency %(currency)s is not known.") % {"currency": value}
        )
    return found


def language(value: str) -> str:
    if value and value not in LANGUAGES:
        raise OperationRefused(
            ErrorCode.BAD_VALUE, _("The parameter %(name)s is not valid.") % {"name": "language"}
        )
    return value


def page_view(value: str, *, merchant: Merchant | None = None) -> str:
    # Besides the standard views, those the merchant's page theme declares (looked up only then).
    if (
        value
        and value not in PAGE_VIEWS
        and (merchant is None or value not in custom_page_views(merchant=merchant))
    ):
        raise OperationRefused(
            ErrorCode.BAD_VALUE, _("The parameter %(name)s is not valid.") % {"name": "pageView"}
        )
    return value or "DESKTOP"


def json_params(value: str) -> dict[str, str]:
    if value == "":
        return {}
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser's stack
        parsed = None
    if not isinstance(parsed, dict) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in parsed.values()
    ):
        raise OperationRefused(
            ErrorCode.BAD_VALUE, _("The parameter jsonParams must be a JSON object of string values.")
        )
    cleaned = {str(k): str(v) for k, v in parsed.items()}
    if any("\x00" in k or "\x00" in v for k, v in cleaned.items()):
        raise OperationRefused(
            ErrorCode.BAD_VALUE, _("The parameter %(name)s is not valid.") % {"name": "jsonParams"}
        )
    return cleaned


def session_seconds(value: str) -> int:
    if value == "":
        return 1200
    if not _DIGITS.fullmatch(value) or not 0 < int(value) <= MAX_SESSION_SECONDS:
        raise OperationRefused(
            ErrorCode.BAD_VALUE, _("The parameter %(name)s is not valid.") % {"name": "sessionTimeoutSecs"}
        )
    return int(value)


def expiration_date(value: str) -> datetime | None:
    if value == "":
        return None
    try:
        naive = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S")
        moment = timezone.make_aware(naive)  # the gateway's time zone, Africa/Tunis
    except (ValueError, OverflowError):
        moment = None
    if moment is None or moment <= timezone.now():
        raise OperationRefused(
            ErrorCode.BAD_VALUE, _("The parameter %(name)s is not valid.") % {"name": "expirationDate"}
        )
    return moment
