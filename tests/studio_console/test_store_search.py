"""Search over a real SQLite file: hostile queries are only words, results are the right ones.

Messages go in the way the ingest service puts them: SMS-DELIVER PDUs from
``encode_deliver``, decoded, stored with ``Store.store_part``. Every search is checked
against what it should find, computed here from the stored rows with the same rules
the search promises: each word of the query must occur as a word (letters and
digits; case and Latin diacritics ignored) in the text or in the sender's name,
the last word may be the start of a word, anything else in the query is ignored.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from drivers.gsm.pdu import decode, encode_deliver
from studio_console.store import Store
from tests.hostile import HOSTILE_TEXTS


class FakeClock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


DARTO = "+6281234567890"
SRI = "+6285712345678"
WATI = "+6289512345671"

CORPUS: tuple[tuple[str, str], ...] = (
    (DARTO, "Jalan di desa Ngraho rusak parah, mohon diperbaiki"),
    (SRI, "Lampu PJU di Jl. Veteran mati sudah 3 hari"),
    (WATI, "Banjir di Kalitidu setinggi lutut, tolong perahu"),
    (DARTO, "Sampah numpuk di pasar Kapas, bau sekali"),
    (SRI, "Air PDAM keruh, pupuk subsidi juga langka"),
    ("+6281311223344", "Saté kambing Pak Hajì di alun-alun enak, salam buat penyiar"),
    ("+6281311223344", "Ngurus KTP di Dukcapil antri lama sekali"),
    ("085645678901", "Puskesmas Dander pelayanannya lama, jalan menuju ke sana berlubang"),
    (WATI, "Sekolah SDN 1 Sumberrejo atapnya bocor 🙏🙏"),
    (DARTO, "request lagu Caping Gunung buat keluarga di Hongkong 😊"),
    (SRI, "AND OR NOT NEAR: kata kata yang mirip perintah pencarian"),
    ("+6287812345678", "text:jalan sender_name:budi {text}: kolom palsu"),
    ("+6287812345678", "'; DROP TABLE messages; -- jalan aman"),
    ("+6283112345678", "harga gabah 4.500/kg, 50% turun; a_b c-d e+f"),
    ("+6288112345678", "السلام عليكم pendengar Malowopati"),
    ("+6289612345678", "Jembatan Kaliketek retak " * 12),  # a multipart message
    ("TELKOMSEL", "Selamat! Anda mendapat bonus kuota 2GB"),
    ("1708", "Info: pemadaman listrik PLN Bojonegoro besok jam 9"),
)

HOSTILE_QUERIES: tuple[str, ...] = (
    '"(',
    "AND OR",
    "AND",
    "OR",
    "NOT",
    "NEAR(",
    "NEAR(jalan rusak, 2)",
    "jalan NEAR rusak",
    "*",
    "jalan*",
    "*jalan",
    "-",
    "-jalan",
    "jalan -rusak",
    "+jalan",
    "col:word",
    "text:jalan",
    "sender_name:darto",
    "{text sender_name}: jalan",
    "^",
    "^jalan",
    '"',
    '"jalan',
    'jalan"',
    '"jalan rusak',
    '""""',
    "'",
    "jalan' OR '1'='1",
    "'; DROP TABLE messages; --",
    '"; DROP TABLE messages_fts; --',
    "1; DELETE FROM messages",
    "%",
    "_",
    "jal%",
    "\\",
    "\x00",
    "jalan\x00rusak",
    "( )",
    "jalan AND",
    "OR jalan",
    "jalan OR lampu",
    "jalan NOT rusak",
    "🙏",
    "🙏 jalan 😊",
    "👨‍👩‍👧",
    "\ud83d",
    "a" * 10_000,
    "jalan " * 5_000,
    " ".join(f"kata{i}" for i in range(500)),
    "",
    " ",
    "\t\n\r ",
    "\u200b\u200f\u202e",
    *HOSTILE_TEXTS,
)


