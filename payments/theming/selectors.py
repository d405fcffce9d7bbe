"""Reading a merchant's theme for the hosted pages. Every function takes the merchant: a theme never
leaks from one merchant's page to another's."""

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from payments.models import Merchant

from .colours import DEFAULT_BRAND, DEFAULT_INK, contrast_ratio, is_hex_colour, readable_ink, text_on_light
from .models import PageTheme
from .validators import PAGE_VIEW_NAME, STANDARD_PAGE_VIEWS

STANDARD_TEMPLATE = "payments/payment_page.html"
_MERCHANT_CODE = re.compile(r"[-A-Za-z0-9_]{1,32}", re.ASCII)  # becomes a directory name


@dataclass(frozen=True)
class PageStyle:
    """What the templates use. Colours are checked hex strings, safe to write into CSS."""

    brand: str
    ink: str  # text on the brand colour, at least 4.5:1 whatever the merchant chose
    brand_text: str  # the brand colour as text on the light page, darkened if needed
    logo_url: str
    text: str
    text_lang: str  # the language `text` is written in (a fallback may differ from the page's)
    chosen_contrast: float
    ink_replaced: bool


def theme_for(*, merchant: Merchant) -> PageTheme | None:
    return PageTheme.objects.filter(merchant=merchant).first()


def page_style(theme: PageTheme, language: str) -> PageStyle:
    # Checked again here, not only in forms: a row written by other means must not reach the CSS.
    brand = theme.brand_color.lower() if is_hex_colour(theme.brand_color) else DEFAULT_BRAND
    wanted = theme.ink_color.lower() if is_hex_colour(theme.ink_color) else DEFAULT_INK
    ink = readable_ink(brand, wanted)
    text, text_lang = _tagline(theme, language)
    return PageStyle(
        brand=brand,
        ink=ink,
        brand_text=text_on_light(brand),
        logo_url=theme.logo.url if theme.logo else "",
        text=text,
        text_lang=text_lang,
        chosen_contrast=contrast_ratio(brand, wanted),
        ink_replaced=ink != wanted,
    )


def _tagline(theme: PageTheme, language: str) -> tuple[str, str]:
    """The text in `language`, else in the first fallback language that has one."""
    fallbacks = getattr(settings, "MODELTRANSLATION_FALLBACK_LANGUAGES", ())
    for code in (language, *fallbacks):
        value = getattr(theme, f"tagline_{code}", None)
        if value:
            return value, code
    return "", language


def theme_context(*, merchant: Merchant, language: str) -> dict[str, Any]:
    """Context for the hosted pages: {"theme": PageStyle} or {"theme": None} for the gateway's look."""
    theme = theme_for(merchant=merchant)
    return {"theme": page_style(theme, language) if theme else None}


def custom_page_views(*, merchant: Merchant) -> tuple[str, ...]:
    theme = theme_for(merchant=merchant)
    return theme.page_views if theme else ()


def custom_template_name(*, merchant: Merchant, page_view: str) -> str:
    """The merchant's template for a custom page view, or "" when the names cannot form a safe path."""
    if page_view in STANDARD_PAGE_VIEWS or not PAGE_VIEW_NAME.fullmatch(page_view):
        return ""
    if not _MERCHANT_CODE.fullmatch(merchant.code):
        return ""
    return f"payments/custom/{merchant.code.lower()}/{page_view.lower()}.html"


def page_template(*, merchant: Merchant, page_view: str) -> str:
    """The merchant-specific payment page for this page view when it exists, else the standard one."""
    name = custom_template_name(merchant=merchant, page_view=page_view)
    if not name:
        return STANDARD_TEMPLATE
    try:
        get_template(name)
    except TemplateDoesNotExist:
        return STANDARD_TEMPLATE
    return name
