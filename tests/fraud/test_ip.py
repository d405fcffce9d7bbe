import pytest
from django.core.checks import run_checks
from django.test import RequestFactory

from fraud.ip import UNKNOWN, client_ip, ip_country, ip_note, iptocc_version, parse_ip

TN, FR, US = "41.226.12.34", "90.1.1.1", "8.8.8.8"


@pytest.mark.parametrize(("address", "country"), [(TN, "TN"), (FR, "FR"), (US, "US")])
def test_public_addresses_get_their_registry_country(address, country):
    assert ip_country(address) == country


def test_ipv4_mapped_ipv6_is_unwrapped_before_the_lookup():
    assert ip_country(f"::ffff:{FR}") == "FR"
    assert str(parse_ip(f"::ffff:{TN}")) == TN


def test_public_ipv6_has_a_country():
    assert ip_country("2001:4860:4860::8888") == "US"


@pytest.mark.parametrize(
    ("address", "note"),
    [
        ("10.1.2.3", "private"),
        ("192.168.1.10", "private"),
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("fd00::1", "private"),
        ("240.0.0.1", "private"),  # reserved, which Python also counts as not public
        ("100.64.0.1", "reserved"),  # carrier-grade NAT: shared, not anyone's country
        ("224.0.0.1", "reserved"),
        ("not-an-ip", "invalid"),
        ("", "invalid"),
    ],
)
def test_non_public_or_bad_addresses_are_unknown_never_guessed(address, note):
    assert ip_country(address) == UNKNOWN
    assert ip_note(parse_ip(address)) == note


def test_address_with_port_is_read():
    assert ip_country(f"{FR}:51234") == "FR"
    assert ip_country("[2001:4860:4860::8888]:443") == "US"


def test_iptocc_version_is_the_installed_data_version():
    assert iptocc_version().startswith("3.")


def _request(remote: str, forwarded: str | None = None):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_connection_address_is_used(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request(TN, forwarded=FR)) == TN


def test_spoofed_header_from_an_untrusted_address_is_ignored(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    assert client_ip(_request(TN, forwarded=FR)) == TN


def test_trusted_proxy_header_names_the_buyer(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    assert client_ip(_request("10.0.0.5", forwarded=FR)) == FR


def test_cidr_networks_and_proxy_chains_take_the_right_most_untrusted_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "172.16.0.1"]
    request = _request("10.0.0.5", forwarded=f"{US}, {FR}, 172.16.0.1, 10.9.9.9")
    assert client_ip(request) == FR  # US was written by the buyer: spoofable, ignored


def test_buyer_forging_a_header_behind_our_proxy_is_not_believed(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    # The buyer at TN sent "X-Forwarded-For: 8.8.8.8"; our proxy appended the real address.
    assert client_ip(_request("10.0.0.5", forwarded=f"{US}, {TN}")) == TN


def test_garbage_in_the_header_stops_at_the_last_vouched_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    assert client_ip(_request("10.0.0.5", forwarded="bogus")) == "10.0.0.5"
    assert client_ip(_request("10.0.0.5", forwarded=f"{US}, bogus, {FR}")) == FR


def test_all_hops_trusted_gives_the_left_most(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    assert client_ip(_request("10.0.0.5", forwarded="10.1.1.1, 10.2.2.2")) == "10.1.1.1"


def test_ipv4_mapped_proxy_address_is_matched_and_unwrapped(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    assert client_ip(_request("::ffff:10.0.0.5", forwarded=f"::ffff:{FR}")) == FR


def test_trusted_proxy_without_header_is_the_address(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    assert client_ip(_request("10.0.0.5")) == "10.0.0.5"


def test_a_bad_trusted_proxies_setting_fails_the_system_check(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/33"]
    assert "fraud.E001" in {message.id for message in run_checks()}
    settings.TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::/32"]
    assert "fraud.E001" not in {message.id for message in run_checks()}
