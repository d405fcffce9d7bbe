"""Support edits a theme in the admin and previews the real payment page in each language."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from payments.theming.demo import DEMO_LOGO, seed_theme
from payments.theming.models import PageTheme
from tests.factories import make_merchant

from .conftest import PNG, make_theme

pytestmark = pytest.mark.django_db


@pytest.fixture
def support(client, django_user_model):  # type: ignore[no-untyped-def]
    client.force_login(django_user_model.objects.create_superuser("support", "s@example.tn", "x" * 16))
    return client


def preview_url(theme: PageTheme, lang: str) -> str:
    return f"/admin/theming/pagetheme/{theme.pk}/preview/{lang}/"


@pytest.mark.parametrize(
    ("lang", "direction", "text"),
    [("fr", "ltr", "Bienvenue"), ("en", "ltr", "Welcome"), ("ar", "rtl", "أهلا")],
)
def test_preview_renders_the_payment_page_in_each_language(support, lang, direction, text):
    theme = make_theme(brand_color="#6b1d4f", tagline_fr="Bienvenue", tagline_en="Welcome", tagline_ar="أهلا")
    response = support.get(preview_url(theme, lang))
    html = response.content.decode()

    assert response.status_code == 200
    assert f'lang="{lang}" dir="{direction}"' in html
    assert theme.merchant.name in html and text in html and "--brand: #6b1d4f;" in html
    assert 'autocomplete="cc-number"' in html
    assert (
        f"/admin/theming/pagetheme/{theme.pk}/preview/ar/" in html
    )  # the language switch stays in the preview


def test_preview_of_a_custom_page_view_uses_its_template(support):
    theme = make_theme(merchant=make_merchant(code="DEMO"), custom_page_views="PARTNER")
    html = support.get(preview_url(theme, "en") + "?view=PARTNER").content.decode()
    assert 'data-page-view="PARTNER"' in html
    assert support.get(preview_url(theme, "en") + "?view=KIOSK").status_code == 404


def test_preview_cannot_post_a_payment(support):
    theme = make_theme()
    assert support.post(preview_url(theme, "fr"), {"pan": "4111111111111111"}).status_code == 405


def test_preview_is_for_staff_only(client, django_user_model):
    theme = make_theme()
    assert client.get(preview_url(theme, "fr")).status_code == 302  # to the admin's sign-in
    client.force_login(django_user_model.objects.create_user("buyer", "b@example.tn", "x" * 16))
    assert client.get(preview_url(theme, "fr")).status_code == 302
    assert client.get(preview_url(theme, "de")).status_code == 302


def test_unknown_language_or_theme_is_404(support):
    theme = make_theme()
    assert support.get(preview_url(theme, "de")).status_code == 404
    assert support.get(f"/admin/theming/pagetheme/{theme.pk + 1}/preview/fr/").status_code == 404


def test_change_form_shows_the_contrast_and_the_fallback_and_links_the_previews(support):
    theme = make_theme(brand_color="#ffff00", ink_color="#ffffff")
    html = support.get(f"/admin/theming/pagetheme/{theme.pk}/change/").content.decode()

    assert "1.07:1" in html  # yellow on white
    assert "#1b2533" in html  # the dark text the page uses instead
    for lang in ("fr", "en", "ar"):
        assert preview_url(theme, lang) in html


def test_support_uploads_a_png_logo_and_an_svg_is_refused(support):
    merchant = make_merchant()
    fields = {
        "merchant": merchant.pk, "brand_color": "#0b5cad", "ink_color": "#ffffff", "custom_page_views": "",
        "tagline_fr": "Bonjour", "tagline_en": "", "tagline_ar": "",
    }  # fmt: skip
    refused = support.post(
        "/admin/theming/pagetheme/add/",
        {**fields, "logo": SimpleUploadedFile("l.svg", b"<svg onload=alert(1)/>")},
    )
    assert refused.status_code == 200 and not PageTheme.objects.exists()
    assert "SVG logos are not accepted" in refused.content.decode()

    saved = support.post(
        "/admin/theming/pagetheme/add/", {**fields, "logo": SimpleUploadedFile("l.png", PNG)}
    )
    assert saved.status_code == 302
    theme = PageTheme.objects.get(merchant=merchant)
    assert theme.logo.name.startswith("theming/logos/") and theme.logo.name.endswith(".png")
    assert theme.logo.read() == PNG


def test_the_demo_theme_is_seeded_once():
    merchant = make_merchant(code="DEMO")
    first = seed_theme(merchant)
    first.brand_color = "#123456"
    first.save()
    again = seed_theme(merchant)
    assert PageTheme.objects.count() == 1 and again.brand_color == "#123456"  # support's edit is kept
    assert again.logo.name == DEMO_LOGO and again.logo.read().startswith(b"\x89PNG")
    assert again.page_views == ("PARTNER",)
