"""Back-office sessions end after 15 minutes without a request."""

import time
from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

IDLE_SECONDS = 15 * 60
# The window slides at most this often: sliding writes the session (a transaction and a disk flush),
# which on every page of a busy search cost more than the search. Sign-out may come up to this much
# before the full 15 minutes, never after.
SLIDE_SECONDS = 30
LAST_SEEN_SESSION_KEY = "bo_last_seen"
PORTAL_PREFIX = "/mportal/"


class IdleTimeoutMiddleware:
    """Signs a back-office user out after IDLE_SECONDS of inactivity, and slides the window on requests.

    Scoped to /mportal so buyers' pages and the API keep Django's defaults. The session's own expiry is
    refreshed with it (set_expiry saves it), so the cookie and the stored session both lapse
    even if this check were bypassed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(PORTAL_PREFIX) and request.user.is_authenticated:
            now = time.time()
            last_seen = request.session.get(LAST_SEEN_SESSION_KEY, now)
            if now - float(last_seen) > IDLE_SECONDS:
                logout(request)  # flushes the session: the decorator then sends them to the sign-in page
                request.session["bo_timed_out"] = True
            elif now - float(last_seen) >= SLIDE_SECONDS or LAST_SEEN_SESSION_KEY not in request.session:
                request.session[LAST_SEEN_SESSION_KEY] = now
                request.session.set_expiry(IDLE_SECONDS)
        return self.get_response(request)
