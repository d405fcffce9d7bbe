import pytest

from payments.theming.models import PageTheme
from tests.factories import make_merchant

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path  # uploaded logos never land in the project's var/media


def make_theme(*, merchant=None, **fields) -> PageTheme:  # type: ignore[no-untyped-def]
    return PageTheme.objects.create(merchant=merchant or make_merchant(), **fields)
