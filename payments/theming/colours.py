"""WCAG 2.1 contrast arithmetic, so a merchant's colours can never make the page unreadable.

Definitions from https://www.w3.org/TR/WCAG21/#dfn-relative-luminance and #dfn-contrast-ratio.
"""

import re

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}", re.ASCII)
MIN_TEXT_CONTRAST = 4.5  # WCAG 2.1 AA, normal-size text (1.4.3)

WHITE = "#ffffff"
NEAR_BLACK = "#1b2533"  # the page's own ink colour
BLACK = "#000000"
# Lightest background behind brand-coloured text (language links on the page's grey, the secondary
# button and the selected card brand sit on white, which is lighter, so they pass when this passes).
PAGE_BACKGROUND = "#eef2f6"

DEFAULT_BRAND = "#0b5cad"
DEFAULT_INK = WHITE


def is_hex_colour(value: str) -> bool:
    return bool(HEX_COLOUR.fullmatch(value))


def _channels(colour: str) -> tuple[int, int, int]:
    if not is_hex_colour(colour):
        raise ValueError(f"not a #rrggbb colour: {colour!r}")
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def relative_luminance(colour: str) -> float:
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in _channels(colour))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """From 1 (same luminance) to 21 (black on white); order does not matter."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def readable_ink(brand: str, wanted: str) -> str:
    """The text colour to put on `brand`: the merchant's choice when it passes 4.5:1, else a fallback.

    The fallback is white or the near-black, whichever contrasts more; for mid-tones where neither
    reaches 4.5:1, pure black does (max(white, black) is always at least 4.58:1 on any colour).
    """
    if contrast_ratio(brand, wanted) >= MIN_TEXT_CONTRAST:
        return wanted.lower()
    best = max((WHITE, NEAR_BLACK), key=lambda ink: contrast_ratio(brand, ink))
    return best if contrast_ratio(brand, best) >= MIN_TEXT_CONTRAST else BLACK


def text_on_light(brand: str, background: str = PAGE_BACKGROUND) -> str:
    """The brand colour as text on the light page: darkened step by step until it reads at 4.5:1.

    Darkening keeps the hue, so a yellow brand gives an ochre link rather than a generic black one.
    """
    red, green, blue = _channels(brand)
    factor = 1.0
    while factor > 0.02:
        colour = f"#{int(red * factor):02x}{int(green * factor):02x}{int(blue * factor):02x}"
        if contrast_ratio(colour, background) >= MIN_TEXT_CONTRAST:
            return colour
        factor *= 0.92
    return BLACK
