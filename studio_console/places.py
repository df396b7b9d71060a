"""Places of Kabupaten Bojonegoro: 28 kecamatan and 430 desa/kelurahan (Kepmendagri 2025 codes).

Listeners name their desa more often than their kecamatan, and desa names
repeat across kecamatan (there is a Pejok in Kedungadem and one in
Kepohbaru), so the producer picks a place by name and the console stores the
codes. :meth:`Places.search` is forgiving: case, diacritics, spaces and
hyphens do not matter ("kedung adem"), old spelling is understood ("Soemberredjo"),
doubled letters are a known trap (Sumberrejo the kecamatan and its desa, Sumberejo
in Malo and in Trucuk, Sumberjo in Margomulyo) and one or two typos are
forgiven. A query may also name the kecamatan ("pejok kepohbaru").

The list lives in ``studio_console/data/wilayah.csv`` (source and licence in
``studio_console/data/README.md``).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["DATA_FILE", "Kecamatan", "Place", "Places", "fold", "load_places"]

DATA_FILE = Path(__file__).parent / "data" / "wilayah.csv"

# Words listeners put before a place name; they say nothing about which place.
_FILLER = frozenset(
    {"desa", "ds", "kelurahan", "kel", "kec", "kecamatan", "dusun", "dsn", "di", "kab", "kabupaten"}
)
# Old (pre-1972) Indonesian spelling still seen in names: oe -> u, dj -> j, tj -> c.
_OLD_SPELLING = (("oe", "u"), ("dj", "j"), ("tj", "c"))
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_DOUBLED = re.compile(r"(.)\1+")


def fold(text: str) -> str:
    """Lower case, no diacritics, old spelling modernised, letters and digits only.

    >>> fold("Kedung-Adem"), fold("Soemberrédjo")
    ('kedungadem', 'sumberrejo')
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    for old, new in _OLD_SPELLING:
        text = text.replace(old, new)
    return _NOT_ALNUM.sub("", text)


def _sound(folded: str) -> str:
    """The doubled-letter-blind form: ``sumberrejo`` and ``sumberejo`` are the same sound."""
    return _DOUBLED.sub(r"\1", folded)


@dataclass(frozen=True)
class Place:
    """One desa or kelurahan, with its kecamatan.

    Attributes:
        desa_code: ``35.22.09.2001``.
        desa_name: ``Pejok``.
        kecamatan_code: ``35.22.09``.
        kecamatan_name: ``Kepohbaru``.
    """

    desa_code: str
    desa_name: str
    kecamatan_code: str
    kecamatan_name: str

    @property
    def is_kelurahan(self) -> bool:
        """A kelurahan (village part of the code starts with 1) rather than a desa."""
        return self.desa_code.rsplit(".", 1)[-1].startswith("1")


@dataclass(frozen=True)
class Kecamatan:
    """One kecamatan: code and name."""

    code: str
    name: str


@dataclass(frozen=True)
class _Entry:
    place: Place
    desa: str
    desa_sound: str
    kecamatan: str
    kecamatan_sound: str


