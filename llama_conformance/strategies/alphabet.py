"""The characters a drawn string may carry on the wire, named without a codec.

Every code point but the surrogates (``Cs``): what UTF-8 can encode, so what a JSON body or an in-process
string that a server writes out can hold. It is the very set Hypothesis's default (``characters(codec="utf-8")``,
the alphabet of ``st.text()`` and ``st.from_regex()``) allows, but naming a codec makes Hypothesis build its table
of that codec by encoding every code point, 1.3 s of CPU in each new Hypothesis home (a provider author's fresh CI
machine; ``hypothesis.internal.charmap.intervals_from_codec``). So the kit passes this alphabet wherever it would
take that default, and draws the same characters.
"""

from __future__ import annotations

from typing import Literal

from hypothesis import strategies as st

SURROGATES: tuple[Literal["Cs"]] = ("Cs",)  # the one Unicode category UTF-8 cannot encode
WIRE_CHARACTERS = st.characters(exclude_categories=SURROGATES)