def _fold(text: str) -> str:
    """Lower case without Latin diacritics (what the index does with words)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _tokens(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", _fold(text))


def _has_phrase(tokens: list[str], phrase: list[str], prefix: bool) -> bool:
    n = len(phrase)
    for start in range(len(tokens) - n + 1):
        window = tokens[start : start + n]
        if window[:-1] == phrase[:-1] and (
            window[-1].startswith(phrase[-1]) if prefix else window[-1] == phrase[-1]
        ):
            return True
    return False


def expected_ids(store: Store, query: str) -> set[int]:
    """The messages a search for ``query`` must find, from the stored rows."""
    words = re.findall(r"\w+", query)[:32]
    phrases = [_tokens(w) for w in words]  # a word the index splits ("a_b") is a phrase
    if not any(phrases):  # nothing the index would call a word ("_"): nothing found
        return set()
    ids = set()
    rows = store.conn.execute(
        "SELECT m.id, m.text, coalesce(s.name, '') FROM messages m JOIN senders s ON s.id = m.sender_id"
    )
    for mid, text, name in rows:
        columns = (_tokens(text), _tokens(name))
        if all(
            any(_has_phrase(col, phrase, prefix=(i == len(phrases) - 1)) for col in columns if phrase)
            or not phrase
            for i, phrase in enumerate(phrases)
        ):
            ids.add(mid)
    return ids


def put(store: Store, sender: str, text: str) -> int:
    """Store ``text`` from ``sender`` as the modem would hand it over; returns the message id."""
    outcome = None
    for slot, pdu in enumerate(encode_deliver(sender, text)):
        outcome = store.store_part(decode(pdu), pdu, storage="SM", slot=slot)
    assert outcome is not None and outcome.message_id is not None
    return outcome.message_id


def found(store: Store, query: str, **kw) -> list[int]:
    return [m.id for m in store.messages(search=query, **kw)]


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store(tmp_path, clock):
    with Store(tmp_path / "studio.sqlite3", clock=clock, flood_max_messages=100) as s:
        yield s


@pytest.fixture
def filled(store, clock):
    for sender, text in CORPUS:
        clock.advance(30)
        put(store, sender, text)
    store.set_sender_name(DARTO, "Pak Darto Kalitidu")
    store.set_sender_name(SRI, "Bu Sri Wahyuni")
    return store


# ------------------------------------------------------------------------- hostile input
def test_hostile_queries_never_raise_and_find_exactly_their_words(filled):
    before = filled.counts()
    for query in HOSTILE_QUERIES:
        got = set(found(filled, query))
        assert got == expected_ids(filled, query), repr(query[:60])
        page = found(filled, query, limit=100, newest_first=True)
        assert page == sorted(got, reverse=True)[:100], repr(query[:60])
    assert filled.counts() == before
    assert len(found(filled, "jalan")) == 4  # the tables and the index are intact


def test_queries_without_words_find_nothing(filled):
    for query in ("", " ", "\t\n", '"(', "*", "-", "^", "'; --", "🙏😊", "\u200b", "%_\\"):
        assert found(filled, query) == [], repr(query)


def test_operators_and_column_names_are_plain_words(filled):
    # "AND OR NOT NEAR" are searched as words, not as FTS5 operators
    (operators,) = found(filled, "AND OR NOT NEAR")
    assert "perintah pencarian" in filled.message(operators).text
    # a column filter in the query is two words, not a filter on a column
    (columns,) = found(filled, "sender_name:budi")
    assert filled.message(columns).text.startswith("text:jalan sender_name:budi")
    # a minus is not NOT: the message with both words is found
    both = found(filled, "jalan -rusak")
    assert both == found(filled, "jalan rusak") and len(both) == 1


def test_sql_in_a_query_is_searched_as_text(filled):
    (hit,) = found(filled, "'; DROP TABLE messages; --")
    assert filled.message(hit).text.startswith("'; DROP TABLE messages;")
    assert filled.counts()["messages"] == len(CORPUS)


def test_hostile_texts_are_stored_and_found_by_their_words(store, clock):
    ids = {}
    for text in HOSTILE_TEXTS:
        clock.advance(10)
        ids[text] = put(store, "+6281298765432", text)
    for text, message_id in ids.items():
        results = set(found(store, text))  # the text itself as a query never raises
        # … and finds exactly the messages with its words, this one among them if it has any
        assert results == expected_ids(store, text), repr(text[:40])
        words = re.findall(r"\w+", store.message(message_id).text)
        if words:
            assert message_id in found(store, " ".join(words[:32])), repr(text[:40])


def test_a_very_long_query_uses_its_first_words(filled):
    long_query = "lampu " + "x" * 50_000
    assert found(filled, long_query) == []
    assert found(filled, "lampu veteran " + "mati " * 10_000) == found(filled, "lampu veteran mati")


# ---------------------------------------------------------------------- what it matches
def test_words_with_diacritics_match_without_them(filled):
    (sate,) = found(filled, "sate")
    assert "Saté" in filled.message(sate).text
    assert found(filled, "haji") == [sate]
    assert found(filled, "SATE KAMBING") == [sate]


def test_a_query_with_diacritics_matches_text_without_them(filled):
    assert found(filled, "jàlan rüsak") == found(filled, "jalan rusak") != []
    assert found(filled, "Dukcapíl") == found(filled, "dukcapil") != []


def test_the_last_word_matches_as_a_prefix_while_typing(filled):
    (puskesmas,) = found(filled, "Puskesmas")
    for typed in ("p", "pu", "pus", "puske", "puskesma", "dander pusk"):
        assert puskesmas in found(filled, typed), typed
    assert found(filled, "pusk dander") == []  # only the last word is a prefix
    assert found(filled, "puskesmasx") == []


def test_words_are_matched_whole_not_inside_other_words(filled):
    assert found(filled, "alan ") == []  # "jalan" does not contain the word "alan"
    assert found(filled, "tidu") == []  # nor "Kalitidu" the word "tidu"


def test_two_words_need_both(filled):
    (hit,) = found(filled, "jalan rusak")
    assert "Ngraho rusak parah" in filled.message(hit).text
    assert found(filled, "jalan banjir") == []


def test_a_word_glued_to_a_new_emoji_or_a_bidi_isolate_is_found(store, clock):
    texts = {
        "aamiin🤲 semoga jalan Ngraho cepat diperbaiki": "aamiin semoga",
        "terima kasih🥰 penyiarnya": "kasih penyiarnya",
        "lucu🤣🤣 acaranya": "lucu acaranya",
        "\u2066isolasi\u2069 jalan Kapas": "isolasi jalan",
        "🤲aamiin ya Allah": "aamiin allah",
    }
    for text, query in texts.items():
        clock.advance(10)
        message_id = put(store, WATI, text)
        assert found(store, query) == [message_id], text


def test_non_latin_words_are_found(filled):
    (hit,) = found(filled, "السلام")
    assert "Malowopati" in filled.message(hit).text


def test_a_word_cut_between_two_parts_of_a_multipart_sms_is_found(store):
    text = "Laporan warga: " + "x" * 132 + " jembatan gantung Padangan putus, mohon segera"
    pdus = encode_deliver(SRI, text)
    assert len(pdus) == 2
    first = decode(pdus[0]).text
    assert first.endswith(" jem") or "jembatan" not in first  # the word straddles the cut
    message_id = put(store, SRI, text)
    assert found(store, "jembatan gantung") == [message_id]


def test_an_incomplete_multipart_sms_is_found_by_the_words_it_has(store, clock):
    text = "Irigasi desa Kedungrejo kering, " * 8
    pdus = encode_deliver(WATI, text)
    assert len(pdus) == 2
    store.store_part(decode(pdus[0]), pdus[0])
    clock.advance(3600)
    (message_id,) = store.release_stale_parts(600)
    assert found(store, "irigasi kedungrejo") == [message_id]
    store.store_part(decode(pdus[1]), pdus[1])  # the missing part arrives later
    assert found(store, "irigasi kedungrejo") == [message_id]
    assert store.message(message_id).complete


# ------------------------------------------------------------------------- sender names
def test_search_covers_the_senders_remembered_name(filled):
    darto = {m.id for m in filled.messages() if m.sender_key == DARTO}
    assert len(darto) == 3
    assert set(found(filled, "darto")) == darto
    assert set(found(filled, "pak darto kalitidu")) == darto
    # words from the name and the text together
    (hit,) = found(filled, "darto sampah")
    assert "Sampah numpuk" in filled.message(hit).text


def test_search_follows_a_name_change(filled):
    darto = {m.id for m in filled.messages() if m.sender_key == DARTO}
    filled.set_sender_name(DARTO, "Mbah Karto Ngraho")
    assert found(filled, "darto") == []
    assert set(found(filled, "karto")) == darto
    filled.set_sender_name(DARTO, None)
    assert found(filled, "karto") == []
    # the words of the text itself are still found
    assert found(filled, "ngraho") == [min(darto)]


def test_messages_after_a_name_is_set_are_found_by_it(filled, clock):
    clock.advance(60)
    new = put(filled, SRI, "Lampu PJU di Jl. Veteran sudah nyala, terima kasih")
    assert new in found(filled, "wahyuni")
    assert found(filled, "wahyuni lampu nyala") == [new]


# -------------------------------------------------------------------- new messages, order
def test_a_message_stored_after_a_search_is_found_by_the_next_search(filled, clock):
    with Store(filled.path) as screen:  # another connection, as a producer's screen would have
        earlier = found(screen, "banjir", limit=100, newest_first=True)
        assert len(earlier) == 1
        clock.advance(60)
        new = put(filled, WATI, "Banjir lagi di Kalitidu, air masuk rumah")
        assert found(screen, "banjir", limit=100, newest_first=True) == [new, *earlier]
        assert found(screen, "banj", limit=1, newest_first=True) == [new]


def test_search_pages_newest_first_by_id(filled, clock):
    ids = []
    for i in range(25):
        clock.advance(60)
        ids.append(put(filled, f"+62813000000{i:02d}", f"Lampu jalan mati nomor {i}"))
    everything = found(filled, "lampu mati")
    assert len(everything) == 26
    first = found(filled, "lampu mati", limit=10, newest_first=True)
    assert first == ids[::-1][:10]
    second = found(filled, "lampu mati", limit=10, newest_first=True, before_id=first[-1])
    assert second == ids[::-1][10:20]


def test_search_combines_with_the_state_filter(filled):
    rows = {m.id: m.state for m in filled.messages(search="jalan")}
    assert set(rows.values()) == {"new"}
    assert found(filled, "jalan", state="new") == sorted(rows)
    assert found(filled, "jalan", state="approved") == []