class Places:
    """The kecamatan and desa/kelurahan of one kabupaten, searchable by name.

    Args:
        places: every desa/kelurahan with its kecamatan.
    """

    def __init__(self, places: list[Place]) -> None:
        self._places = tuple(places)
        self._by_code = {p.desa_code: p for p in self._places}
        kecamatan: dict[str, str] = {}
        for p in self._places:
            kecamatan.setdefault(p.kecamatan_code, p.kecamatan_name)
        self._kecamatan = {code: Kecamatan(code, name) for code, name in sorted(kecamatan.items())}
        self._entries = tuple(
            _Entry(
                p,
                fold(p.desa_name),
                _sound(fold(p.desa_name)),
                fold(p.kecamatan_name),
                _sound(fold(p.kecamatan_name)),
            )
            for p in self._places
        )

    @classmethod
    def from_csv(cls, path: str | Path) -> Places:
        """Read the Kepmendagri list (columns ``kode_kecamatan, kecamatan, kode_desa_kelurahan,
        desa_kelurahan``)."""
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        return cls(
            [
                Place(
                    r["kode_desa_kelurahan"].strip(),
                    r["desa_kelurahan"].strip(),
                    r["kode_kecamatan"].strip(),
                    r["kecamatan"].strip(),
                )
                for r in rows
            ]
        )

    def __len__(self) -> int:
        return len(self._places)

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places)

    @property
    def kecamatan(self) -> list[Kecamatan]:
        """Every kecamatan, by code."""
        return list(self._kecamatan.values())

    def desa(self, code: str | None) -> Place | None:
        """The desa/kelurahan with this code, or None."""
        return self._by_code.get(code or "")

    def kecamatan_name(self, code: str | None) -> str | None:
        """The name of the kecamatan with this code, or None."""
        k = self._kecamatan.get(code or "")
        return k.name if k else None

    def search(self, query: str, limit: int = 30) -> list[Place]:
        """Desa/kelurahan matching ``query``, best first.

        Order: the desa's exact name; the same name spelled with a letter
        doubled or not (Sumberrejo / Sumberejo); desa names starting with the
        query; the kecamatan's name (all its desa); a desa name and a kecamatan
        name together ("pejok kepohbaru"); desa names containing the query;
        kecamatan names starting with or containing it; then names within one or
        two typos. Ties go by code, so the same query always lists the same way.

        Args:
            query: what the producer typed (any case, spaces, diacritics).
            limit: at most this many results.
        """
        words = [w for w in (fold(w) for w in query.split()) if w and w not in _FILLER]
        if not words:
            return []
        joined = "".join(words)
        sound = _sound(joined)
        scored: list[tuple[int, int, str]] = []
        for e in self._entries:
            rank = _rank(e, joined, sound, words)
            if rank is not None:
                scored.append((rank[0], rank[1], e.place.desa_code))
        scored.sort()
        return [self._by_code[code] for _, _, code in scored[:limit]]


def _rank(e: _Entry, joined: str, sound: str, words: list[str]) -> tuple[int, int] | None:
    """(tier, distance) of one entry for a query, or None when it does not match."""
    if e.desa == joined:
        return 0, 0
    if e.desa_sound == sound:
        return 1, 0
    if e.desa.startswith(joined) or e.desa_sound.startswith(sound):
        return 2, len(e.desa) - len(joined)
    if e.kecamatan == joined or e.kecamatan_sound == sound:
        return 3, 0
    if len(words) > 1 and _words_split(e, words):
        return 3, 1
    if len(joined) >= 3 and (joined in e.desa or sound in e.desa_sound):
        return 4, len(e.desa) - len(joined)
    if len(joined) >= 3 and (e.kecamatan.startswith(joined) or sound in e.kecamatan_sound):
        return 5, 0
    budget = _typo_budget(joined)
    if budget:
        d = _distance(sound, e.desa_sound, budget)
        if d <= budget:
            return 6, d
        d = _distance(sound, e.kecamatan_sound, budget)
        if d <= budget:
            return 7, d
    return None


def _words_split(e: _Entry, words: list[str]) -> bool:
    """Some words name the desa and the rest its kecamatan (each word a prefix, or typo-close)."""

    def close(word: str, name: str) -> bool:
        s = _sound(word)
        if name.startswith(word) or _sound(name).startswith(s):
            return True
        budget = _typo_budget(word)
        return bool(budget) and _distance(s, _sound(name), budget) <= budget

    for cut in range(1, len(words)):
        head, tail = "".join(words[:cut]), "".join(words[cut:])
        if (close(head, e.desa) and close(tail, e.kecamatan)) or (
            close(head, e.kecamatan) and close(tail, e.desa)
        ):
            return True
    return False


def _typo_budget(word: str) -> int:
    """Typos forgiven for a word of this length: none under 5 letters, 1 up to 8, else 2."""
    n = len(word)
    return 0 if n < 5 else 1 if n <= 8 else 2


def _distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of neighbours counts once), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


@cache
def load_places(path: str | Path | None = None) -> Places:
    """The places of Bojonegoro from the bundled list (read once, then cached)."""
    return Places.from_csv(path or DATA_FILE)
