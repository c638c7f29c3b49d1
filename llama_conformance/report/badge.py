"""A shields.io-style flat SVG badge of a report's verdict, for a provider's README.

It is generated locally rather than fetched from shields.io so a vendor can publish the
badge of exactly the report they publish, offline, without a third party. Shields sizes a
badge from the text's width in Verdana 11px; the table below carries those advance widths
(rounded to 0.1 px) for the characters a label and verdict use, and 7 px for anything else.

The badge draws no gradient or clip path, so it references nothing (not even ``url(#id)``)
and the HTML report can inline it as is (``xmlns=False``: an inline SVG needs no namespace).
"""

from __future__ import annotations

from html import escape
from typing import Any

LABEL = "llama-conformance"
LABEL_COLOUR = "#555"
UNKNOWN_COLOUR = "#9f9f9f"
VERDICT_COLOURS: dict[str, str] = {
    "Conformant": "#4c1",
    "Partially conformant": "#dfb317",
    "Inconclusive": "#9f9f9f",
    "Not conformant": "#e05d44",
}

_PADDING = 10  # 5 px either side of each half, as shields does
_DEFAULT_WIDTH = 7.0
_WIDTHS: dict[str, float] = {
    " ": 3.9, "-": 4.8, ".": 3.9, ",": 3.9, ":": 4.6, "_": 7.0, "/": 4.9, "(": 4.5, ")": 4.5,
    "a": 6.8, "b": 6.9, "c": 5.9, "d": 6.9, "e": 6.6, "f": 3.9, "g": 6.9, "h": 7.0, "i": 3.0,
    "j": 3.8, "k": 6.5, "l": 3.0, "m": 10.7, "n": 7.0, "o": 6.7, "p": 6.9, "q": 6.9, "r": 4.7,
    "s": 5.7, "t": 4.3, "u": 7.0, "v": 6.5, "w": 9.0, "x": 6.5, "y": 6.5, "z": 5.8,
    "A": 7.5, "B": 7.5, "C": 7.7, "D": 8.5, "E": 6.9, "F": 6.3, "G": 8.5, "H": 8.3, "I": 4.6,
    "J": 5.0, "K": 7.6, "L": 6.1, "M": 9.3, "N": 8.2, "O": 8.7, "P": 6.6, "Q": 8.7, "R": 7.6,
    "S": 7.5, "T": 6.8, "U": 8.1, "V": 7.5, "W": 10.9, "X": 7.5, "Y": 6.8, "Z": 7.5,
}


def text_width(text: str) -> float:
    """Approximate width of ``text`` in Verdana 11px, in pixels."""
    return sum(_WIDTHS.get(char, _DEFAULT_WIDTH) for char in text)


def verdict_colour(verdict: str) -> str:
    return VERDICT_COLOURS.get(verdict, UNKNOWN_COLOUR)


def badge_svg(label: str, message: str, colour: str, *, xmlns: bool = True) -> str:
    """A flat two-part badge: ``label`` on grey, ``message`` on ``colour``."""
    left = round(text_width(label)) + _PADDING
    right = round(text_width(message)) + _PADDING
    width = left + right
    title = escape(f"{label}: {message}")
    namespace = ' xmlns="http://www.w3.org/2000/svg"' if xmlns else ""
    return (
        f'<svg{namespace} width="{width}" height="20" viewBox="0 0 {width} 20" role="img" aria-label="{title}">'
        f"<title>{title}</title>"
        f'<rect width="{width}" height="20" rx="3" fill="{escape(colour)}"/>'
        f'<rect width="{left}" height="20" rx="3" fill="{LABEL_COLOUR}"/>'
        f'<rect x="{left - 3}" width="3" height="20" fill="{LABEL_COLOUR}"/>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11">'
        f"{_text(label, left / 2)}{_text(message, left + right / 2)}"
        "</g></svg>"
    )


def _text(value: str, centre: float) -> str:
    """Text with shields' 1px dark shadow underneath."""
    body = escape(value)
    length = round(text_width(value))
    return (
        f'<text x="{centre:g}" y="15" fill="#010101" fill-opacity=".3" textLength="{length}" aria-hidden="true">'
        f"{body}</text>"
        f'<text x="{centre:g}" y="14" textLength="{length}">{body}</text>'
    )


def render_badge(report: dict[str, Any]) -> str:
    """The verdict badge of ``report`` as a standalone SVG document."""
    verdict = str(report.get("verdict", "unknown"))
    return badge_svg(LABEL, verdict, verdict_colour(verdict))
