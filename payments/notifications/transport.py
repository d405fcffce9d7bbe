"""One HTTP request to a shop, with the standard library only: no new dependency for a GET or a POST."""

import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

EXCERPT_CHARS = 500
_READ_BYTES = 4 * EXCERPT_CHARS  # enough for 500 characters of UTF-8; a shop's large page is not read


@dataclass(frozen=True)
class Response:
    http_status: int | None  # None: no HTTP answer at all (refused, timed out, bad address)
    excerpt: str = ""
    error: str = ""
    duration_ms: int = 0


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect is not the 200 the protocol asks for, and following one would send the signed
    # parameters wherever the shop's server points (a POST would even turn into a GET).
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def send(*, url: str, method: str, params: dict[str, str], timeout: float) -> Response:
    """GET with the parameters in the query, or POST them as a form. Never raises for network trouble."""
    if urlsplit(url).scheme not in ("http", "https"):  # urllib would also open file: and ftp: addresses
        return Response(http_status=None, error=f"unsupported URL scheme: {url[:200]}")
    encoded = urlencode(params)
    if method == "POST":
        request = urllib.request.Request(url, data=encoded.encode(), method="POST")  # noqa: S310 (checked above)
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    else:
        separator = "&" if urlsplit(url).query else ("" if url.endswith("?") else "?")
        request = urllib.request.Request(f"{url}{separator}{encoded}", method="GET")  # noqa: S310
    request.add_header("User-Agent", "ClicToPay-notifications/1")
    started = time.monotonic()
    try:
        with _opener.open(request, timeout=timeout) as answer:
            status, body = answer.status, answer.read(_READ_BYTES)
        error = ""
    except urllib.error.HTTPError as failure:  # an HTTP answer all the same: keep its status and body
        status, body, error = failure.code, _read_quietly(failure), ""
    except (OSError, ValueError) as failure:  # refused, reset, timed out, DNS, malformed URL
        status, body, error = None, b"", f"{type(failure).__name__}: {failure}"[:EXCERPT_CHARS]
    elapsed = int((time.monotonic() - started) * 1000)
    excerpt = body.decode("utf-8", errors="replace")[:EXCERPT_CHARS]
    return Response(http_status=status, excerpt=excerpt, error=error, duration_ms=elapsed)


def _read_quietly(failure: urllib.error.HTTPError) -> bytes:
    try:
        return failure.read(_READ_BYTES)
    except OSError:  # the shop closed the connection mid-body: the status is what matters
        return b""
    finally:
        failure.close()
