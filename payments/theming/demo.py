"""The DEMO merchant's page theme, so `make demo` shows a customised page and the PARTNER page view."""

import struct
import zlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from payments.models import Merchant

from .models import LOGO_DIR, PageTheme

DEMO_LOGO = f"{LOGO_DIR}demo-logo.png"
DEMO_TAGLINES = {
    "fr": "Livraison offerte dès 100 DT d'achat.",
    "en": "Free delivery on orders over 100 TND.",
    "ar": "توصيل مجاني للطلبات التي تتجاوز 100 دينار.",
}


def seed_theme(merchant: Merchant) -> PageTheme:
    """Give the merchant the demo theme unless it has one. Safe to run twice; keeps support's edits."""
    theme, created = PageTheme.objects.get_or_create(
        merchant=merchant,
        defaults={
            "brand_color": "#6b1d4f",
            "ink_color": "#ffffff",
            "custom_page_views": "PARTNER",
            **{f"tagline_{code}": text for code, text in DEMO_TAGLINES.items()},
        },
    )
    if created:
        if not default_storage.exists(DEMO_LOGO):  # a fixed name: seeding again adds no file
            default_storage.save(DEMO_LOGO, ContentFile(demo_logo_png()))
        theme.logo.name = DEMO_LOGO
        theme.save(update_fields=["logo"])
    return theme


def demo_logo_png(width: int = 120, height: int = 40) -> bytes:
    """A small plum badge with a gold disc, written by hand because Pillow is not a dependency."""
    plum, gold, white = b"\x6b\x1d\x4f", b"\xf2\xb1\x34", b"\xff\xff\xff"
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")  # filter type 0 (none) for each scanline
        for x in range(width):
            in_disc = (x - 20) ** 2 + (y - 20) ** 2 <= 14**2
            in_bar = 44 <= x <= 112 and 14 <= y <= 26 and (x - 44) % 12 < 9
            row += gold if in_disc else white if in_bar else plum
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )
