"""User text -> a safe FTS5 query. User input is never passed as raw FTS5 syntax.

The words of the query (letters and digits, any script) are each quoted as an
FTS5 string, so operators (``AND``, ``OR``, ``NEAR``), quotes, brackets and
column filters in the input are just words or nothing. The last word matches
as a prefix, so results follow the producer's typing.
"""

from __future__ import annotations

import re

__all__ = ["fts_query"]

_WORD = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str, *, prefix_last: bool = True) -> str | None:
    """An FTS5 MATCH expression for ``text``, or None when it holds no word (match nothing).

    >>> fts_query('jalan "rusak" OR (')
    '"jalan" "rusak" "OR"*'
    """
    words = _WORD.findall(text or "")
    if not words:
        return None
    quoted = [f'"{w}"' for w in words[:32]]
    if prefix_last:
        quoted[-1] += "*"
    return " ".join(quoted)
