"""Country-rule evaluation, pure: shared by the screening and by the impact preview so both agree."""

from fraud.models import CountryRule, Fired, RuleMode, UnknownCountry

BLACKLISTED_ACTION_CODE = -2000
IP_COUNTRY_ACTION_CODE = -2001
CARD_COUNTRY_ACTION_CODE = 4005

ACTION_CODES: dict[str, int] = {
    Fired.BLACKLIST: BLACKLISTED_ACTION_CODE,
    Fired.IP_COUNTRY: IP_COUNTRY_ACTION_CODE,
    Fired.CARD_COUNTRY: CARD_COUNTRY_ACTION_CODE,
}


def country_refused(*, mode: str, countries: list[str], unknown: str, country: str) -> bool:
    """Whether one rule (IP or card) refuses `country` ("" meaning unknown)."""
    if mode == RuleMode.OFF:
        return False
    if not country:
        return unknown == UnknownCountry.REFUSE
    listed = country.upper() in {c.upper() for c in countries}
    return listed if mode == RuleMode.BLOCK else not listed


def rule_fires(rule: CountryRule | None, *, ip_country: str | None, card_country: str) -> str:
    """Which part of the rule refuses (Fired.IP_COUNTRY, then Fired.CARD_COUNTRY), or "" when it passes.

    `ip_country` None: no buyer online (MOTO), the IP part does not apply.
    """
    if rule is None:
        return Fired.NOTHING
    if ip_country is not None and country_refused(
        mode=rule.ip_mode, countries=rule.ip_countries, unknown=rule.ip_unknown, country=ip_country
    ):
        return Fired.IP_COUNTRY
    if country_refused(
        mode=rule.card_mode, countries=rule.card_countries, unknown=rule.card_unknown, country=card_country
    ):
        return Fired.CARD_COUNTRY
    return Fired.NOTHING


def rule_snapshot(rule: CountryRule | None) -> dict[str, object] | None:
    """The rule as it stood, for the explanation: it may change after the decision."""
    if rule is None:
        return None
    return {
        "id": rule.pk,
        "ip_mode": rule.ip_mode,
        "ip_countries": list(rule.ip_countries),
        "ip_unknown": rule.ip_unknown,
        "card_mode": rule.card_mode,
        "card_countries": list(rule.card_countries),
        "card_unknown": rule.card_unknown,
        "updated_at": rule.updated_at.isoformat() if rule.updated_at else None,
    }
