"""The buyer's address and its country. Country data is the `iptocc` wheel: no network at run time."""

import ipaddress
from functools import cache, lru_cache
from importlib.metadata import version

import iptocc
from django.conf import settings
from django.http import HttpRequest

UNKNOWN = ""  # the country of an address we cannot place: never a guess

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_ip(value: str | None) -> IPAddress | None:
    """The address in `value`, IPv4-mapped IPv6 unwrapped to IPv4; None when it is not an address.

    Also accepts the `1.2.3.4:5678` and `[2001:db8::1]:443` forms some proxies write.
    """
    text = (value or "").strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped  # ::ffff:90.1.1.1 is 90.1.1.1 reaching an IPv6 socket
    return address


def ip_note(address: IPAddress | None) -> str:
    """Why an address has no country ("" when it may have one); kept in fraud explanations."""
    if address is None:
        return "invalid"
    if address.is_loopback:
        return "loopback"
    if address.is_private:
        return "private"
    # is_global alone lets multicast through; shared (CGNAT) space is neither private nor global.
    if not address.is_global or address.is_multicast or address.is_reserved or address.is_link_local:
        return "reserved"
    return ""


def ip_country(ip: str | None) -> str:
    """ISO alpha-2 country of a public address; UNKNOWN ("") for private, loopback, reserved or bad ones."""
    address = parse_ip(ip)
    if address is None or ip_note(address):
        return UNKNOWN
    return _registry_country(str(address))


@lru_cache(maxsize=4096)
def _registry_country(address: str) -> str:
    return (iptocc.country_code(address) or UNKNOWN).upper()


@cache
def iptocc_version() -> str:
    """Version of the registry data, stored with each decision so it can be explained later."""
    return version("iptocc")


def client_ip(request: HttpRequest) -> str:
    """The buyer's address: REMOTE_ADDR, or X-Forwarded-For when REMOTE_ADDR is a trusted proxy.

    The header is read right to left and the first address that is not a trusted proxy wins: the
    left part is whatever the client sent, so it is only believed past our own proxies.
    """
    remote = parse_ip(request.META.get("REMOTE_ADDR"))
    if remote is None:
        return ""
    networks = trusted_proxy_networks(tuple(settings.TRUSTED_PROXIES))
    hop = remote
    if _trusted(hop, networks):
        for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
            address = parse_ip(entry)
            if address is None:
                break  # garbage before our proxies' entries: keep the last address a proxy vouched for
            hop = address
            if not _trusted(hop, networks):
                break
    return str(hop)


@lru_cache(maxsize=8)
def trusted_proxy_networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """TRUSTED_PROXIES as networks. Raises ValueError for an entry that is not an address or CIDR."""
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _trusted(address: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)
