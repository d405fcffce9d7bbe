import re

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fraud import services
from fraud.demo import seed_bin_ranges
from fraud.models import BinRange, BlacklistEntry, CountryRule, RuleMode
from fraud.selectors import bin_lookup
from payments.cards import CardData
from payments.models import OrderStatus
from tests.factories import make_merchant, make_order

pytestmark = pytest.mark.django_db

IMPORT_URL = reverse("admin:fraud_binrange_import")


@pytest.fixture
def admin_user():  # type: ignore[no-untyped-def]
    return get_user_model().objects.create_superuser("root", "root@example.tn", "x" * 16)


@pytest.fixture
def support(client, admin_user):  # type: ignore[no-untyped-def]
    client.force_login(admin_user)
    return client


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("bins.csv", text.encode(), content_type="text/csv")


def test_bin_csv_import_adds_and_replaces_ranges(support, admin_user):
    seed_bin_ranges()
    text = (
        "low,high,brand,country,issuer\n"
        "411111,411111,visa,gb,Replaced Bank\n"
        "51000000,51099999,MASTERCARD,TN,BIAT\n"
    )
    response = support.post(IMPORT_URL, {"file": csv_file(text)}, follow=True)
    assert response.status_code == 200
    assert "1 ranges added, 1 replaced" in response.content.decode()
    info = bin_lookup("4111111111111111")
    assert (info.country, info.brand, info.issuer) == ("GB", "VISA", "Replaced Bank")
    assert bin_lookup("5100000012345678").issuer == "BIAT"
    row = BinRange.objects.get(low="51000000")
    assert row.updated_by == admin_user and row.source == "csv:bins.csv"
    # Importing the same file again changes nothing more.
    support.post(IMPORT_URL, {"file": csv_file(text)})
    assert BinRange.objects.count() == 6


def test_a_bad_csv_imports_nothing_and_says_which_lines(support):
    text = "low,high,brand,country,issuer\n411111,411111,VISA,US,Ok\n5,4,MC,TN,x\n4111,411111,VISA,FRA,x\n"
    response = support.post(IMPORT_URL, {"file": csv_file(text)})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Line 3:" in content and "Line 4:" in content
    assert not BinRange.objects.exists()


def test_a_csv_without_the_columns_is_refused(support):
    response = support.post(IMPORT_URL, {"file": csv_file("bin,country\n411111,US\n")})
    assert "Missing columns: low, high, brand, issuer." in response.content.decode()


def test_the_import_page_needs_the_admin(client):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_bin_range_changelist_links_to_the_import(support):
    content = support.get(reverse("admin:fraud_binrange_changelist")).content.decode()
    assert IMPORT_URL in content


def test_country_rule_save_first_shows_the_impact_then_saves(support, admin_user):
    seed_bin_ranges()
    merchant = make_merchant()
    make_order(merchant=merchant, status=OrderStatus.DEPOSITED, buyer_ip="90.1.1.1", pan="5555555555554444")
    make_order(
        merchant=merchant, status=OrderStatus.DEPOSITED, buyer_ip="41.226.12.34", pan="5555555555554444"
    )
    url = reverse("admin:fraud_countryrule_add")
    data = {
        "merchant": merchant.pk,
        "ip_mode": RuleMode.BLOCK,
        "ip_countries": "fr",
        "ip_unknown": "allow",
        "card_mode": RuleMode.OFF,
        "card_countries": "",
        "card_unknown": "allow",
    }
    first = support.post(url, data)
    content = first.content.decode()
    assert first.status_code == 200 and not CountryRule.objects.exists()
    assert "This rule would have refused 1 of the 2 orders" in content
    token = re.search(r'name="impact_token" value="([0-9a-f]+)"', content).group(1)

    changed = support.post(url, {**data, "ip_countries": "FR, TN", "impact_token": token})
    assert "would have refused 2 of the 2" in changed.content.decode()  # new values, new figure
    assert not CountryRule.objects.exists()

    saved = support.post(url, {**data, "impact_token": token})
    assert saved.status_code == 302
    rule = CountryRule.objects.get(merchant=merchant)
    assert (rule.ip_countries, rule.set_by) == (["FR"], admin_user)


