"""Key bindings in the user's language.

Bindings are declared once per widget with an ``id``; their descriptions come
from the catalogue under ``"key." + id`` so the footer, the command palette
and the help screen speak the console's language.
"""

from __future__ import annotations

import dataclasses

from textual.dom import DOMNode

from studio_console.i18n import CATALOGUE, Translator

__all__ = ["localize_bindings"]


def localize_bindings(node: DOMNode, t: Translator) -> None:
    """Replace the descriptions of ``node``'s bindings by their catalogue text."""
    # Textual keeps a per-instance copy of the class bindings in ``_bindings``;
    # replacing descriptions there is the supported way to change them per instance.
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            dataclasses.replace(b, description=t(f"key.{b.id}"))
            if b.id and f"key.{b.id}" in CATALOGUE else b
            for b in bindings
        ]
