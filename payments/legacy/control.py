"""HTTP GETs to a shop's control URL and the reading of its answers (protocol section 7).

The standard library is enough for one GET. This is deliberately apart from payments/notifications'
transport: the legacy answer is a body to parse (`Reference=..&Action=..&Reponse=..`), not a status.
"""

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qsl, urlsplit

from payments.checkout.shop_return import with_params

EXCERPT_CHARS = 500
_READ_BYTES = 4 * EXCERPT_CHARS  # an answer is one short line; a shop's large error page is not read


@dataclass(frozen=True)
class ControlAnswer:
    url: str
    http_status: int | None  # None: no HTTP answer at all (refused, timed out, bad address)
    excerpt: str = ""
    error: str = ""
    duration_ms: int = 0

    def fields(self) -> dict[str, str]:
        """The answer's `name=value&...` fields; empty when it is not such a line."""
        if self.http_status != 200:
            return {}
        try:
            return dict(parse_qsl(self.excerpt.strip(), keep_blank_values=True, strict_parsing=True))
        except ValueError:
            return {}

    def acknowledges(self, *, reference: str, action: str) -> bool:
        """The shop's `Reference=<ref>&Action=<action>&Reponse=OK` for an outcome."""
        fields = self.fields()
        return (
            fields.get("Reference") == reference
            and fields.get("Action") == action
            and fields.get("Reponse", "").strip().upper() == "OK"
        )

    def detail_amount(self, *, reference: str) -> Decimal | None:
        """The amount in the shop's `Reference=<ref>&Action=DETAIL&Reponse=<amount>`; None if malformed."""
        fields = self.fields()
        if fields.get("Reference") != reference or fields.get("Action") != "DETAIL":
            return None
        text = fields.get("Reponse", "").strip()
        if not text or not all(c.isascii() and (c.isdigit() or c == ".") for c in text):
            return None  # no sign, exponent, comma or NaN: an amount is written like Montant
        try:
            return Decimal(text)
        except InvalidOperation:
            return None


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect is not an answer; following it would send the buyer's order reference wherever it points.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def call(*, url: str, params: dict[str, str], timeout: float) -> ControlAnswer:
    """GET `url` with `params` added to its query. Never raises for network trouble: the answer says it."""
    target = with_params(url, params)
    if urlsplit(url).scheme not in ("http", "https"):  # urllib would also open file: and ftp: addresses
        return ControlAnswer(url=target, http_status=None, error="unsupported URL scheme")
    request = urllib.request.Request(target, method="GET")  # noqa: S310 (scheme checked above)
    request.add_header("User-Agent", "ClicToPay-legacy/1")
    started = time.monotonic()
    try:
        with _opener.open(request, timeout=timeout) as answer:
            status, body, error = answer.status, answer.read(_READ_BYTES), ""
    except urllib.error.HTTPError as failure:  # an HTTP answer all the same: keep its status
        status, body, error = failure.code, b"", ""
        failure.close()
    except (OSError, ValueError) as failure:  # refused, reset, timed out, DNS, malformed URL
        status, body, error = None, b"", f"{type(failure).__name__}: {failure}"[:EXCERPT_CHARS]
    elapsed = int((time.monotonic() - started) * 1000)
    excerpt = body.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
    return ControlAnswer(url=target, http_status=status, excerpt=excerpt, error=error, duration_ms=elapsed)
