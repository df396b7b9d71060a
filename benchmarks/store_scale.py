"""Benchmark: the store at the size of years of traffic (1,000,000 messages).

Builds a database through the real schema (``studio_console.store``) and fills it
fast — ``executemany`` inside big transactions, bypassing the per-message ingest
path — with realistic rows: ~50,000 Indonesian mobile senders whose activity follows
a Zipf law (some listeners write every day, most a few times), Indonesian and
Javanese text from a vocabulary with Zipf-like word frequency (road, street-light,
flood, rubbish, PDAM, fertiliser, KTP, school, puskesmas complaints in the real
desa and kecamatan of Bojonegoro, greetings, song requests), multipart lengths
(GSM 7-bit and UCS-2 with emoji), real SMS-DELIVER PDUs in ``parts``, shows, items
with screening states and the audit rows ingest writes.  The FTS index is filled by
the schema's own triggers (``--fts bulk`` drops the insert trigger during the load
and fills the index in one statement afterwards, to compare).

Then it appends a tail of messages through the real ingest path
(``Store.store_part`` on a durable connection, one commit each) and measures what
the screens ask of a database that size, on a fresh connection:

* search (``Store.messages(search=…, limit=100, newest_first=True)``): common,
  middling, rare and absent words, two-word queries, a prefix being typed, a
  sender's name, a search page in the middle of the history and a search with a
  state filter, each beside the same query as a naive ``LIKE '%word%'`` scan (what
  Kalkun and the gammu SQL back-ends do) measured in the same run;
* pages: the newest 100, a page at the middle of the table by ``before_id``, the
  tail poll (``after_id``), state filters (common and rare states);
* ``PRAGMA data_version`` polling (``ChangeWatcher.changed``), opening the store;
* renaming the busiest sender (the trigger rewrites the FTS rows of all their
  messages).

Any query slower than 50 ms at the median gets its ``EXPLAIN QUERY PLAN`` printed.
Last, the query forms proposed for ``Store.messages`` (search driven by the FTS index
in rowid order; state pages driven by an index on ``items (state, message_id)``, built
for the measurement and dropped again) are timed beside the current ones.

Run::

    .venv/bin/python benchmarks/store_scale.py                  # 1,000,000 messages, temp file
    .venv/bin/python benchmarks/store_scale.py --quick          # 50,000 messages
    .venv/bin/python benchmarks/store_scale.py --keep /tmp/big.sqlite3   # keep the database
    .venv/bin/python benchmarks/store_scale.py --reuse /tmp/big.sqlite3  # measure a kept one
"""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import math
import multiprocessing
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from drivers.gsm import gsm7  # noqa: E402
from drivers.gsm.pdu import decode, encode_deliver  # noqa: E402
from studio_console.phone import parse_number  # noqa: E402
from studio_console.store import Store, dedupe_key, transaction  # noqa: E402
from studio_console.store.search import fts_query  # noqa: E402

SEED = 20251127
WIB = timezone(timedelta(hours=7), "WIB")
START = datetime(2023, 1, 1, tzinfo=WIB)  # the history begins here
DAYS = 3 * 365  # and spans three years
WILAYAH_CSV = Path("/work/shared/bojonegoro_wilayah_kepmendagri_2025.csv")
CHUNK = 20_000  # messages generated (in a worker process) and inserted per batch
COMMIT_EVERY = 100_000  # messages per bulk transaction
TAIL = 300  # messages appended through the real ingest path
SLOW_MS = 50.0

# --------------------------------------------------------------------------------------
# vocabulary (ranked: earlier entries are drawn more often)
# --------------------------------------------------------------------------------------


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    """A word list written as one string (``sep`` between multi-word entries)."""
    return tuple(w.strip() for w in text.split(sep) if w.strip())


FUNCTION_WORDS = _words(
    "di yang dan ke dari ini sudah mohon tolong pak itu tidak ada untuk belum bu mas sama "
    "juga lagi masih bisa karena sampai kok apa kapan nggih mbak min kang sangat banget wis "
    "ora iki sing karo neng ya yo dong lho to kalau tapi atau dengan buat jadi sekarang terus "
    "sudah pun saja kami kita saya aku kulo njenengan panjenengan warga kampung semua "
    "matur nuwun suwun terima kasih makasih monggo sampun dereng mboten wonten ingkang "
    "kaliyan dateng nyuwun tulung ndang enggal suwe dino wingi saiki sesuk kae akeh sithik "
    "tenan pancen mugi rahayu waras slamet sedulur konco tonggo mbah lik pakde bude le nduk "
    "cah arek wong seneng susah piye opo endi nang meneh maneh ae wae thok mek rek cak "
    "gimana bagaimana mengapa kenapa mana siapa berapa tiap setiap hari minggu bulan tahun "
    "pagi siang sore malam jam tadi besok kemarin lama baru cepat lambat segera harap "
    "minta tanya info informasi kabar benar betul bohong hoax viral"
)

COMPLAINT_WORDS = _words(
    "jalan rusak lampu mati PJU banjir sampah PDAM air pupuk subsidi langka KTP sekolah "
    "puskesmas berlubang jembatan irigasi listrik PLN padam sinyal macet truk debu tambang "
    "longsor tanggul genangan selokan got drainase limbah bau asap pohon tumbang kabel "
    "bansos BLT PKH raskin BPJS bidan dokter obat antri pelayanan Dukcapil KK akta surat "
    "pungli retribusi pasar parkir liar kades camat bupati DPRD dinas PU Dishub DLH Dinkes "
    "Disdik Disdukcapil Satpol perangkat guru SD SMP SMA honorer gaji atap bocor ambles "
    "bolong licin becek gelap rawan kecelakaan begal maling sapi kambing tikus wereng hama "
    "gagal panen padi jagung tembakau kedelai harga gabah murah mahal elpiji gas minyak "
    "solar antre SPBU Exxon Blok Cepu migas CSR lowongan kerja pengangguran PHK posyandu "
    "stunting balita vaksin demam berdarah fogging nyamuk kebakaran damkar ambulans"
)

RADIO_WORDS = _words(
    "salam request lagu radio penyiar pendengar acara siaran Malowopati campursari dangdut "
    "koplo keroncong gending wayang sholawat pengajian kangen kenal ulang selamat sehat "
    "sukses keluarga teman kerja rantau Jakarta Surabaya Malaysia Hongkong Taiwan TKI TKW "
    "mantap keren top joss semangat sabar berkah barokah amin aamiin"
)

