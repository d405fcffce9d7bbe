"""Start-up checks of the fraud settings: a bad proxy list would otherwise fail on a buyer's request."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register

from fraud.ip import trusted_proxy_networks


@register()
def trusted_proxies_check(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    try:
        trusted_proxy_networks(tuple(settings.TRUSTED_PROXIES))
    except ValueError as error:
        return [Error(f"TRUSTED_PROXIES: {error}", id="fraud.E001")]
    return []
