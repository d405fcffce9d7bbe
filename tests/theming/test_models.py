"""What support may save as a theme: strict colours, safe page view names, raster logos only."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction

from payments.theming.models import LOGO_DIR, PageTheme, logo_path
from payments.theming.validators import MAX_LOGO_BYTES, validate_logo
from tests.factories import make_merchant

from .conftest import JPEG, PNG, WEBP

pytestmark = pytest.mark.django_db


def errors_of(theme: PageTheme) -> dict[str, list[str]]:
    try:
        theme.full_clean()
    except ValidationError as error:
        return {field: [e.code for e in errs] for field, errs in error.error_dict.items()}  # type: ignore[misc]
    return {}


def codes(error: ValidationError) -> list[str]:
    return [e.code for e in error.error_list]


@pytest.mark.parametrize("colour", ["red", "#fff", "#12345g", "0b5cad", "#0b5cad;}body{x:y", "#0b5cad "])
def test_colours_must_be_hex_rrggbb(colour):
    theme = PageTheme(merchant=make_merchant(), brand_color=colour, ink_color=colour)
    errors = errors_of(theme)
    assert set(errors) == {"brand_color", "ink_color"}
    assert "invalid_colour" in errors["brand_color"] and "invalid_colour" in errors["ink_color"]


def test_a_valid_theme_passes_in_any_case():
    assert errors_of(PageTheme(merchant=make_merchant(), brand_color="#A0B1C2", ink_color="#000000")) == {}


def test_the_database_refuses_a_colour_that_is_not_hex():
    with pytest.raises(IntegrityError), transaction.atomic():
        PageTheme.objects.create(merchant=make_merchant(), brand_color="red;}")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("DESKTOP", "standard_page_view"),
        ("PARTNER, MOBILE", "standard_page_view"),
        ("partner", "invalid_page_view"),
        ("../ETC", "invalid_page_view"),
        ("A" * 17, "invalid_page_view"),
        ("1PARTNER", "invalid_page_view"),
    ],
)
def test_custom_page_view_names_are_checked(value, code):
    theme = PageTheme(merchant=make_merchant(), custom_page_views=value)
    assert errors_of(theme) == {"custom_page_views": [code]}


def test_custom_page_views_are_a_comma_separated_list():
    theme = PageTheme(merchant=make_merchant(), custom_page_views=" PARTNER, KIOSK_2 ,")
    assert errors_of(theme) == {}
    assert theme.page_views == ("PARTNER", "KIOSK_2")


@pytest.mark.parametrize(
    ("name", "content"), [("logo.png", PNG), ("a.JPG", JPEG), ("b.jpeg", JPEG), ("c.webp", WEBP)]
)
def test_png_jpeg_and_webp_logos_are_accepted(name, content):
    validate_logo(SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo_svg"),
        ("logo.png", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "logo_svg"),
        ("logo.svg", PNG, "logo_svg"),  # named .svg, it would be served as image/svg+xml
        ("logo.png", b"GIF89a" + b"\x00" * 32, "logo_format"),
        ("logo.png", b"just some text pretending", "logo_format"),
        ("logo.png", JPEG, "logo_extension"),
        ("logo.html", PNG, "logo_extension"),  # PNG bytes, but served as HTML by its name
        ("logo.png", PNG + b"\x00" * MAX_LOGO_BYTES, "logo_too_large"),
    ],
)
def test_bad_logos_are_refused(name, content, code):
    with pytest.raises(ValidationError) as refused:
        validate_logo(SimpleUploadedFile(name, content))
    assert codes(refused.value) == [code]


def test_a_logo_of_exactly_200_kb_is_accepted():
    validate_logo(SimpleUploadedFile("logo.png", PNG + b"\x00" * (MAX_LOGO_BYTES - len(PNG))))


def test_full_clean_refuses_an_svg_logo():
    theme = PageTheme(merchant=make_merchant(), logo=SimpleUploadedFile("logo.svg", b"<svg/>"))
    assert errors_of(theme) == {"logo": ["logo_svg"]}


def test_stored_logo_names_are_random_and_keep_only_a_checked_extension():
    first, second = logo_path(PageTheme(), "../../evil name.JPEG"), logo_path(PageTheme(), "x.png")
    assert first.startswith(LOGO_DIR) and first.endswith(".jpg") and "evil" not in first
    assert second.endswith(".png") and first[:-4] != second[:-4]
