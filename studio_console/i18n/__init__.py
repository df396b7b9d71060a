"""The string catalogue: every word the console shows, in Indonesian and English.

Indonesian (``id``) is the default. Code never holds user-facing text; it asks
the catalogue with a key and named values: ``tr("doctor.port_missing", port=p)``.
Strings live in one module per area (``core``, ``producer``, ``host``, ``calls``,
``inbox``), merged here; a key defined twice is an error. A test checks that both
languages carry every key with the same placeholders.
"""

from __future__ import annotations

import importlib
import string

__all__ = ["CATALOGUE", "LANGUAGES", "Translator", "placeholders", "tr"]

LANGUAGES = ("id", "en")
_AREAS = ("core", "inbox", "producer", "host", "calls", "complaints", "audio")


def _merge() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for area in _AREAS:
        try:
            module = importlib.import_module(f"studio_console.i18n.{area}")
        except ModuleNotFoundError as exc:
            if exc.name != f"studio_console.i18n.{area}":
                raise
            continue
        for key, entry in module.STRINGS.items():
            if key in merged:
                raise RuntimeError(f"catalogue key {key!r} is defined twice (area {area})")
            merged[key] = entry
    return merged


CATALOGUE: dict[str, dict[str, str]] = _merge()


class Translator:
    """Looks up catalogue strings in one language."""

    def __init__(self, language: str = "id") -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}; use one of {LANGUAGES}")
        self.language = language

    def __call__(self, key: str, /, **values: object) -> str:
        """The text for ``key`` with ``values`` filled in."""
        entry = CATALOGUE[key]
        text = entry.get(self.language) or entry["id"]
        return text.format(**values) if values else text


def tr(key: str, /, language: str = "id", **values: object) -> str:
    """One catalogue lookup without keeping a :class:`Translator`."""
    return Translator(language)(key, **values)


def placeholders(text: str) -> set[str]:
    """The ``{name}`` placeholders in a catalogue string."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}
