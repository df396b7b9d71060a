"""A corpus of hostile listener text: markup, control sequences, bidi tricks, edge cases.

Every place that shows, stores, searches or exports listener text runs this corpus.
"""

from __future__ import annotations

HOSTILE_TEXTS: tuple[str, ...] = (
    "[/b]",
    "[b]tebal[/b] [i]miring",
    "[@click=app.quit]klik[/]",
    "[link=https://evil.example]hadiah[/link]",
    "[BOLD]KAPITAL[/BOLD] [RED]merah",
    "$variable ${HOME} $(rm -rf /)",
    "\x1b[31mmerah\x1b[0m",
    "\x1b]0;judul jendela\x07",
    "\x1b]8;;https://evil.example\x1b\\tautan\x1b]8;;\x1b\\",
    "\x1bP1$r\x1b\\",  # DCS
    "\x9b31m C1 CSI",
    "\x90 C1 DCS \x9c",
    "\x07\x08\x0b\x0c\x0e\x7f",
    "nomor \u202e0987 6543 218\u202c",
    "\u2066isolasi\u2069 \u200fRTL\u200e",
    "x" * 5000,
    "a" + "\u0301" * 200,
    "",
    "   ",
    "\n\n\t\r\n",
    "=HYPERLINK(\"http://evil\",\"klik\")",
    "+62812 -1 @SUM(A1)",
    "\"'; DROP TABLE messages; --",
    "\" AND OR NEAR( *",
    "emoji 😀👍🏽👨‍👩‍👧 \ud83d",
)
