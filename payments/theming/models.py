import secrets
from pathlib import PurePath

from django.db import models
from django.utils.translation import gettext_lazy as _

from .colours import DEFAULT_BRAND, DEFAULT_INK
from .validators import (
    LOGO_EXTENSIONS,
    NAME_EXTENSIONS,
    page_view_names,
    validate_hex_colour,
    validate_logo,
    validate_page_views,
)

LOGO_DIR = "theming/logos/"  # the only part of MEDIA_ROOT served to buyers (bank files live elsewhere)


def logo_path(instance: "PageTheme", filename: str) -> str:
    # A random name: the uploaded one is untrusted, and a guessable one would let anyone list logos.
    # The extension was checked against the file's bytes by validate_logo.
    detected = NAME_EXTENSIONS.get(PurePath(filename).suffix.lower(), "png")
    return f"{LOGO_DIR}{secrets.token_hex(12)}{LOGO_EXTENSIONS[detected]}"


class PageTheme(models.Model):
    """How one merchant's hosted pages look. No theme means the gateway's own look."""

    merchant = models.OneToOneField(
        "payments.Merchant", models.CASCADE, related_name="page_theme", verbose_name=_("merchant")
    )
    logo = models.FileField(
        _("logo"),
        upload_to=logo_path,
        max_length=128,
        blank=True,
        validators=[validate_logo],
        help_text=_("PNG, JPEG or WebP, at most 200 KB. Shown at 48 pixels high on a white background."),
    )
    brand_color = models.CharField(
        _("brand colour"),
        max_length=7,
        default=DEFAULT_BRAND,
        validators=[validate_hex_colour],
        help_text=_("Background of the order summary and of the Pay button, as #rrggbb."),
    )
    ink_color = models.CharField(
        _("text colour on the brand colour"),
        max_length=7,
        default=DEFAULT_INK,
        validators=[validate_hex_colour],
        help_text=_(
            "If it contrasts less than 4.5:1 with the brand colour, the page uses white or black instead."
        ),
    )
    tagline = models.CharField(
        _("short text"),
        max_length=140,
        blank=True,
        help_text=_("Shown under the merchant's name, in the page's language."),
    )
    custom_page_views = models.CharField(
        _("custom page views"),
        max_length=200,
        blank=True,
        validators=[validate_page_views],
        help_text=_(
            "pageView values register.do accepts for this merchant besides DESKTOP and MOBILE, separated "
            "by commas, for example PARTNER. Each selects templates/payments/custom/<merchant code>/"
            "<page view>.html when that file exists."
        ),
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("payment page theme")
        verbose_name_plural = _("payment page themes")
        ordering = ["merchant__code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(brand_color__regex=r"^#[0-9a-fA-F]{6}$")
                & models.Q(ink_color__regex=r"^#[0-9a-fA-F]{6}$"),
                name="theming_colours_hex",
            ),
        ]

    def __str__(self) -> str:
        return str(self.merchant)

    @property
    def page_views(self) -> tuple[str, ...]:
        return page_view_names(self.custom_page_views)
