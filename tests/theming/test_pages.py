"""The payment and result pages in a merchant's colours, logo and text, and only that merchant's."""

import re

import pytest
from django.core.files.base import ContentFile

from payments.models import OrderStatus
from payments.theming.colours import NEAR_BLACK
from tests.factories import make_merchant
from tests.payments.test_checkout import page_url, payable_order

from .conftest import PNG, make_theme

pytestmark = pytest.mark.django_db

TAGLINES = {"tagline_fr": "Livraison offerte", "tagline_en": "Free delivery", "tagline_ar": "توصيل مجاني"}


def themed_merchant(**fields):  # type: ignore[no-untyped-def]
    merchant = make_merchant()
    theme = make_theme(
        merchant=merchant, brand_color="#6B1D4F", ink_color="#ffffff", **{**TAGLINES, **fields}
    )
    theme.logo.save("logo.png", ContentFile(PNG))
    return merchant, theme


def theme_css(html: str) -> str:
    found = re.search(r"<style>:root \{ --brand: [^}]*\}", html)
    return found.group(0) if found else ""


@pytest.mark.parametrize(
    ("lang", "text"), [("fr", "Livraison offerte"), ("en", "Free delivery"), ("ar", "توصيل مجاني")]
)
def test_payment_page_shows_the_logo_text_and_colours_of_a_themed_merchant(client, lang, text):
    merchant, theme = themed_merchant()
    html = client.get(page_url(payable_order(merchant=merchant), lang)).content.decode()
    assert f'<img class="logo" src="{theme.logo.url}" alt="{merchant.name}">' in html
    assert theme.logo.url.startswith("/media/theming/logos/")
    assert f'<p class="tagline" lang="{lang}" dir="auto">{text}</p>' in html
    assert "--brand: #6b1d4f; --brand-ink: #ffffff;" in theme_css(html)


def test_without_a_theme_the_page_keeps_the_gateways_look(client):
    html = client.get(page_url(payable_order())).content.decode()
    assert theme_css(html) == ""
    assert 'class="logo"' not in html and 'class="tagline"' not in html
    assert "--brand: #0b5cad; --brand-ink: #ffffff;" in html


def test_the_theme_of_one_merchant_never_shows_on_anothers_page(client):
    themed_merchant()
    html = client.get(page_url(payable_order(merchant=make_merchant()))).content.decode()
    assert "6b1d4f" not in html and "Livraison offerte" not in html and "/media/" not in html


def test_an_unreadable_colour_pair_gets_dark_text_on_the_page(client):
    merchant = make_merchant()
    make_theme(merchant=merchant, brand_color="#ffff00", ink_color="#ffffff")
    css = theme_css(client.get(page_url(payable_order(merchant=merchant))).content.decode())
    assert f"--brand: #ffff00; --brand-ink: {NEAR_BLACK};" in css
    assert "--brand-text: #ffff00" not in css  # links use a darker shade, not the bare yellow


def test_errors_keep_the_pages_red_whatever_the_brand_colour(client):
    merchant = make_merchant()
    make_theme(merchant=merchant, brand_color="#00ff00")
    response = client.post(page_url(payable_order(merchant=merchant)), {"pan": "4111111111111112"})
    html = response.content.decode()
    assert response.status_code == 422 and 'class="error"' in html
    assert "--bad" not in theme_css(html)
    assert ".error { color: var(--bad);" in html and "--bad: #b3261e;" in html


def test_a_merchants_text_is_escaped(client):
    merchant = make_merchant()
    make_theme(merchant=merchant, tagline_fr='<script>alert("x")</script>')
    html = client.get(page_url(payable_order(merchant=merchant))).content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_a_missing_translation_falls_back_and_says_its_language(client):
    merchant = make_merchant()
    make_theme(merchant=merchant, tagline_fr="Livraison offerte")
    html = client.get(page_url(payable_order(merchant=merchant), "ar")).content.decode()
    assert '<p class="tagline" lang="fr" dir="auto">Livraison offerte</p>' in html


def test_the_result_page_is_themed_too(client):
    merchant, theme = themed_merchant()
    order = payable_order(merchant=merchant, status=OrderStatus.DEPOSITED)
    html = client.get(f"/payment/result/{order.order_id}/?lang=en").content.decode()
    assert "--brand: #6b1d4f;" in theme_css(html)
    assert f'src="{theme.logo.url}"' in html and "Free delivery" in html
