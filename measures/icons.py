"""NHS England's "Making Data Count" icons for control charts, drawn here as inline SVG (no image files, no CDN).

Variation: what the current phase of the chart shows (common cause; special cause of improvement or of
concern, with H or L for the side the values lie on; special cause that is neither). Assurance: where the
goal lies against the latest limits (P: the process will consistently pass, F: consistently fail,
?: hit and miss). Colours as the charts' (Okabe–Ito): improvement blue, concern orange, neither purple,
common cause and hit-and-miss grey; shapes differ too (circle, square, diamond), so colour is never the
only cue. Each icon is an image with an accessible name that says what it means; the words of the reading
beside it say why (measures/controlcharts.py).
"""

from __future__ import annotations

from html import escape

BLUE, BLUE_TEXT, BLUE_FILL = "#0072b2", "#005a8c", "#e8f3fa"
ORANGE, ORANGE_TEXT, ORANGE_FILL = "#d55e00", "#a34700", "#fcefe6"
PURPLE, PURPLE_FILL = "#882e72", "#f5ebf3"
GREY, GREY_TEXT, GREY_FILL = "#595959", "#404040", "#f0f0f0"

VARIATION_NAMES = {
    "common_cause": "Variation: common cause only (no special cause in the current phase)",
    "improvement-high": "Variation: special cause of improvement, higher values",
    "improvement-low": "Variation: special cause of improvement, lower values",
    "concern-high": "Variation: special cause of concern, higher values",
    "concern-low": "Variation: special cause of concern, lower values",
    "neither": "Variation: special cause, neither improvement nor concern",
}
ASSURANCE_NAMES = {
    "pass": "Assurance: the goal will consistently be met while the process stays as it is",
    "fail": "Assurance: the goal will consistently be missed unless the process changes",
    "inconsistent": "Assurance: hit and miss, the goal will be met in some months and missed in others",
}

# Shapes on a 32 × 32 grid: the outline, then five dots of a little chart inside it.
_CIRCLE = '<circle cx="16" cy="16" r="14" fill="{fill}" stroke="{stroke}" stroke-width="2.5"/>'
_SQUARE = (
    '<rect x="2.5" y="2.5" width="27" height="27" rx="3" fill="{fill}" stroke="{stroke}" stroke-width="2.5"/>'
)
_DIAMOND = (
    '<polygon points="16,1.5 30.5,16 16,30.5 1.5,16" fill="{fill}" stroke="{stroke}" stroke-width="2.5"/>'
)
_DOTS_FLAT = ((7, 22), (11.5, 20), (16, 22.5), (20.5, 20.5), (25, 22))
_DOTS_HIGH = ((7, 24), (11.5, 23), (16, 24), (20.5, 20), (25, 18.5))
_DOTS_LOW = ((7, 19), (11.5, 20), (16, 19), (20.5, 23), (25, 24.5))


def _dots(points: tuple[tuple[float, float], ...], colour: str, last: str) -> str:
    """A line of five dots; the last two in `last` (the special-cause colour), as Making Data Count draws."""
    line = " ".join(f"{x},{y}" for x, y in points)
    dots = "".join(
        f'<circle cx="{x}" cy="{y}" r="2.1" fill="{last if i >= 3 else colour}"/>'
        for i, (x, y) in enumerate(points)
    )
    return f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="1"/>{dots}'


def _letter(text: str, colour: str) -> str:
    return (
        f'<text x="16" y="15" font-family="Arial, Helvetica, sans-serif" font-size="12" font-weight="700" '
        f'text-anchor="middle" fill="{colour}">{text}</text>'
    )


def _svg(name: str, body: str, css: str) -> str:
    label = escape(name)
    return (
        f'<svg class="mdc-icon {css}" role="img" aria-label="{label}" viewBox="0 0 32 32" width="32" height="32" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{label}</title>{body}</svg>'
    )


def _variation_body(key: str) -> str:
    if key == "common_cause":
        return _CIRCLE.format(fill=GREY_FILL, stroke=GREY) + _dots(_DOTS_FLAT, GREY, GREY)
    if key == "neither":
        return _DIAMOND.format(fill=PURPLE_FILL, stroke=PURPLE) + _dots(_DOTS_HIGH, GREY, PURPLE)
    kind, side = key.split("-")
    dots = _DOTS_HIGH if side == "high" else _DOTS_LOW
    letter = "H" if side == "high" else "L"
    if kind == "improvement":
        return (
            _CIRCLE.format(fill=BLUE_FILL, stroke=BLUE) + _letter(letter, BLUE_TEXT) + _dots(dots, GREY, BLUE)
        )
    return (
        _SQUARE.format(fill=ORANGE_FILL, stroke=ORANGE)
        + _letter(letter, ORANGE_TEXT)
        + _dots(dots, GREY, ORANGE)
    )


def _assurance_body(key: str, goal_side: str) -> str:
    """The letter over the process's band (between its limits) and the goal as a dashed line where it lies:
    below the band, above it or across it."""
    outline, fill, stroke, text, letter = {
        "pass": (_CIRCLE, BLUE_FILL, BLUE, BLUE_TEXT, "P"),
        "fail": (_SQUARE, ORANGE_FILL, ORANGE, ORANGE_TEXT, "F"),
        "inconsistent": (_CIRCLE, GREY_FILL, GREY, GREY_TEXT, "?"),
    }[key]
    goal_y = {"below": 27, "above": 17.5, "inside": 22.5}[goal_side]
    band_y = 19.5 if goal_side == "above" else 19
    return (
        outline.format(fill=fill, stroke=stroke)
        + _letter(letter, text)
        + f'<rect x="7" y="{band_y}" width="18" height="6" fill="#ffffff" stroke="{stroke}" stroke-width="1"/>'
        + f'<line x1="6" y1="{goal_y}" x2="26" y2="{goal_y}" stroke="{stroke}" stroke-width="1.5" '
        'stroke-dasharray="2 1.5"/>'
    )


def variation_key(variation: str, side: str | None) -> str | None:
    """The icon for a reading's variation ("common_cause", "improvement", "concern", "neither") and the side
    ("high" or "low") its special cause lies on; None when there is nothing to judge."""
    if variation in ("improvement", "concern"):
        return f"{variation}-{side}" if side in ("high", "low") else None
    return variation if variation in ("common_cause", "neither") else None


def variation_svg(key: str) -> str:
    return _svg(VARIATION_NAMES[key], _variation_body(key), "mdc-variation")


def assurance_svg(key: str, goal_side: str) -> str:
    """`goal_side`: where the goal lies against the limits, "above", "below" or "inside"."""
    return _svg(ASSURANCE_NAMES[key], _assurance_body(key, goal_side), "mdc-assurance")
