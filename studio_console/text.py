"""Display-safe text: one helper, used everywhere listener text is shown.

Listener SMS and caller names are untrusted. Rich and Textual do not strip
terminal control sequences, and a bidi override can make a number read
backwards. :func:`display_safe` turns any string into inert printable text:
C0/C1 controls and DEL become visible symbols, ESC-introduced sequences lose
their power (the ESC itself is replaced), and bidi/format controls are
replaced. Render the result as a ``rich.text.Text`` / ``textual.content.Content``
object (never as markup).
"""

from __future__ import annotations

import re

__all__ = ["SURROGATE", "display_safe", "one_line", "surrogate_safe"]

# C0 controls except TAB/LF, DEL, C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]")
# Bidi embeddings/overrides/isolates, marks, and other invisible format controls
# that can disguise text (zero-width joiner U+200D is kept: emoji sequences need it).
_FORMAT = re.compile(r"[\u061c\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
                     r"\ufeff\ufff9-\ufffb]")
# A lone surrogate (half of a broken emoji from a handset's UCS2 SMS) cannot be UTF-8.
SURROGATE = re.compile(r"[\ud800-\udfff]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    if code < 0x20:
        return chr(0x2400 + code)  # U+2400 block: visible "control pictures" (␛ for ESC)
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def display_safe(text: str, *, keep_newlines: bool = True) -> str:
    """Return ``text`` with every control and format character made inert and visible.

    Args:
        text: untrusted text (an SMS, a caller name, a PDU field).
        keep_newlines: keep ``\\n`` (multi-line views); otherwise it becomes ``⏎``.
    """
    text = _CONTROL.sub(_picture, text)
    text = _FORMAT.sub("\ufffd", text)
    text = text.replace("\t", " ")
    if not keep_newlines:
        text = text.replace("\r\n", "\n").replace("\n", " \u23ce ")
    return text


def one_line(text: str, limit: int | None = None) -> str:
    """:func:`display_safe` on one line, optionally cut to ``limit`` characters with an ellipsis."""
    text = display_safe(text, keep_newlines=False)
    if limit is not None and len(text) > limit:
        text = text[: max(0, limit - 1)] + "\u2026"
    return text


def surrogate_safe(text: str, *, json_escape: bool = False) -> str:
    """``text`` with every lone surrogate made writable as UTF-8.

    Args:
        text: any text (a lone surrogate cannot be encoded as UTF-8).
        json_escape: write each as a JSON escape ``\\uXXXX`` (for JSON text: it decodes
            back to the very same string); otherwise each becomes U+FFFD (for display).
    """
    if json_escape:
        return SURROGATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    return SURROGATE.sub("\ufffd", text)
