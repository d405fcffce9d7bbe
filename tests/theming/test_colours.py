"""WCAG 2.1 contrast: the page keeps readable text whatever colours the merchant picks."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from payments.theming.colours import (
    BLACK,
    MIN_TEXT_CONTRAST,
    NEAR_BLACK,
    PAGE_BACKGROUND,
    WHITE,
    contrast_ratio,
    readable_ink,
    relative_luminance,
    text_on_light,
)

colours = st.integers(min_value=0, max_value=0xFFFFFF).map(lambda n: f"#{n:06x}")


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)  # the classic near miss
    assert relative_luminance("#ff0000") == pytest.approx(0.2126)
    assert contrast_ratio("#0b5cad", "#ffffff") == contrast_ratio("#ffffff", "#0b5cad")


def test_a_passing_pair_is_kept():
    assert readable_ink("#0b5cad", "#FFFFFF") == "#ffffff"


def test_yellow_brand_with_white_text_falls_back_to_dark_text():
    assert contrast_ratio("#ffff00", WHITE) < MIN_TEXT_CONTRAST
    assert readable_ink("#ffff00", WHITE) == NEAR_BLACK


def test_dark_brand_with_dark_text_falls_back_to_white():
    assert readable_ink("#202020", "#303030") == WHITE


def test_mid_grey_where_white_and_near_black_both_fail_gets_pure_black():
    assert contrast_ratio("#808080", WHITE) < MIN_TEXT_CONTRAST
    assert contrast_ratio("#808080", NEAR_BLACK) < MIN_TEXT_CONTRAST
    assert readable_ink("#808080", WHITE) == BLACK


def test_a_light_brand_is_darkened_for_links_on_the_page_keeping_its_hue():
    ochre = text_on_light("#ffcc00")
    assert contrast_ratio(ochre, PAGE_BACKGROUND) >= MIN_TEXT_CONTRAST
    red, green, blue = (int(ochre[i : i + 2], 16) for i in (1, 3, 5))
    assert red > green > blue  # still a yellow-orange, not black
    assert text_on_light("#0b5cad") == "#0b5cad"  # dark enough already


@given(brand=colours, wanted=colours)
def test_any_pair_of_colours_gives_text_of_at_least_4_5_to_1(brand, wanted):
    assert contrast_ratio(brand, readable_ink(brand, wanted)) >= MIN_TEXT_CONTRAST
    assert contrast_ratio(text_on_light(brand), PAGE_BACKGROUND) >= MIN_TEXT_CONTRAST
    assert contrast_ratio(text_on_light(brand), WHITE) >= MIN_TEXT_CONTRAST