STREETS = _words(
    "Jl. Veteran|Jl. Panglima Sudirman|Jl. Gajah Mada|Jl. Diponegoro|Jl. Untung Suropati|"
    "Jl. Rajekwesi|Jl. Pemuda|Jl. Teuku Umar|Jl. Basuki Rahmat|Jl. Hayam Wuruk|Jl. MH Thamrin|"
    "Jl. Lettu Suyitno|Jl. Mastrip|Jl. Kartini|Jl. Dr. Wahidin|Jl. Imam Bonjol|Jl. Pattimura|"
    "Jl. Ahmad Yani",
    "|",
)
LANDMARKS = _words(
    "alun-alun|pasar kota|terminal Rajekwesi|stasiun|RSUD|pendopo|masjid agung|Bendung Gerak|"
    "jembatan Sosrodilogo|jembatan Kaliketek|kayangan api|waduk Pacal|Kahyangan Api|"
    "Teksas Wonocolo|SPBU|balai desa|kantor kecamatan|SDN 1|SMPN 2|puskesmas|pertigaan|"
    "perempatan|makam",
    "|",
)
SONGS = _words(
    "Caping Gunung|Sewu Kutho|Layang Kangen|Pamer Bojo|Cidro|Stasiun Balapan|Suket Teki|"
    "Kartonyono Medot Janji|Banyu Langit|Ojo Nguber Welase|Lingsir Wengi|Gethuk|Tombo Ati|"
    "Perahu Layar|Yen Ing Tawang|Ditinggal Rabi|Lewung|Kelayung-layung|Bojo Galak|Sugeng Dalu|"
    "Dalan Liyane|Tatu|Los Dol|Tresno Waranggono|Lungset|Kanggo Riko|Angin Wengi|Widodari|"
    "Rungkad",
    "|",
)
FIRST_NAMES = _words(
    "Darto|Sri|Wati|Joko|Slamet|Suparman|Sumarni|Yanto|Budi|Siti|Ningsih|Wahyu|Agus|Eko|Tri|Dwi|"
    "Sugeng|Paijo|Painem|Mujiati|Kasmini|Rohmat|Sholeh|Ahmad|Nur|Endang|Suwarni|Lilik|Heri|Yuli|"
    "Rina|Dewi|Bambang|Teguh|Sutrisno|Parmin|Karni|Tarmi|Mukhlis|Zainal|Imam|Fitri|Anis|Umi|Lis|"
    "Narto|Giyono|Warsito",
    "|",
)
TITLES = ("Pak", "Bu", "Mas", "Mbak", "Mbah", "Kang", "Cak", "Lik", "Pakde", "Bude", "")
SYLLABLES_A = _words(
    "Su|Sa|Ka|Pa|Wa|Ja|Ma|Ra|Ta|Ha|Sri|Tu|Mu|Pri|Kas|Mar|Sar|Har|Nar|Wi|Sup|Jum|Ngat|Pon", "|"
)
SYLLABLES_B = _words(
    "war|par|kar|mi|ji|yo|ti|ni|man|min|jan|dir|yem|tun|sih|yah|nah|mun|kin|tem|dul|rah|lan", "|"
)
SYLLABLES_C = _words("no|ni|to|ti|di|mo|yo|ah|em|at|un|in|jo", "|")
DIACRITIC_WORDS = _words("saté|café|résto|Pak Hajì|naïf", "|")
EMOJI = _words("🙏|👍|😊|🙏🙏|😭|😡|🤲|❤️|👌", "|")


def load_wilayah(path: Path = WILAYAH_CSV) -> tuple[list[str], list[str]]:
    """The kecamatan and desa/kelurahan names of Bojonegoro (Kepmendagri 2025)."""
    kecamatan: dict[str, None] = {}
    desa: list[str] = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            kecamatan.setdefault(row["kecamatan"].strip())
            desa.append(row["desa_kelurahan"].strip())
    return list(kecamatan), desa


class Zipf:
    """Draws from a ranked list with probability ∝ 1 / (rank + q) ** s (Zipf–Mandelbrot)."""

    def __init__(self, items: Sequence[Any], s: float = 1.05, q: float = 2.7) -> None:
        self.items = list(items)
        self.cum = list(itertools.accumulate(1.0 / (k + q) ** s for k in range(1, len(items) + 1)))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


@dataclass
class Vocabulary:
    """Everything the text generator draws from, ranked once from the seed."""

    kecamatan: list[str]
    desa: list[str]
    rare_names: list[str]
    words: Zipf = field(init=False)
    desa_z: Zipf = field(init=False)
    kec_z: Zipf = field(init=False)
    name_z: Zipf = field(init=False)
    song_z: Zipf = field(init=False)
    street_z: Zipf = field(init=False)
    landmark_z: Zipf = field(init=False)

    def __post_init__(self) -> None:
        self.words = Zipf([*FUNCTION_WORDS, *COMPLAINT_WORDS, *RADIO_WORDS, *self.desa[:60]], s=1.0)
        self.desa_z = Zipf(self.desa, s=1.1, q=5)
        self.kec_z = Zipf(self.kecamatan, s=0.9, q=3)
        self.name_z = Zipf(list(FIRST_NAMES) + self.rare_names, s=1.1, q=3)
        self.song_z = Zipf(SONGS)
        self.street_z = Zipf(STREETS)
        self.landmark_z = Zipf(LANDMARKS)


def make_vocabulary(seed: int = SEED) -> Vocabulary:
    """The vocabulary, with desa ranked by a seeded shuffle (some desa write in a lot)."""
    rng = random.Random(seed)
    kecamatan, desa = load_wilayah()
    rng.shuffle(kecamatan)
    rng.shuffle(desa)
    rare = sorted({a + b + c for a in SYLLABLES_A for b in SYLLABLES_B for c in SYLLABLES_C})
    rng.shuffle(rare)
    return Vocabulary(kecamatan, desa, rare[:4000])


# --------------------------------------------------------------------------------------
# text generator
# --------------------------------------------------------------------------------------


