"""The catalogue: every key in both languages with the same placeholders."""

from __future__ import annotations

import pytest

from studio_console.i18n import CATALOGUE, LANGUAGES, Translator, placeholders, tr


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_key_exists_in_every_language_with_the_same_placeholders(key):
    entry = CATALOGUE[key]
    assert set(entry) == set(LANGUAGES), key
    assert all(entry[lang].strip() for lang in LANGUAGES), key
    assert placeholders(entry["id"]) == placeholders(entry["en"]), key


def test_indonesian_is_the_default_and_english_is_available():
    assert tr("state.ready") == "tersambung"
    assert tr("state.ready", language="en") == "connected"
    assert Translator("en")("doctor.storage", name="SM", used=3, total=30) == "Storage SM: 3/30 used"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        Translator("fr")
