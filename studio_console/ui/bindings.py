"""Key bindings in the user's language, and in the command palette.

Bindings are declared once per widget with an ``id``; their descriptions come
from the catalogue under ``"key." + id`` so the footer, the command palette
and the help screen speak the console's language. :func:`binding_commands`
makes a screen's command-palette provider from those same bindings.
"""

from __future__ import annotations

import dataclasses
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode

from studio_console.i18n import CATALOGUE, Translator

__all__ = ["binding_commands", "localize_bindings"]


def localize_bindings(node: DOMNode, t: Translator) -> None:
    """Replace the descriptions of ``node``'s bindings by their catalogue text."""
    # Textual keeps a per-instance copy of the class bindings in ``_bindings``;
    # replacing descriptions there is the supported way to change them per instance.
    table = node._bindings.key_to_bindings
    for key, bindings in table.items():
        table[key] = [
            dataclasses.replace(b, description=t(f"key.{b.id}")) if b.id and f"key.{b.id}" in CATALOGUE else b
            for b in bindings
        ]


def binding_commands(prefix: str, *, name: str | None = None) -> type[Provider]:
    """A command-palette provider offering the screen's bindings whose id starts with
    ``prefix`` (``"producer."``, ``"complaints."``), under the footer's (localized) words.

    Args:
        prefix: the binding-id prefix of the screen.
        name: the provider class's name (for reprs and tracebacks).
    """

    class BindingCommands(Provider):
        """The screen's actions in the command palette, under the same words as the footer."""

        def _bindings(self) -> list[Binding]:
            seen: set[str] = set()
            found = []
            for bindings in self.screen._bindings.key_to_bindings.values():
                for b in bindings:
                    if b.id and b.id.startswith(prefix) and b.description and b.id not in seen:
                        seen.add(b.id)
                        found.append(b)
            return found

        async def discover(self) -> Hits:
            """Every action of the screen."""
            for b in self._bindings():
                yield DiscoveryHit(
                    b.description, partial(self.screen.run_action, b.action), help=self.app.get_key_display(b)
                )

        async def search(self, query: str) -> Hits:
            """The screen's actions matching ``query``."""
            matcher = self.matcher(query)
            for b in self._bindings():
                score = matcher.match(b.description)
                if score > 0:
                    yield Hit(
                        score,
                        matcher.highlight(b.description),
                        partial(self.screen.run_action, b.action),
                        help=self.app.get_key_display(b),
                    )

    cls_name = name or "".join(part.capitalize() for part in prefix.strip(".").split("_")) + "Commands"
    BindingCommands.__name__ = BindingCommands.__qualname__ = cls_name
    return BindingCommands