def _where(v: Vocabulary, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.35:
        return f"desa {v.desa_z(rng)}"
    if r < 0.55:
        return f"{v.desa_z(rng)} kec. {v.kec_z(rng)}"
    if r < 0.65:
        return f"RT {rng.randint(1, 12):02d} RW {rng.randint(1, 6):02d} {v.desa_z(rng)}"
    if r < 0.75:
        return v.street_z(rng)
    if r < 0.85:
        return f"kecamatan {v.kec_z(rng)}"
    if r < 0.93:
        return f"dekat {v.landmark_z(rng)}"
    return v.desa_z(rng)


def _who(v: Vocabulary, rng: random.Random) -> str:
    title = rng.choice(TITLES)
    return f"{title} {v.name_z(rng)}".strip()


COMPLAINTS = _words(
    "jalan {w} rusak parah|jalan di {w} berlubang|dalan {w} ambles|lampu PJU {w} mati|"
    "lampu jalan di {w} padam|banjir di {w}|sampah numpuk di {w}|air PDAM mati di {w}|"
    "PDAM {w} keruh|pupuk subsidi langka di {w}|pupuk urea mahal di {w}|"
    "KTP elektronik belum jadi|ngurus KTP di Dukcapil antri lama|sekolah {w} atapnya bocor|"
    "puskesmas {w} pelayanannya lama|jembatan {w} hampir putus|irigasi {w} kering|"
    "listrik PLN {w} sering padam|sinyal di {w} susah|truk tambang lewat {w} bikin debu|"
    "pohon tumbang di {w}|tanggul Bengawan Solo {w} rawan|bau limbah di {w}|parkir liar di {w}|"
    "bansos belum cair di {w}|BPJS ditolak puskesmas {w}|elpiji 3 kg langka di {w}|"
    "harga gabah anjlok di {w}|wereng serang padi di {w}|got mampet di {w}|"
    "demam berdarah di {w} minta fogging",
    "|",
)
TAILS = _words(
    "sudah {n} hari|sudah {n} bulan|belum ada perbaikan|mohon ditindaklanjuti|"
    "mohon diteruskan ke dinas terkait|tolong pak bupati|nyuwun tulung|kapan diperbaiki?|"
    "bahaya buat anak sekolah|sering ada kecelakaan|warga resah|sudah lapor pak inggi|"
    "sudah lapor tapi tidak ada tanggapan|mohon segera|matur nuwun",
    "|",
)
GREETINGS = _words(
    "salam buat {p} di {d}|salam kangen buat {p}|salam kenal buat semua pendengar|"
    "sugeng enjing sedulur Malowopati|selamat ulang tahun buat {p}|salam dari {p} {d}|"
    "salam buat {p} yang kerja di {r}|salam sehat buat penyiar|salam buat konco-konco {d}",
    "|",
)
REQUESTS = _words("request lagu {s}|minta diputar {s}|puterin {s} mas|request {s} buat {p}", "|")
OPENINGS = (
    "",
    "",
    "salam",
    "assalamualaikum",
    "selamat pagi",
    "pagi mas",
    "mas penyiar",
    "min",
    "halo radio",
    "sugeng enjing",
    "sugeng ndalu",
    "permisi",
)
CLOSINGS = ("", "", "matur nuwun", "terima kasih", "suwun", "makasih min", "wassalam", "mohon dibacakan")
RANTAU = _words("Jakarta|Surabaya|Malaysia|Hongkong|Taiwan|Kalimantan|Batam", "|")


def _clause(v: Vocabulary, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.42:
        text = rng.choice(COMPLAINTS).format(w=_where(v, rng))
        if rng.random() < 0.7:
            text += " " + rng.choice(TAILS).format(n=rng.randint(2, 30))
        return text
    if r < 0.68:
        return rng.choice(GREETINGS).format(p=_who(v, rng), d=v.desa_z(rng), r=rng.choice(RANTAU))
    if r < 0.80:
        return rng.choice(REQUESTS).format(s=v.song_z(rng), p=_who(v, rng))
    return " ".join(v.words(rng) for _ in range(rng.randint(3, 12)))


def make_text(v: Vocabulary, rng: random.Random) -> str:
    """One listener SMS: opening, clauses up to a log-normal target length, closing."""
    target = min(int(rng.lognormvariate(3.7, 0.75)), 900)  # median text ~90 chars, ~13% multipart
    pieces = [rng.choice(OPENINGS)]
    while sum(map(len, pieces)) < target:
        pieces.append(_clause(v, rng))
    closing = rng.choice(CLOSINGS)
    if closing:
        pieces.append(closing)
    if rng.random() < 0.35:
        pieces.append(f"dari {_who(v, rng)} {v.desa_z(rng)}")
    if rng.random() < 0.005:
        pieces.append(rng.choice(DIACRITIC_WORDS))
    text = ", ".join(p for p in pieces if p)
    if rng.random() < 0.06:
        text = text.upper()  # old phones, caps lock
    if rng.random() < 0.05:
        text += " " + rng.choice(EMOJI)
    return text


def split_parts(text: str) -> tuple[str, list[str]]:
    """The encoding and the per-part texts a phone would send (at most 6 parts)."""
    ucs2 = not gsm7.can_encode(text)
    single, multi = (70, 67) if ucs2 else (160, 153)
    if len(text) <= single:
        return ("ucs2" if ucs2 else "gsm7"), [text]
    text = text[: multi * 6]
    return ("ucs2" if ucs2 else "gsm7"), [text[i : i + multi] for i in range(0, len(text), multi)]


# --------------------------------------------------------------------------------------
# rows
# --------------------------------------------------------------------------------------

OPERATOR_PREFIXES = Zipf(
    (
        "0812",
        "0813",
        "0852",
        "0857",
        "0856",
        "0821",
        "0822",
        "0823",
        "0851",
        "0895",
        "0896",
        "0878",
        "0877",
        "0838",
        "0831",
        "0819",
        "0853",
        "0815",
        "0817",
        "0818",
        "0881",
        "0882",
        "0898",
        "0859",
    ),
    s=0.8,
)
ALPHA_SENDERS = _words("TELKOMSEL|INDOSAT|3Care|AXIS|BPJS", "|")
STATES = (
    ("new", 0.44),
    ("approved", 0.14),
    ("rejected", 0.20),
    ("spam", 0.04),
    ("throttled", 0.02),
    ("aired", 0.1595),
    ("queued", 0.0005),
)
CATEGORIES = _words(
    "Infrastruktur|Penerangan Jalan|Lingkungan|Air Bersih|Pertanian|Kependudukan|Pendidikan|"
    "Kesehatan|Sosial|Lainnya",
    "|",
)
STATE_CUM = list(itertools.accumulate(p for _, p in STATES))


def make_senders(count: int, seed: int = SEED) -> list[tuple[Any, ...]]:
    """Sender rows (id, key, e164, raw, kind, masked, operator, name): distinct numbers."""
    rng = random.Random(seed + 1)
    v = make_vocabulary(seed)
    seen: set[str] = set()
    rows: list[tuple[Any, ...]] = []
    raws = list(ALPHA_SENDERS)
    while len(raws) < count:
        national = OPERATOR_PREFIXES(rng) + "".join(rng.choices("0123456789", k=rng.choice((7, 8, 8, 9))))
        if national not in seen:
            seen.add(national)
            raws.append("+62" + national[1:])
    rng.shuffle(raws)
    for i, raw in enumerate(raws, start=1):
        n = parse_number(raw)
        name = None
        if n.kind == "mobile" and rng.random() < 0.08:
            name = f"{_who(v, rng)} {v.desa_z(rng)}"
        rows.append((i, n.key, n.e164, n.raw, n.kind, n.masked, n.operator, name))
    return rows


@dataclass
class Chunk:
    """Rows for the messages with ids [first_id, first_id + count)."""

    messages: list[tuple[Any, ...]]
    parts: list[tuple[Any, ...]]
    items: list[tuple[Any, ...]]
    audit: list[tuple[Any, ...]]
    seconds: float


_WORKER: dict[str, Any] = {}


def _worker_init(total: int, senders: list[tuple[int, str]], seed: int) -> None:
    _WORKER.update(
        total=total,
        senders=senders,
        seed=seed,
        vocab=make_vocabulary(seed),
        sender_z=Zipf(senders, s=1.0, q=40),
    )


def make_chunk(first_id: int, count: int) -> Chunk:
    """Generate one batch of rows (runs in a worker process)."""
    started = time.perf_counter()
    total: int = _WORKER["total"]
    v: Vocabulary = _WORKER["vocab"]
    sender_z: Zipf = _WORKER["sender_z"]
    rng = random.Random(_WORKER["seed"] * 1_000_003 + first_id)
    span = DAYS * 86400
    lo = span * (first_id - 1) / total
    hi = span * (first_id - 1 + count) / total
    moments = sorted(_moment(rng, lo, hi) for _ in range(count))
    messages, parts, items, audit = [], [], [], []
    for offset, seconds in enumerate(moments):
        mid = first_id + offset
        sender_id, raw = sender_z(rng)
        local = START + timedelta(seconds=seconds)
        day = int(seconds // 86400)
        show_id = day * 2 + 1 if 6 <= local.hour < 9 else day * 2 + 2 if 19 <= local.hour < 22 else None
        sent = local.replace(microsecond=0) - timedelta(seconds=rng.randint(1, 20))
        received = local.astimezone(UTC).isoformat()
        text = make_text(v, rng)
        encoding, texts = split_parts(text)
        expected = len(texts)
        received_parts = expected
        if expected > 1 and rng.random() < 0.01:  # a part never arrived
            received_parts = expected - 1
            texts = texts[:-1]
            text = "".join(texts) + "\u2026"
        ref = rng.randrange(256) if expected > 1 else None
        pdus = encode_deliver(
            raw, "".join(texts) if expected == received_parts else text, timestamp=sent, concat_ref=ref
        )
        for seq, (ptext, pdu) in enumerate(zip(texts, pdus, strict=False), start=1):
            parts.append(
                (
                    dedupe_key(pdu),
                    received,
                    "SM",
                    rng.randrange(30),
                    pdu,
                    "+6281100000",
                    sender_id,
                    raw,
                    sent.isoformat(),
                    ptext,
                    encoding,
                    ref,
                    expected if expected > 1 else None,
                    seq if expected > 1 else None,
                    mid,
                )
            )
        messages.append(
            (
                mid,
                sender_id,
                raw,
                text,
                received,
                sent.isoformat(),
                expected,
                received_parts,
                int(received_parts == expected),
                ref,
                encoding,
                show_id,
            )
        )
        state = STATES[bisect.bisect_right(STATE_CUM, rng.random() * STATE_CUM[-1])][0]
        initial = state if state in ("spam", "throttled") else "new"
        touched = (local + timedelta(minutes=rng.randint(1, 90))).astimezone(UTC).isoformat()
        screened = state not in ("new", "spam", "throttled")
        category = rng.choice(CATEGORIES) if screened and rng.random() < 0.5 else None
        items.append(
            (
                mid,
                mid,
                show_id,
                state,
                received,
                touched if screened else received,
                category,
                touched if state == "aired" else None,
                show_id if state == "aired" else None,
            )
        )
        audit.append((received, "system", "ingest", "item", mid, "received", None, initial))
        if screened:
            audit.append((touched, "producer", "produser", "item", mid, state, "new", state))
    return Chunk(messages, parts, items, audit, time.perf_counter() - started)


def _moment(rng: random.Random, lo: float, hi: float) -> float:
    """Seconds since START in [lo, hi), busier in the morning and evening shows."""
    day_lo, day_hi = int(lo // 86400), max(int(lo // 86400) + 1, math.ceil(hi / 86400))
    for _ in range(50):
        day = rng.randrange(day_lo, day_hi)
        r = rng.random()
        if r < 0.3:
            hour = rng.uniform(6, 9)
        elif r < 0.55:
            hour = rng.uniform(19, 22)
        else:
            hour = rng.uniform(5, 23.5)
        moment = day * 86400 + hour * 3600
        if lo <= moment < hi:
            return moment
    return rng.uniform(lo, hi)


# --------------------------------------------------------------------------------------
# build
# --------------------------------------------------------------------------------------

INSERT_MESSAGES = (
    "INSERT INTO messages (id, sender_id, sender_raw, text, received_at, sent_at, parts_expected,"
    " parts_received, complete, concat_ref, encoding, show_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
)
INSERT_PARTS = (
    "INSERT INTO parts (dedupe_key, received_at, storage, slot, pdu_hex, smsc, sender_id,"
    " sender_raw, sent_at, text, encoding, concat_ref, concat_parts, concat_seq, message_id)"
    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"
)
INSERT_ITEMS = (
    "INSERT INTO items (id, kind, message_id, show_id, state, created_at, updated_at, category,"
    " aired_at, aired_show_id) VALUES (?, 'sms', ?,?,?,?,?,?,?,?)"
)
INSERT_AUDIT = (
    "INSERT INTO audit (at, actor_role, actor, entity, entity_id, action, from_state, to_state)"
    " VALUES (?,?,?,?,?,?,?,?)"
)


@dataclass
class BuildReport:
    """Where the build time went."""

    messages: int = 0
    parts: int = 0
    total_s: float = 0.0
    generate_s: float = 0.0  # Python row generation (in a worker, overlapping the inserts)
    insert_messages_s: float = 0.0  # messages rows, FTS triggers included in trigger mode
    insert_other_s: float = 0.0  # parts, items, audit
    commit_s: float = 0.0
    fts_fill_s: float = 0.0  # bulk mode: the one INSERT … SELECT into messages_fts
    finish_s: float = 0.0  # sender counters, checkpoint
    fts_mode: str = "trigger"
    per_chunk_ms: list[float] = field(default_factory=list)  # messages insert ms per 1000 rows


def build(path: Path, count: int, fts_mode: str, senders_count: int, seed: int = SEED) -> BuildReport:
    """Create ``path`` through the real schema and fill it with ``count`` messages."""
    report = BuildReport(fts_mode=fts_mode)
    started = time.perf_counter()
    with Store(path) as store:
        conn = store.conn
        conn.execute("PRAGMA synchronous = OFF")  # a bulk build; the real ingest is FULL
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB while building
        senders = make_senders(senders_count, seed)
        now = START.astimezone(UTC).isoformat()
        with transaction(conn):
            conn.executemany(
                "INSERT INTO senders (id, key, e164, raw, kind, masked, operator, name, first_seen,"
                " last_seen) VALUES (?,?,?,?,?,?,?,?,?,?)",
                [(*s, now, now) for s in senders],
            )
            shows = []
            for day in range(DAYS + 1):
                for sid, (name, h0, h1) in enumerate(
                    (("Halo Bojonegoro", 6, 9), ("Malam Campursari", 19, 22)), start=1
                ):
                    d = START + timedelta(days=day)
                    shows.append(
                        (
                            day * 2 + sid,
                            name,
                            (d + timedelta(hours=h0)).astimezone(UTC).isoformat(),
                            (d + timedelta(hours=h1)).astimezone(UTC).isoformat(),
                        )
                    )
            conn.executemany(
                "INSERT INTO shows (id, name, started_at, ended_at, started_by,"
                " ended_by) VALUES (?,?,?,?, 'produser', 'produser')",
                shows,
            )
        trigger_sql = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'messages_fts_insert'"
        ).fetchone()[0]
        if fts_mode == "bulk":
            conn.execute("DROP TRIGGER messages_fts_insert")
        spans = [(first, min(CHUNK, count - first + 1)) for first in range(1, count + 1, CHUNK)]
        ctx = multiprocessing.get_context("fork")
        sender_keys = [(s[0], s[3]) for s in senders]
        in_tx = 0
        with ctx.Pool(1, initializer=_worker_init, initargs=(count, sender_keys, seed)) as pool:
            conn.execute("BEGIN IMMEDIATE")
            for chunk in pool.imap(_make_chunk_star, spans):
                report.generate_s += chunk.seconds
                t0 = time.perf_counter()
                conn.executemany(INSERT_MESSAGES, chunk.messages)
                t1 = time.perf_counter()
                conn.executemany(INSERT_PARTS, chunk.parts)
                conn.executemany(INSERT_ITEMS, chunk.items)
                conn.executemany(INSERT_AUDIT, chunk.audit)
                t2 = time.perf_counter()
                report.insert_messages_s += t1 - t0
                report.insert_other_s += t2 - t1
                report.per_chunk_ms.append((t1 - t0) * 1000 / len(chunk.messages) * 1000)
                report.messages += len(chunk.messages)
                report.parts += len(chunk.parts)
                in_tx += len(chunk.messages)
                if in_tx >= COMMIT_EVERY:
                    t3 = time.perf_counter()
                    conn.execute("COMMIT")
                    report.commit_s += time.perf_counter() - t3
                    conn.execute("BEGIN IMMEDIATE")
                    in_tx = 0
                _progress(f"built {report.messages:,}/{count:,} messages")
            t3 = time.perf_counter()
            conn.execute("COMMIT")
            report.commit_s += time.perf_counter() - t3
        if fts_mode == "bulk":
            t0 = time.perf_counter()
            with transaction(conn):
                conn.execute(
                    "INSERT INTO messages_fts (rowid, text, sender_name) SELECT m.id, m.text,"
                    " coalesce(s.name, '') FROM messages m JOIN senders s ON s.id = m.sender_id"
                )
                conn.execute(trigger_sql)
            report.fts_fill_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        with transaction(conn):
            conn.execute(
                "UPDATE senders SET message_count = agg.n, first_seen = agg.f, last_seen = agg.l "
                "FROM (SELECT sender_id, count(*) AS n, min(received_at) AS f, max(received_at) AS l"
                " FROM messages GROUP BY sender_id) AS agg WHERE agg.sender_id = senders.id"
            )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        report.finish_s = time.perf_counter() - t0
    _progress("")
    report.total_s = time.perf_counter() - started
    return report


def _make_chunk_star(span: tuple[int, int]) -> Chunk:
    return make_chunk(*span)


def _progress(text: str) -> None:
    if sys.stderr.isatty():
        sys.stderr.write("\r" + text.ljust(60) + ("\n" if not text else ""))
        sys.stderr.flush()


# --------------------------------------------------------------------------------------
# measure
# --------------------------------------------------------------------------------------


@dataclass
class Timing:
    """Latencies of one operation, in milliseconds."""

    name: str
    samples: list[float]
    rows: int = 0
    hits: int | None = None  # how many messages match, for searches

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p99(self) -> float:
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]


def timeit(
    fn: Callable[[], int], *, reps: int = 60, budget_s: float = 3.0, min_reps: int = 5
) -> tuple[list[float], int]:
    """Run ``fn`` (which returns a row count) after one warm-up; samples in ms."""
    rows = fn()
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(samples) < reps and (len(samples) < min_reps or time.perf_counter() < deadline):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples, rows


COLUMNS = (
    "m.id, m.sender_raw, s.key, s.masked, s.name, m.text, m.received_at, m.sent_at,"
    " m.parts_expected, m.parts_received, m.complete, coalesce(i.state, 'new'), m.show_id"
)  # what Store.messages selects


def like_messages(
    conn: sqlite3.Connection,
    words: Iterable[str],
    limit: int = 100,
    before_id: int | None = None,
    state: str | None = None,
) -> int:
    """The peer: what Kalkun / gammu-smsd SQL back-ends do — ``text LIKE '%word%'`` per word."""
    where = ["m.text LIKE ?" for _ in words]
    args: list[Any] = [f"%{w}%" for w in words]
    if before_id is not None:
        where.append("m.id < ?")
        args.append(before_id)
    if state is not None:
        where.append("coalesce(i.state, 'new') = ?")
        args.append(state)
    sql = (
        f"SELECT {COLUMNS} FROM messages m JOIN senders s ON s.id = m.sender_id"
        " LEFT JOIN items i ON i.message_id = m.id WHERE "
        + " AND ".join(where)
        + " ORDER BY m.id DESC LIMIT ?"
    )
    return len(conn.execute(sql, [*args, limit]).fetchall())


def explain(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> str:
    """The query plan, one line per step, indented like the sqlite3 shell."""
    rows = conn.execute("EXPLAIN QUERY PLAN " + sql, args).fetchall()
    depth: dict[int, int] = {0: 0}
    lines = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, 0) + 1
        lines.append("    " + "  " * depth[node] + detail)
    return "\n".join(lines)


@dataclass(frozen=True)
class SearchCase:
    """One search as a screen would ask it."""

    label: str
    query: str
    before_id: int | None = None
    state: str | None = None


def search_cases(v: Vocabulary, count: int) -> list[SearchCase]:
    """Common, middling, rare and absent words; two words; typing; names; deep pages."""
    unique = [d for d in v.desa if v.desa.count(d) == 1 and d not in v.kecamatan and " " not in d]
    rare_desa = unique[-1]
    mid_desa = unique[40]
    rare_name = v.rare_names[-1]
    middle = count // 2
    return [
        SearchCase("common: jalan", "jalan"),
        SearchCase("common: lampu", "lampu"),
        SearchCase("common: rusak", "rusak"),
        SearchCase("common: sampah", "sampah"),
        SearchCase("middling: PDAM", "PDAM"),
        SearchCase("middling: pupuk", "pupuk"),
        SearchCase("middling: puskesmas", "puskesmas"),
        SearchCase("middling: KTP", "KTP"),
        SearchCase(f"desa: {mid_desa}", mid_desa),
        SearchCase(f"rare desa: {rare_desa}", rare_desa),
        SearchCase(f"rare name: {rare_name}", rare_name),
        SearchCase("diacritic: sate (saté)", "sate"),
        SearchCase("absent: kualalumpur", "kualalumpur"),
        SearchCase("two: jalan rusak", "jalan rusak"),
        SearchCase("two: lampu mati", "lampu mati"),
        SearchCase("two: pupuk langka", "pupuk langka"),
        SearchCase(f"two: banjir {rare_desa}", f"banjir {rare_desa}"),
        SearchCase("two rare: wereng tikus", "wereng tikus"),
        SearchCase("typing: pusk", "pusk"),
        SearchCase("typing: jalan ru", "jalan ru"),
        SearchCase("typing: j", "j"),
        SearchCase("name: Darto", "Darto"),
        SearchCase("jalan, page at middle", "jalan", before_id=middle),
        SearchCase(f"{rare_desa}, page at middle", rare_desa, before_id=middle),
        SearchCase("jalan + state approved", "jalan", state="approved"),
        SearchCase("jalan + state queued", "jalan", state="queued"),
    ]


@dataclass
class Row:
    """One line of the summary table."""

    name: str
    ours: Timing
    peer: Timing | None = None
    note: str = ""


def messages_sql(store: Store, **kw: Any) -> tuple[str, list[Any]]:
    """The SQL that ``Store.messages(**kw)`` runs (captured without running it, for EXPLAIN)."""
    captured: list[tuple[str, list[Any]]] = []
    conn = store.conn

    class Spy:
        def execute(self, sql: str, args: list[Any]) -> list[Any]:
            captured.append((sql, list(args)))
            return []

    store.conn = Spy()  # type: ignore[assignment]
    try:
        list(store.messages(**kw))
    finally:
        store.conn = conn
    return captured[0] if captured else ("SELECT 1", [])


def ingest_tail(path: Path, count: int) -> Timing:
    """Append ``count`` SMS through the real path: decode, ``store_part`` on a durable store."""
    rng = random.Random(time.time_ns())
    v = make_vocabulary()
    with Store(path) as probe:
        last = probe.conn.execute("SELECT max(received_at) FROM messages").fetchone()[0]
        numbers = [
            r[0]
            for r in probe.conn.execute(
                "SELECT raw FROM senders WHERE kind = 'mobile' ORDER BY message_count DESC LIMIT 2000"
            )
        ]
    moment = datetime.fromisoformat(last) + timedelta(minutes=1)

    def clock() -> datetime:
        return moment

    samples = []
    with Store(path, durable=True, clock=clock) as store:
        for i in range(count):
            moment += timedelta(seconds=rng.randint(5, 120))
            text = make_text(v, rng) + f" #{rng.randrange(10**9)}"
            pdus = encode_deliver(
                rng.choice(numbers), text, timestamp=moment.astimezone(WIB), concat_ref=rng.randrange(256)
            )
            for slot, pdu in enumerate(pdus):
                t0 = time.perf_counter()
                store.store_part(decode(pdu), pdu, storage="SM", slot=slot)
                samples.append((time.perf_counter() - t0) * 1000)
            if i % 50 == 0:
                _progress(f"ingest tail {i}/{count}")
    _progress("")
    return Timing("ingest: store_part, durable (one part)", samples, rows=len(samples))


def measure(path: Path, count: int, rows_out: list[Row], plans: list[str]) -> dict[str, Any]:
    """Run every query against ``path``; append table rows and plans of slow queries."""
    v = make_vocabulary()
    facts: dict[str, Any] = {}
    t0 = time.perf_counter()
    store = Store(path)
    facts["open_ms"] = (time.perf_counter() - t0) * 1000
    t0 = time.perf_counter()
    first = list(store.messages(limit=100, newest_first=True))
    facts["first_page_ms"] = (time.perf_counter() - t0) * 1000
    conn = store.conn
    total = conn.execute("SELECT max(id) FROM messages").fetchone()[0]
    middle = total // 2
    facts["messages"] = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
    facts["fts_segments"] = conn.execute("SELECT count(DISTINCT segid) FROM messages_fts_idx").fetchone()[0]
    assert len(first) == 100

    def fts_hits(q: str) -> int:
        query = fts_query(q)
        if query is None:
            return 0
        return conn.execute(
            "SELECT count(*) FROM messages_fts WHERE messages_fts MATCH ?", (query,)
        ).fetchone()[0]

    def add(
        name: str,
        fn: Callable[[], int],
        peer: Callable[[], int] | None = None,
        sql: tuple[str, list[Any]] | None = None,
        hits: int | None = None,
        note: str = "",
        reps: int = 60,
    ) -> None:
        samples, nrows = timeit(fn, reps=reps)
        ours = Timing(name, samples, nrows, hits)
        other = None
        if peer is not None:
            psamples, prows = timeit(peer, reps=20, budget_s=4.0, min_reps=3)
            other = Timing("LIKE", psamples, prows)
        rows_out.append(Row(name, ours, other, note))
        if sql is not None and ours.p50 > SLOW_MS:
            plans.append(
                f"  {name}: p50 {ours.p50:.1f} ms\n    {sql[0].split()[0]} …"
                f" {' '.join(sql[0].split())[-160:]}\n{explain(conn, *sql)}"
            )
        _progress(f"measured {name}")

    # pages
    add(
        "newest 100",
        lambda: len(list(store.messages(limit=100, newest_first=True))),
        sql=messages_sql(store, limit=100, newest_first=True),
    )
    add(
        "page at middle (before_id)",
        lambda: len(list(store.messages(before_id=middle, limit=100, newest_first=True))),
        sql=messages_sql(store, before_id=middle, limit=100, newest_first=True),
    )
    add("oldest 100 (after_id=0)", lambda: len(list(store.messages(after_id=0, limit=100))))
    add("tail poll (after_id = max-5)", lambda: len(list(store.messages(after_id=total - 5))))
    add("one message by id", lambda: int(store.message(middle) is not None))
    for state in ("approved", "new", "aired", "queued"):
        hits = conn.execute("SELECT count(*) FROM items WHERE state = ?", (state,)).fetchone()[0]
        add(
            f"state {state}, newest 100",
            lambda state=state: len(list(store.messages(state=state, limit=100, newest_first=True))),
            sql=messages_sql(store, state=state, limit=100, newest_first=True),
            hits=hits,
        )
    add(
        "state approved, page at middle",
        lambda: len(list(store.messages(state="approved", before_id=middle, limit=100, newest_first=True))),
        sql=messages_sql(store, state="approved", before_id=middle, limit=100, newest_first=True),
    )
    since = conn.execute("SELECT received_at FROM messages WHERE id = ?", (max(1, total - 2000),)).fetchone()[
        0
    ]
    add(
        "since (last ~2000), newest 100",
        lambda: len(list(store.messages(since=since, limit=100, newest_first=True))),
        sql=messages_sql(store, since=since, limit=100, newest_first=True),
    )

    # searches, each beside the LIKE scan
    for case in search_cases(v, total):
        words = case.query.split()
        add(
            f"search {case.label}",
            lambda c=case: len(
                list(
                    store.messages(
                        search=c.query, before_id=c.before_id, state=c.state, limit=100, newest_first=True
                    )
                )
            ),
            peer=lambda w=words, c=case: like_messages(conn, w, before_id=c.before_id, state=c.state),
            sql=messages_sql(
                store,
                search=case.query,
                before_id=case.before_id,
                state=case.state,
                limit=100,
                newest_first=True,
            ),
            hits=fts_hits(case.query),
        )

    # change detection
    watcher = store.watcher()
    samples, _ = timeit(lambda: int(watcher.changed()), reps=20_000, budget_s=2.0)
    rows_out.append(Row("PRAGMA data_version poll", Timing("poll", samples, 1)))
    store.close()

    # opening a store (what every screen does at start)
    samples, _ = timeit(lambda: _open_close(path), reps=30)
    rows_out.append(Row("open Store (schema check)", Timing("open", samples, 0)))
    return facts


# The query forms proposed for Store.messages (not in the store yet), measured beside the
# current ones in the same run: search driven by the FTS index in rowid order (the LIMIT
# stops the scan), and state pages driven by an index on items (state, message_id).
PROPOSED_SEARCH = (
    f"SELECT {COLUMNS} FROM messages_fts f JOIN messages m ON m.id = f.rowid"
    " JOIN senders s ON s.id = m.sender_id LEFT JOIN items i ON i.message_id = m.id"
    " WHERE messages_fts MATCH ? {extra} ORDER BY f.rowid DESC LIMIT 100"
)
PROPOSED_STATE = (
    f"SELECT {COLUMNS} FROM items i JOIN messages m ON m.id = i.message_id"
    " JOIN senders s ON s.id = m.sender_id WHERE i.state = ? {extra}"
    " ORDER BY i.message_id DESC LIMIT 100"
)
PROPOSED_INDEX = "CREATE INDEX IF NOT EXISTS bench_items_state_message ON items (state, message_id)"


def measure_proposed(path: Path, rows_out: list[Row]) -> float:
    """Current vs proposed query forms; returns the seconds the proposed index took to build."""
    v = make_vocabulary()
    store = Store(path)
    conn = store.conn
    total = conn.execute("SELECT max(id) FROM messages").fetchone()[0]
    middle = total // 2

    def pair(name: str, current: Callable[[], int], proposed: Callable[[], int], note: str = "") -> None:
        cur, cur_rows = timeit(current, reps=30, budget_s=3.0, min_reps=5)
        new, new_rows = timeit(proposed, reps=30, budget_s=3.0, min_reps=5)
        note = note or ("" if cur_rows == new_rows else f"rows {cur_rows} vs {new_rows}")
        rows_out.append(Row(name, Timing("proposed", new, new_rows), Timing("current", cur, cur_rows), note))
        _progress(f"measured proposed {name}")

    def fts(q: str, before: int | None = None, prefix: bool = True) -> Callable[[], int]:
        extra, args = ("AND f.rowid < ?", [before]) if before is not None else ("", [])
        sql = PROPOSED_SEARCH.format(extra=extra)
        query = fts_query(q, prefix_last=prefix)
        return lambda: len(conn.execute(sql, [query, *args]).fetchall())

    def current(q: str, before: int | None = None, state: str | None = None) -> Callable[[], int]:
        return lambda: len(
            list(store.messages(search=q, before_id=before, state=state, limit=100, newest_first=True))
        )

    rare = [d for d in v.desa if v.desa.count(d) == 1 and d not in v.kecamatan and " " not in d][-1]
    for q in ("jalan", "lampu mati", "pusk", "j", rare):
        pair(f"search {q}: FTS rowid order", current(q), fts(q))
    pair("search jalan, page at middle: FTS order", current("jalan", middle), fts("jalan", middle))
    pair(
        "search jalan: + exact last word (no *)",
        current("jalan"),
        fts("jalan", prefix=False),
        note="prefix cost",
    )
    pair(
        "search jalan, middle: + exact last word",
        current("jalan", middle),
        fts("jalan", middle, prefix=False),
        note="prefix cost",
    )

    t0 = time.perf_counter()
    conn.execute(PROPOSED_INDEX)
    index_s = time.perf_counter() - t0
    try:
        for state in ("approved", "new", "queued"):
            for before in (None, middle):
                extra, args = ("AND i.message_id < ?", [before]) if before else ("", [])
                sql = PROPOSED_STATE.format(extra=extra)
                pair(
                    f"state {state}{', page at middle' if before else ''}: items index",
                    lambda state=state, before=before: len(
                        list(store.messages(state=state, before_id=before, limit=100, newest_first=True))
                    ),
                    lambda sql=sql, state=state, args=args: len(conn.execute(sql, [state, *args]).fetchall()),
                )
    finally:
        conn.execute("DROP INDEX IF EXISTS bench_items_state_message")
        store.close()
    return index_s


def measure_prefix_index(path: Path, rows_out: list[Row]) -> dict[str, float]:
    """The FTS table as it is and with ``prefix = '1 2 3'``, filled from ``path`` in scratch files.

    Prefix queries ("pusk*", what the last word of every search is) make FTS5 merge the
    whole doclists of every matching term before the first row comes out; a prefix index
    keeps ready-made doclists for prefixes of 1-3 characters.
    """
    facts: dict[str, float] = {}
    tables = {"as is": "", "prefix 1 2 3": ", prefix = '1 2 3'"}
    conns: dict[str, sqlite3.Connection] = {}
    scratch = Path(tempfile.mkdtemp(prefix="store_scale_fts_"))
    try:
        for label, option in tables.items():
            conn = sqlite3.connect(scratch / f"{len(conns)}.sqlite3", isolation_level=None)
            conn.execute(f"ATTACH '{path}' AS src")
            conn.execute(
                "CREATE VIRTUAL TABLE f USING fts5 (text, sender_name, "
                f"tokenize = 'unicode61 remove_diacritics 2'{option})"
            )
            t0 = time.perf_counter()
            conn.execute(
                "INSERT INTO f (rowid, text, sender_name) SELECT m.id, m.text, coalesce(s.name, '')"
                " FROM src.messages m JOIN src.senders s ON s.id = m.sender_id"
            )
            facts[f"{label} fill s"] = time.perf_counter() - t0
            facts[f"{label} MiB"] = (
                conn.execute("SELECT sum(length(block)) FROM f_data").fetchone()[0] / 2**20
            )
            conns[label] = conn
            _progress(f"prefix index: filled {label}")
        sql = "SELECT rowid FROM f WHERE f MATCH ? ORDER BY rowid DESC LIMIT 100"
        for q in ("j", "ja", "jal", "pusk", "jalan", "jalan ru"):
            query = fts_query(q)
            samples = {
                label: timeit(lambda c=c, q=query: len(c.execute(sql, [q]).fetchall()), reps=20, budget_s=2.0)
                for label, c in conns.items()
            }
            (cur, cur_rows), (new, new_rows) = samples["as is"], samples["prefix 1 2 3"]
            rows_out.append(
                Row(
                    f"FTS only, {q!r}*: prefix='1 2 3'",
                    Timing("p", new, new_rows),
                    Timing("c", cur, cur_rows),
                )
            )
    finally:
        for conn in conns.values():
            conn.close()
        shutil.rmtree(scratch, ignore_errors=True)
    return facts


def _open_close(path: Path) -> int:
    Store(path).close()
    return 0


def rename_busiest(path: Path) -> Row:
    """Set then clear the name of the busiest sender: the trigger rewrites their FTS rows."""
    with Store(path) as store:
        raw, n = store.conn.execute(
            "SELECT raw, message_count FROM senders WHERE kind = 'mobile' ORDER BY message_count DESC LIMIT 1"
        ).fetchone()
        old = store.sender(raw)["name"]
        samples = []
        for name in ("Pak Benchmark Kalitidu", "Bu Benchmark Dander", old):
            t0 = time.perf_counter()
            store.set_sender_name(raw, name)
            samples.append((time.perf_counter() - t0) * 1000)
        found = len(list(store.messages(search="Benchmark")))
    return Row(
        f"set_sender_name, busiest sender ({n:,} msgs)",
        Timing("rename", samples, n),
        note=f"{found} found by name after restoring (0 expected)",
    )


# --------------------------------------------------------------------------------------
# report
# --------------------------------------------------------------------------------------


def sizes(path: Path) -> tuple[int, int]:
    """Bytes of the database file and its WAL."""
    wal = path.with_name(path.name + "-wal")
    return path.stat().st_size, (wal.stat().st_size if wal.exists() else 0)


def table_sizes(path: Path) -> list[tuple[str, int]]:
    """Bytes per table/index (dbstat), largest first, when the SQLite build has dbstat."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC").fetchall()
    except sqlite3.OperationalError:
        rows = []
    finally:
        conn.close()
    return rows


def mib(n: float) -> str:
    return f"{n / 2**20:,.1f} MiB"


def print_table(rows: list[Row], peer: str = "LIKE", ours: str = "") -> None:
    """The summary: ours p50/p99 (ms), rows, hits; the peer's p50/p99 and peer/ours."""
    print(
        f"{'operation':<44} {ours + 'p50 ms':>8} {'p99 ms':>8} {'n':>6} {'rows':>5} {'hits':>8}"
        f" | {peer + ' p50':>11} {peer + ' p99':>11} {peer[:4] + '/ours':>9}"
    )
    print("-" * 128)
    for row in rows:
        o = row.ours
        hits = "" if o.hits is None else f"{o.hits:,}"
        line = (
            f"{row.name[:44]:<44} {_ms(o.p50):>8} {_ms(o.p99):>8} {len(o.samples):>6} {o.rows:>5} {hits:>8}"
        )
        if row.peer is not None:
            p = row.peer
            ratio = p.p50 / o.p50 if o.p50 > 0 else float("inf")
            flag = "" if p.rows == o.rows or row.note else f"  ({peer} rows {p.rows})"
            line += f" | {_ms(p.p50):>11} {_ms(p.p99):>11} {ratio:>8.1f}x{flag}"
        if row.note:
            line += f"   {row.note}"
        print(line)


def _ms(value: float) -> str:
    return f"{value:.3f}" if value < 1 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=float, default=1e6, help="messages to build (1e6)")
    parser.add_argument("--quick", action="store_true", help="50,000 messages")
    parser.add_argument(
        "--senders",
        type=int,
        default=None,
        help="distinct senders (default 50,000, scaled down below 1e6 messages)",
    )
    parser.add_argument("--reuse", type=Path, help="measure this database instead of building")
    parser.add_argument("--keep", type=Path, help="build into this file and keep it")
    parser.add_argument(
        "--fts",
        choices=("trigger", "bulk"),
        default="trigger",
        help="fill the FTS index by the schema's triggers (default) or in bulk",
    )
    parser.add_argument(
        "--prefix-index",
        action="store_true",
        help="also fill the FTS index again with and without prefix = '1 2 3' and compare (minutes)",
    )
    parser.add_argument(
        "--tail", type=int, default=TAIL, help=f"messages appended through Store.store_part ({TAIL})"
    )
    args = parser.parse_args(argv)
    count = 50_000 if args.quick else int(args.messages)
    senders = args.senders or max(1000, min(50_000, count // 20))

    tmpdir = None
    report = None
    if args.reuse:
        path = args.reuse
        if not path.exists():
            parser.error(f"{path}: no such database")
    else:
        if args.keep:
            path = args.keep
            if path.exists():
                parser.error(f"{path} exists: use --reuse {path}, or remove it")
        else:
            tmpdir = tempfile.mkdtemp(prefix="store_scale_")
            path = Path(tmpdir) / "studio.sqlite3"
    try:
        print(
            f"SQLite {sqlite3.sqlite_version}, Python {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPUs; database {path}"
        )
        if not args.reuse:
            report = build(path, count, args.fts, senders)
        db_bytes, wal_bytes = sizes(path)
        tail = ingest_tail(path, args.tail) if args.tail else None
        db2, wal2 = sizes(path)
        rows: list[Row] = []
        plans: list[str] = []
        facts = measure(path, count, rows, plans)
        if tail is not None:
            rows.append(Row(tail.name, tail))
        rows.append(rename_busiest(path))
        db3, wal3 = sizes(path)
        proposed: list[Row] = []
        index_s = measure_proposed(path, proposed)

        print()
        if report is not None:
            r = report
            print(
                f"Build ({r.fts_mode} FTS): {r.messages:,} messages, {r.parts:,} parts, "
                f"{senders:,} senders in {r.total_s:.1f} s"
            )
            print(
                f"  messages insert {r.insert_messages_s:.1f} s"
                f" ({'FTS triggers included' if r.fts_mode == 'trigger' else 'no FTS'}), "
                f"parts+items+audit {r.insert_other_s:.1f} s, commits {r.commit_s:.1f} s, "
                f"FTS bulk fill {r.fts_fill_s:.1f} s, counters+checkpoint {r.finish_s:.1f} s; "
                f"row generation {r.generate_s:.1f} s in a worker process, overlapped"
            )
            pc = r.per_chunk_ms
            if len(pc) >= 4:
                q = len(pc) // 4
                print(
                    f"  messages insert per 1000 rows: first quarter "
                    f"{statistics.median(pc[:q]):.1f} ms, last quarter "
                    f"{statistics.median(pc[-q:]):.1f} ms"
                )
        print(
            f"Size {'at start' if args.reuse else 'after build'}: db {mib(db_bytes)} + wal"
            f" {mib(wal_bytes)}; after the tail "
            f"ingest {mib(db2)} + wal {mib(wal2)}; at the end {mib(db3)} + wal {mib(wal3)}"
        )
        tables = table_sizes(path)
        if tables:
            print("  largest: " + ", ".join(f"{n} {mib(b)}" for n, b in tables[:8]))
        print(
            f"Messages {facts['messages']:,}; FTS segments {facts['fts_segments']}; "
            f"open {facts['open_ms']:.1f} ms, first page on a fresh connection "
            f"{facts['first_page_ms']:.1f} ms"
        )
        print()
        print_table(rows)
        print(
            "  (the LIKE peer scans message text only, as Kalkun does; FTS also matches sender names,"
            " whole words only)"
        )
        if plans:
            print(f"\nQueries slower than {SLOW_MS:.0f} ms at the median, with their plans:")
            for plan in plans:
                print(plan)
        print(
            f"\nProposed query forms for Store.messages, same run (items (state, message_id) index "
            f"built in {index_s:.1f} s, then dropped):"
        )
        print_table(proposed, peer="current")
        if args.prefix_index:
            prefix_rows: list[Row] = []
            pfacts = measure_prefix_index(path, prefix_rows)
            print(
                f"\nFTS prefix index, FTS table alone, same run: fill {pfacts['as is fill s']:.1f} s,"
                f" {pfacts['as is MiB']:.1f} MiB as is; {pfacts['prefix 1 2 3 fill s']:.1f} s,"
                f" {pfacts['prefix 1 2 3 MiB']:.1f} MiB with prefix = '1 2 3'"
            )
            print_table(prefix_rows, peer="as is")
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
