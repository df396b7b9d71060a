"""display_safe: listener text comes out inert and printable."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio_console.text import display_safe, one_line
from tests.hostile import HOSTILE_TEXTS

_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_hostile_text_has_no_control_or_bidi_characters_left(text):
    safe = display_safe(text)
    assert not _FORBIDDEN.search(safe)
    assert "\x1b" not in safe and "\x9b" not in safe


@given(st.text())
def test_any_text_comes_out_without_controls(text):
    safe = display_safe(text)
    assert not _FORBIDDEN.search(safe)
    assert all(unicodedata.category(c) not in ("Cc",) or c == "\n" for c in safe)


def test_escape_becomes_a_visible_symbol_and_the_rest_is_kept():
    assert display_safe("\x1b[31mmerah") == "\u241b[31mmerah"
    assert display_safe("Jalan rusak 😀") == "Jalan rusak 😀"
    assert display_safe("a\tb") == "a b"


def test_emoji_joiner_sequences_survive():
    family = "👨\u200d👩\u200d👧"
    assert display_safe(family) == family


def test_one_line_cuts_and_marks_newlines():
    assert one_line("baris satu\nbaris dua") == "baris satu \u23ce baris dua"
    assert one_line("x" * 50, 10) == "x" * 9 + "\u2026"