def test_country_rule_allow_only_needs_countries(support):
    response = support.post(
        reverse("admin:fraud_countryrule_add"),
        {
            "merchant": make_merchant().pk,
            "ip_mode": RuleMode.ALLOW_ONLY,
            "ip_unknown": "allow",
            "card_mode": RuleMode.OFF,
            "card_unknown": "allow",
        },
    )
    assert "List the countries to accept." in response.content.decode()
    assert not CountryRule.objects.exists()


def test_country_rule_rejects_bad_country_codes(support):
    response = support.post(
        reverse("admin:fraud_countryrule_add"),
        {
            "merchant": make_merchant().pk,
            "ip_mode": RuleMode.BLOCK,
            "ip_countries": "FRA, 12",
            "ip_unknown": "allow",
            "card_mode": RuleMode.OFF,
            "card_unknown": "allow",
        },
    )
    assert "Not two-letter ISO country codes: 12, FRA." in response.content.decode()


def test_support_blacklists_from_an_order_and_removes(support, admin_user):
    merchant = make_merchant()
    order = make_order(merchant=merchant, status=OrderStatus.DEPOSITED, pan="4111111111111111")
    response = support.post(
        reverse("admin:fraud_blacklistentry_add"), {"order": order.pk, "reason": "chargeback"}
    )
    assert response.status_code == 302
    entry = BlacklistEntry.objects.get()
    assert (entry.merchant, entry.added_by, entry.masked_pan) == (merchant, admin_user, "411111**1111")
    changelist = reverse("admin:fraud_blacklistentry_changelist")
    assert "411111**1111" in support.get(changelist, {"q": "411111"}).content.decode()
    assert support.get(reverse("admin:fraud_blacklistentry_change", args=[entry.pk])).status_code == 200
    support.post(changelist, {"action": "remove_entries", "_selected_action": [entry.pk]})
    entry.refresh_from_db()
    assert entry.removed_at is not None and entry.removed_by == admin_user
    assert "411111**1111" not in support.get(changelist, {"state": "active"}).content.decode()


def test_an_order_without_card_cannot_be_blacklisted_in_the_admin(support):
    order = make_order()
    response = support.post(reverse("admin:fraud_blacklistentry_add"), {"order": order.pk, "reason": "x"})
    assert "Choose an order paid or attempted with a card." in response.content.decode()
    assert not BlacklistEntry.objects.exists()


def test_fraud_checks_are_read_only_and_show_the_explanation(support):
    order = make_order()
    card = CardData(pan="4111111111111111", expiry_month=12, expiry_year=2099, cvv="123")
    decision = services.fraud_screen(order=order, card=card, buyer_ip="8.8.8.8")
    url = reverse("admin:fraud_fraudcheck_change", args=[decision.check_id])
    content = support.get(url).content.decode()
    assert "iptocc_version" in content and "8.8.8.8" in content
    assert support.get(reverse("admin:fraud_fraudcheck_add")).status_code == 403
    assert support.get(reverse("admin:fraud_fraudcheck_changelist")).status_code == 200


def test_changing_a_rule_also_shows_the_impact_first(support, admin_user):
    merchant = make_merchant()
    rule = CountryRule.objects.create(merchant=merchant, ip_mode=RuleMode.BLOCK, ip_countries=["FR"])
    url = reverse("admin:fraud_countryrule_change", args=[rule.pk])
    assert support.get(url).status_code == 200
    data = {"ip_mode": RuleMode.BLOCK, "ip_countries": "FR, US", "ip_unknown": "allow", "card_mode": "off",
            "card_countries": "", "card_unknown": "allow"}  # fmt: skip
    content = support.post(url, data).content.decode()
    assert "would have refused 0 of the 0 orders" in content
    token = re.search(r'name="impact_token" value="([0-9a-f]+)"', content).group(1)
    assert support.post(url, {**data, "impact_token": token}).status_code == 302
    rule.refresh_from_db()
    assert (rule.ip_countries, rule.set_by, rule.merchant) == (["FR", "US"], admin_user, merchant)
