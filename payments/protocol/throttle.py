"""Failed API sign-ins, limited per source address so nobody can lock a merchant out from elsewhere."""

from django.conf import settings
from django.core.cache import cache


def _keys(ip: str) -> tuple[str, str]:
    return f"api-auth-fail:{ip}", f"api-auth-block:{ip}"


def is_blocked(ip: str) -> bool:
    return bool(cache.get(_keys(ip)[1]))


def note_failure(ip: str) -> None:
    failures_key, block_key = _keys(ip)
    cache.add(failures_key, 0, timeout=settings.API_AUTH_FAILURE_WINDOW)
    try:
        failures = cache.incr(failures_key)
    except ValueError:  # expired between add and incr
        cache.set(failures_key, 1, timeout=settings.API_AUTH_FAILURE_WINDOW)
        failures = 1
    if failures >= settings.API_AUTH_MAX_FAILURES:
        cache.set(block_key, 1, timeout=settings.API_AUTH_BLOCK_SECONDS)
        cache.delete(failures_key)
