"""Back-office sessions end after 15 minutes without a request."""

import time
from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

IDLE_SECONDS = 15 * 60
LAST_SEEN_SESSION_KEY = "bo_last_seen"
PORTAL_PREFIX = "/mportal/"


class IdleTimeoutMiddleware:
    """Signs a back-office user out after IDLE_SECONDS of inactivity, and slides the window on each request.

    Scoped to /mportal so buyers' pages and the API keep Django's defaults. The session's own expiry is
    refreshed too (set_expiry saves it every request), so the cookie and the stored session both lapse
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
            else:
                request.session[LAST_SEEN_SESSION_KEY] = now
                request.session.set_expiry(IDLE_SECONDS)
        return self.get_response(request)
