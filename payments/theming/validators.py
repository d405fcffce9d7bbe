"""Validation of what support types or uploads for a merchant's page.

Everything here ends up in a page that buyers trust with their card number: colours go into CSS,
the logo is served from our own origin. So colours are strict hex, and logos are raster images checked
by their bytes (not by their name or declared type). SVG is refused: it can carry script.
"""

import re
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils.translation import gettext_lazy as _

from .colours import is_hex_colour

MAX_LOGO_BYTES = 200 * 1024
STANDARD_PAGE_VIEWS = ("DESKTOP", "MOBILE")
# Order.page_view holds 16 characters; the name also becomes a template file name, hence ASCII only.
PAGE_VIEW_NAME = re.compile(r"[A-Z][A-Z0-9_]{0,15}", re.ASCII)

# Extension the file is stored under, by detected format: the web server picks the Content-Type from
# it, so it must come from the bytes, never from the uploaded name.
LOGO_EXTENSIONS = {"png": ".png", "jpeg": ".jpg", "webp": ".webp"}
NAME_EXTENSIONS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}


def validate_hex_colour(value: str) -> None:
    if not is_hex_colour(value):
        raise ValidationError(
            _("Enter a colour as # followed by six hexadecimal digits, for example #0b5cad."),
            code="invalid_colour",
        )


def page_view_names(value: str) -> tuple[str, ...]:
    """ "PARTNER, KIOSK" -> ("PARTNER", "KIOSK"); blanks between commas are ignored."""
    return tuple(name.strip() for name in value.split(",") if name.strip())


def validate_page_views(value: str) -> None:
    for name in page_view_names(value):
        if name in STANDARD_PAGE_VIEWS:
            raise ValidationError(
                _("%(name)s is a standard page view: list only the custom ones."),
                code="standard_page_view",
                params={"name": name},
            )
        if not PAGE_VIEW_NAME.fullmatch(name):
            raise ValidationError(
                _(
                    "%(name)s is not a valid page view name: use capital letters, digits and _, "
                    "starting with a letter, at most 16 characters."
                ),
                code="invalid_page_view",
                params={"name": name},
            )


def image_format(head: bytes) -> str:
    """The raster format announced by a file's first bytes, or "" when it is none we accept."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return ""


def _looks_like_markup(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<?xml", b"<svg", b"<!doctype", b"<!--", b"<html"))


def validate_logo(value: File) -> None:
    """A PNG, JPEG or WebP of at most 200 KB whose name matches its content."""
    if getattr(value, "_committed", False):
        return  # already stored and checked when it was uploaded; only new uploads are read
    if value.size is not None and value.size > MAX_LOGO_BYTES:
        raise ValidationError(
            _("The logo is too large: at most %(max)s KB."),
            code="logo_too_large",
            params={"max": MAX_LOGO_BYTES // 1024},
        )
    value.seek(0)
    head = value.read(16)
    value.seek(0)
    extension = PurePath(value.name or "").suffix.lower()
    if extension == ".svg" or _looks_like_markup(head):
        raise ValidationError(
            _("SVG logos are not accepted because they can contain scripts: upload a PNG, JPEG or WebP."),
            code="logo_svg",
        )
    detected = image_format(head)
    if not detected:
        raise ValidationError(_("The logo must be a PNG, JPEG or WebP image."), code="logo_format")
    if NAME_EXTENSIONS.get(extension) != detected:
        raise ValidationError(
            _("The file name does not match its content: name the file .png, .jpg or .webp as it is."),
            code="logo_extension",
        )
