"""Transport 2: the complaint as one SMS to LAPOR! 1708, sent through the studio's modem.

The message
-----------
LAPOR! takes ``KEYWORD text`` at 1708 (keyword ``export.sms_keyword``, default ``BJN``)
and says "maximum 160 characters"; how it handles concatenated SMS is unknown, so the
complaint always goes as ONE segment: 160 GSM 7-bit characters, or 70 UCS2 characters
when the text needs them. :func:`fit_message` builds it, and the complaint screen shows
its result (and its ``notes``) to the producer before anything is sent. The rule:

1. **Clean up.** Line breaks, tabs and runs of spaces become single spaces. Control and
   invisible format characters (bidi overrides, zero-width characters) are removed.
2. **Stay in GSM 7-bit when the language allows.** Characters outside the GSM 7-bit
   alphabet are mapped to their plain equivalents: curly quotes to ``'`` and ``"``,
   dashes to ``-``, ``…`` to ``...``, non-breaking and other spaces to a space, accented
   letters to their base letter (``á`` -> ``a``; ``é``, ``ü``, ``ñ`` … are GSM 7-bit
   already), full-width and other compatibility forms to their plain form, other digits
   to ``0-9``. Emoji and symbols with no equivalent are dropped. Only when letters with
   no GSM 7-bit form remain (Javanese script, Arabic, Chinese, Greek small letters …) does
   the message go as UCS2: then letters, marks and punctuation are kept as written
   (quotes and dashes are still mapped; emoji and symbols still dropped).
3. **The body** is ``isi``, then ``Lokasi: <desa>, <kecamatan>, <detail>``. Names are used
   (from the payload when it carries them, else from the bundled Kepmendagri list), codes
   only when no name is known; a period separates isi from the location when isi does
   not end with one.
4. **Shorten, in this order, until it fits** (GSM 7-bit extension characters
   ``€ [ ] { } ~ ^ \\ |`` count as 2; characters outside the Basic Multilingual Plane
   count as 2 in UCS2): drop the location ``detail``; then cut ``isi`` at a word boundary
   (inside a word only when one word is longer than half the room) and end it with
   ``..``, keeping the location; when that would leave fewer than :data:`MIN_ISI`
   characters of isi, drop the location too and cut isi to the whole room. When the only
   letters needing UCS2 are in isi, the cut is also tried in GSM 7-bit, ending before the
   first of them, and the cut that keeps more of isi is sent: UCS2 is used only when the
   letters that need it stay in the message.

Anonim is already applied to the payload (``model.to_payload``); the reporter
(``pelapor``) is never added.

Exactly once
------------
:class:`Sms1708Transport` writes the intent (``sent_sms`` row, purpose ``lapor``,
state ``sending``, the outbox idempotency key) durably BEFORE it asks the modem, then
records the TP-MR and marks it ``sent``. An intent found ``sending`` means the console
stopped (or the modem failed) mid-way: the SMS may have gone, so the transport refuses
with :class:`~studio_console.complaints.outbox.PermanentError` whose message starts with
:data:`UNCERTAIN` (``sms_uncertain:``, for the screens to recognise) and a person checks
(LAPOR!'s reply SMS, lapor.go.id). Their "retry" (``outbox.retry(...,
resend_uncertain=True)``) calls :func:`release_uncertain` first. A modem that was not ready
(:class:`~drivers.gsm.modem.ModemNotReady`, e.g. unplugged between the state check and the
send) or answered with an error proves nothing went: the intent is ``failed`` and the
outbox tries again later.

One at a time
-------------
LAPOR!'s reply names no complaint; it is matched by time
(:mod:`~studio_console.complaints.lapor_reply`). So the transport sends one complaint and
waits for its reply: while another SMS to 1708 sent less than
:data:`~studio_console.complaints.lapor_reply.REPLY_WINDOW` ago has had no reply (and its
delivery did not fail), the next one raises :class:`~studio_console.complaints.outbox.Deferred`
(reason :data:`AWAITING_REPLY`): the outbox reschedules it without counting an attempt,
and the matcher makes it due as soon as the reply is filed.

Delivery reports (``+CDS``) are stored and matched to ``sent_parts`` by the ingest
service; :func:`delivery_state` reads a complaint's outcome for the screens and the CLI.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from drivers.gsm import gsm7
from drivers.gsm.at import AtError
from drivers.gsm.modem import ModemNotReady
from drivers.gsm.pdu import PduError
from studio_console.complaints.export_payload import lokasi_names
from studio_console.complaints.lapor_reply import REPLY_WINDOW, awaiting_reply
from studio_console.complaints.outbox import Deferred, PermanentError, Receipt, TransientError
from studio_console.store import Store

__all__ = [
    "AWAITING_REPLY",
    "CUT_MARK",
    "GSM7_LIMIT",
    "MIN_ISI",
    "NOTES",
    "UCS2_LIMIT",
    "UNCERTAIN",
    "DeliveryState",
    "FittedSms",
    "Sms1708Transport",
    "delivery_state",
    "fit_message",
    "fit_text",
    "is_uncertain",
    "normalise",
    "release_uncertain",
    "send_once",
]

GSM7_LIMIT = 160
UCS2_LIMIT = 70
CUT_MARK = ".."
MIN_ISI = 20
"""Characters of isi the location may not push below; under this the location goes."""
KEYWORD_MAX = 20
UNCERTAIN = "sms_uncertain"
"""The code that starts the error (``sms_uncertain: …``, an outbox row's ``last_error``) of
an SMS that may already have gone: a person must check before it is sent again."""
AWAITING_REPLY = "sms_awaiting_reply"
"""The code that starts the reason of a ``deferred`` attempt of an SMS to 1708 waiting for
LAPOR!'s reply to the previous one."""
NOTES = ("normalised", "ucs2", "detail_dropped", "isi_cut", "location_dropped", "empty")
"""The stable codes of :attr:`FittedSms.notes` (the screens translate them):

- ``normalised``: characters were mapped to GSM 7-bit equivalents or dropped;
- ``ucs2``: letters with no GSM 7-bit form: 70 characters, not 160;
- ``detail_dropped``: the location detail did not fit;
- ``isi_cut``: isi was cut (``removed`` holds the rest);
- ``location_dropped``: the location did not fit beside enough of isi;
- ``empty``: there is no text to send beside the keyword.
"""

# Characters outside GSM 7-bit with a plain equivalent (applied in both encodings).
_MAP = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u2035\u00b4`\u2039\u203a\u02bc\u02bb", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u2036\u00ab\u00bb\u301d\u301e", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d", "-"),
    **dict.fromkeys("\u2022\u2023\u25e6\u2219\u25aa\u25cf", "-"),
    "\u2026": "...",
    "\u00b7": ".",
    "\u2044": "/",
    "\u00d7": "x",
    "\u00f7": ":",
    "\u00a9": "(c)",
    "\u00ae": "(r)",
    "\u0153": "oe",
    "\u0152": "OE",
    "\u0111": "d",
    "\u0110": "D",
    "\u0142": "l",
    "\u0141": "L",
    "\u0131": "i",
}
_EXTENSION = frozenset(gsm7.EXTENSION_TABLE.values())
_SENTENCE_END = (".", "!", "?")
_TRIM_AT_CUT = " ,;:-.!?/"


# ---------------------------------------------------------------- fitting
@dataclass(frozen=True)
class FittedSms:
    """The exact text that goes out, and what fitting it into one segment did.

    Attributes:
        text: the message, as sent.
        encoding: ``"gsm7"`` or ``"ucs2"``.
        length: its length in the segment's units (GSM 7-bit septets, extension
            characters counting 2; UCS2 code units).
        limit: 160 (GSM 7-bit) or 70 (UCS2).
        shortened: something of the complaint was left out.
        removed: the part of isi that was cut ("" when none).
        notes: stable codes of what happened (:data:`NOTES`), for the producer.
    """

    text: str
    encoding: str
    length: int
    limit: int
    shortened: bool
    removed: str = ""
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Clean:
    text: str
    needs_ucs2: bool
    changed: bool


def _fold(ch: str) -> str | None:
    """The GSM 7-bit equivalent of one character, or None when it has none."""
    if ch in _MAP:
        return _MAP[ch]
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    decomposed = unicodedata.normalize("NFKD", ch)
    base = "".join(_MAP.get(c, c) for c in decomposed if not unicodedata.combining(c))
    if base and base != ch and gsm7.can_encode(base):
        return base
    return None


def _clean(text: str, ucs2: bool) -> _Clean:
    """One pass of the rule (steps 1-2) for one encoding; see the module docstring."""
    out: list[str] = []
    needs_ucs2 = changed = False
    for ch in unicodedata.normalize("NFC", text):
        if ch.isspace():
            out.append(" ")
            continue
        if gsm7.can_encode(ch) and ch >= " ":
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if ucs2 and (category[0] in "LNM" or category[0] == "P"):
            mapped = _MAP.get(ch, ch)
            changed |= mapped != ch
            out.append(mapped)
            continue
        folded = None if category[0] == "C" else _fold(ch)
        if folded is not None:
            out.append(folded)
        elif category[0] in "LN":
            needs_ucs2 = True
            out.append(ch)  # kept only by the UCS2 pass
            continue
        changed = True
    return _Clean(" ".join("".join(out).split()), needs_ucs2, changed)


def normalise(text: str | None, *, ucs2: bool | None = None) -> tuple[str, bool, bool]:
    """Steps 1-2 of the rule on one text: ``(text, needs_ucs2, changed)``.

    With ``ucs2=None`` the encoding is chosen from the text itself; pass ``True`` to
    clean a text that will share a UCS2 message with another.
    """
    text = text or ""
    if ucs2 is None:
        first = _clean(text, False)
        if not first.needs_ucs2:
            return first.text, False, first.changed
        ucs2 = True
    if ucs2:
        second = _clean(text, True)
        return second.text, True, second.changed
    first = _clean(text, False)
    return first.text, first.needs_ucs2, first.changed


def _cost(ch: str, encoding: str) -> int:
    if encoding == "gsm7":
        return 2 if ch in _EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def _measure(text: str, encoding: str) -> int:
    return sum(_cost(ch, encoding) for ch in text)


def _cut(text: str, room: int, encoding: str) -> tuple[str, str]:
    """``text`` cut to at most ``room`` units at a word boundary: (kept, removed)."""
    if room <= 0:
        return "", text
    used = end = 0
    for end, ch in enumerate(text):  # noqa: B007 - end is read after the loop
        used += _cost(ch, encoding)
        if used > room:
            break
    else:
        return text, ""
    space = text.rfind(" ", 0, end + 1)
    kept = text[:space] if space > 0 and _measure(text[:space], encoding) * 2 >= room else text[:end]
    kept = kept.rstrip(_TRIM_AT_CUT)
    return kept, text[len(kept) :].strip()


def _lokasi_names(lokasi: Mapping[str, Any], places: Any) -> tuple[str, str]:
    """(``desa, kecamatan`` by name where known, else by code; the detail)."""
    kecamatan, desa = lokasi_names(lokasi, places)
    desa_part = desa or lokasi.get("desa_code") or None
    kecamatan_part = kecamatan or lokasi.get("kecamatan_code") or None
    parts = [str(p) for p in (desa_part, kecamatan_part) if p]
    return ", ".join(parts), str(lokasi.get("detail") or "")


def _join(keyword: str, isi: str, location: str) -> str:
    body = isi
    if location:
        if body:
            body += (" " if body.endswith(_SENTENCE_END) else ". ") + "Lokasi: " + location
        else:
            body = "Lokasi: " + location
    return f"{keyword} {body}".strip() if keyword else body


def _limit(encoding: str) -> int:
    return GSM7_LIMIT if encoding == "gsm7" else UCS2_LIMIT


@dataclass(frozen=True)
class _Candidate:
    text: str
    encoding: str
    changed: bool
    kept: str  # the isi in the text (without the cut mark)
    removed: str


def _needs_ucs2(text: str) -> bool:
    return normalise(text)[1]


def _whole(keyword: str, isi: str, location: str) -> _Candidate | None:
    """Everything as it is (cleaned), when it fits."""
    ucs2 = any(_needs_ucs2(t) for t in (keyword, isi, location))
    encoding = "ucs2" if ucs2 else "gsm7"
    (k, k_changed), (i, i_changed), (loc, l_changed) = (
        normalise(t, ucs2=ucs2)[::2] for t in (keyword, isi, location)
    )
    text = _join(k, i, loc)
    if _measure(text, encoding) > _limit(encoding):
        return None
    return _Candidate(text, encoding, k_changed or i_changed or l_changed, i, "")


def _first_not_gsm(text: str) -> int:
    return next((n for n, ch in enumerate(text) if not gsm7.can_encode(ch)), len(text))


def _cut_isi(keyword: str, isi: str, location: str, min_isi: int) -> _Candidate | None:
    """isi cut to the room left beside keyword and location, ending with ``..``; None when
    less than ``min_isi`` would be left.

    When only isi needs UCS2, a GSM 7-bit message of isi up to its first letter with no
    GSM 7-bit form is tried as well, and the one that keeps more of isi wins: UCS2 is used
    only when the letters that need it stay in the message.
    """
    options: list[_Candidate] = []
    ucs2 = any(_needs_ucs2(t) for t in (keyword, isi, location))
    (k, k_changed), (i, i_changed), (loc, l_changed) = (
        normalise(t, ucs2=ucs2)[::2] for t in (keyword, isi, location)
    )
    fixed = (k + " " if k else "") + (" Lokasi: " + loc if loc else "") + CUT_MARK
    encoding = "ucs2" if ucs2 else "gsm7"
    room = _limit(encoding) - _measure(fixed, encoding)
    if room >= min_isi:
        kept, removed = _cut(i, room, encoding)
        text = _join(k, kept + CUT_MARK, loc)
        options.append(_Candidate(text, encoding, k_changed or i_changed or l_changed, kept, removed))
    if ucs2 and not _needs_ucs2(keyword) and not _needs_ucs2(location):
        (k, k_changed), (loc, l_changed) = (normalise(t, ucs2=False)[::2] for t in (keyword, location))
        folded, _, i_changed = normalise(isi, ucs2=False)
        head = folded[: _first_not_gsm(folded)]
        fixed = (k + " " if k else "") + (" Lokasi: " + loc if loc else "") + CUT_MARK
        room = GSM7_LIMIT - _measure(fixed, "gsm7")
        if room >= min_isi:
            kept, _ = _cut(head, room, "gsm7")
            kept = kept.rstrip(_TRIM_AT_CUT)
            removed = folded[len(kept) :].strip()
            text = _join(k, kept + CUT_MARK, loc)
            options.append(_Candidate(text, "gsm7", k_changed or i_changed or l_changed, kept, removed))
    if not options:
        return None
    return max(options, key=lambda c: (len(c.kept), c.encoding == "gsm7"))


def _result(found: _Candidate, notes: list[str]) -> FittedSms:
    notes = list(notes)
    if found.encoding == "ucs2":
        notes.insert(0, "ucs2")
    if found.changed:
        notes.insert(0, "normalised")
    if not found.kept:
        notes.append("empty")
    shortened = any(n in notes for n in ("detail_dropped", "isi_cut", "location_dropped"))
    return FittedSms(
        found.text,
        found.encoding,
        _measure(found.text, found.encoding),
        _limit(found.encoding),
        shortened,
        found.removed,
        notes,
    )


def _fit(keyword: str, isi: str, location: str, detail: str) -> FittedSms:
    """Steps 3-4 of the rule on raw parts (cleaning happens here)."""
    full_location = ", ".join(p for p in (location, detail) if normalise(p)[0])
    found = _whole(keyword, isi, full_location)
    if found is not None:
        return _result(found, [])
    notes: list[str] = []
    if normalise(detail)[0]:
        notes.append("detail_dropped")
        found = _whole(keyword, isi, location)
        if found is not None:
            return _result(found, notes)
    if normalise(location)[0]:
        found = _cut_isi(keyword, isi, location, MIN_ISI)
        if found is not None:
            return _result(found, [*notes, "isi_cut"])
        notes.append("location_dropped")
        found = _whole(keyword, isi, "")
        if found is not None:
            return _result(found, notes)
    found = _cut_isi(keyword, isi, "", 0)
    assert found is not None  # the keyword is short: there is always room
    return _result(found, [*notes, "isi_cut"])


def fit_message(keyword: str, payload: Mapping[str, Any], *, places: Any = None) -> FittedSms:
    """The exact SMS for LAPOR! 1708: ``KEYWORD text`` in one segment (the module's rule).

    Args:
        keyword: ``export.sms_keyword`` (``BJN``).
        payload: ``model.to_payload(complaint)``; ``isi`` and ``lokasi`` are used.
        places: the kecamatan/desa list for names (default: the bundled one).

    Returns:
        The fitted message; ``encode_submit`` makes exactly one SMS-SUBMIT of its text.

    Raises:
        ValueError: the keyword is longer than :data:`KEYWORD_MAX` characters.
    """
    keyword = str(keyword or "")
    if len(normalise(keyword)[0]) > KEYWORD_MAX:
        raise ValueError(f"the SMS keyword {keyword!r} is longer than {KEYWORD_MAX} characters")
    lokasi = payload.get("lokasi")
    location, detail = _lokasi_names(lokasi if isinstance(lokasi, Mapping) else {}, places)
    return _fit(keyword, str(payload.get("isi") or ""), location, detail)


def fit_text(text: str) -> FittedSms:
    """Any text (the reply to a citizen) fitted into one segment by the same rule:
    cleaned, kept in GSM 7-bit when it can be, cut at a word boundary with ``..``."""
    return _fit("", str(text or ""), "", "")


# ---------------------------------------------------------------- sending once
class SmsModem(Protocol):
    """What the SMS transports need of the modem driver (``drivers.gsm.modem.Modem``)."""

    @property
    def state(self) -> str: ...

    def send_sms(self, number: str, text: str, request_status_report: bool = False) -> list[int]: ...


Clock = Callable[[], datetime]


def _refused(exc: BaseException) -> bool:
    """True when the failure proves the message did not go: the modem was not ready (nothing
    was asked of it), answered the send with an error result (``+CMS ERROR``, ``+CME ERROR``,
    ``ERROR``), or the message could not be encoded.

    A timeout, a lost connection mid-send or anything else leaves the outcome unknown.
    """
    if isinstance(exc, ModemNotReady):
        return True
    cause = getattr(exc, "cause", None)
    return isinstance(cause, (AtError, PduError)) or isinstance(exc, (AtError, PduError))


def _receipt(sent_id: int, references: list[int] | tuple[int, ...], text: str, **extra: Any) -> Receipt:
    return Receipt(None, {"sent_sms_id": sent_id, "references": list(references), "text": text, **extra})


def _uncertain_message(what: str) -> str:
    return (
        f"{UNCERTAIN}: the {what} may already have gone: the console stopped or the modem failed "
        "while sending it; check before sending again (LAPOR!'s reply SMS or lapor.go.id), then "
        "set the tracking ID by hand or retry"
    )


def is_uncertain(error: str | None) -> bool:
    """True when an outbox row's ``last_error`` says its SMS may already have gone."""
    return bool(error) and str(error).startswith(UNCERTAIN + ":")


def send_once(
    store: Store,
    modem: SmsModem | None,
    recipient: str,
    text: str,
    *,
    purpose: str,
    related_id: int | None,
    idempotency_key: str,
    what: str,
) -> Receipt:
    """Send ``text`` to ``recipient`` once per ``idempotency_key`` (the rule of the module).

    Args:
        store: the console's store (the intent is committed before the modem is asked).
        modem: the modem driver, or None.
        recipient: the number.
        text: one segment (already fitted).
        purpose: ``sent_sms.purpose`` (``lapor``, ``reply``).
        related_id: the complaint id.
        idempotency_key: the outbox row's key.
        what: how errors name this SMS ("SMS to 1708").

    Returns:
        A receipt with ``sent_sms_id``, ``references`` and ``text`` (the stored one when
        it was already sent).

    Raises:
        TransientError: the modem is missing or not ready (nothing written), or it
            refused the message or was not ready after all (the intent is marked ``failed``).
        PermanentError: an earlier intent with this key is still ``sending``, or this
            send ended without knowing whether the message went (message ``sms_uncertain: …``).
    """
    existing = store.sent_by_key(idempotency_key)
    if existing is not None and existing.state == "sent":
        return _receipt(existing.id, existing.references, existing.text, already_sent=True)
    if existing is not None and existing.state == "sending":
        raise PermanentError(_uncertain_message(what))
    state = getattr(modem, "state", None) if modem is not None else "absent"
    if modem is None or state != "ready":
        raise TransientError(f"the modem is not ready ({state}); the {what} waits")
    sent_id = store.begin_sent(
        recipient, text, purpose=purpose, related_id=related_id, idempotency_key=idempotency_key
    )
    try:
        references = list(modem.send_sms(recipient, text, request_status_report=True))
    except Exception as exc:
        if isinstance(exc, ModemNotReady):  # it went away after the check: nothing was sent
            store.fail_sent(sent_id)
            raise TransientError(f"the modem is not ready ({exc.state}); the {what} waits") from exc
        if _refused(exc):
            store.fail_sent(sent_id)
            raise TransientError(f"the modem refused the {what}: {exc}") from exc
        raise PermanentError(_uncertain_message(what) + f" ({type(exc).__name__}: {exc})") from exc
    store.finish_sent(sent_id, references)
    return _receipt(sent_id, references, text)


def release_uncertain(store: Store, idempotency_key: str, *, actor: str | None = None) -> bool:
    """A person has checked an SMS left ``sending`` (it did not reach LAPOR!, or they will
    take the duplicate): mark the intent ``abandoned`` (audited, role ``operator``) so the
    next attempt sends it.

    ``outbox.retry(..., resend_uncertain=True)`` calls it (the one path for a person's
    retry of an ``sms1708`` or ``balasan`` row); never automatically. Returns False when
    nothing was ``sending``.
    """
    return store.abandon_sent(idempotency_key, role="operator", actor=actor) is not None


class Sms1708Transport:
    """The complaint as ``KEYWORD text`` to LAPOR! 1708 through the modem, exactly once.

    ``send`` runs on the outbox worker's thread; it opens its own (durable) connection,
    so the intent is on disk before the modem is asked.

    Args:
        db_path: the console's database.
        modem: the modem driver of this process (``send_sms`` and ``state``), or None.
        number: ``export.sms_number`` (``1708``).
        keyword: ``export.sms_keyword`` (``BJN``).
        clock: the store's clock.
    """

    name = "sms1708"

    def __init__(
        self,
        db_path: str | Path,
        modem: SmsModem | None,
        number: str = "1708",
        keyword: str = "BJN",
        *,
        clock: Clock | None = None,
    ) -> None:
        if not str(number).strip():
            raise ValueError("the LAPOR! SMS number (export.sms_number) is empty")
        fit_message(keyword, {})  # refuses a keyword that leaves no room
        self.db_path = Path(db_path)
        self.modem = modem
        self.number = str(number).strip()
        self.keyword = keyword
        self.clock = clock

    @classmethod
    def from_settings(
        cls, export_settings: Any, db_path: str | Path, modem: SmsModem | None
    ) -> Sms1708Transport:
        """The transport ``config.toml`` describes (``export.sms_number``, ``export.sms_keyword``)."""
        return cls(db_path, modem, export_settings.sms_number, export_settings.sms_keyword)

    def fit(self, payload: Mapping[str, Any]) -> FittedSms:
        """The message this transport would send for ``payload`` (for the screens)."""
        return fit_message(self.keyword, payload)

    def send(self, payload: dict[str, Any], idempotency_key: str) -> Receipt:
        """Send the complaint to 1708 once, one complaint at a time; see :func:`send_once`
        for the errors.

        Raises:
            Deferred: another SMS to 1708 still waits for LAPOR!'s reply (module docstring).
        """
        fitted = self.fit(payload)
        with Store(self.db_path, durable=True, clock=self.clock) as store:
            existing = store.sent_by_key(idempotency_key)
            if existing is None or existing.state not in ("sent", "sending"):
                self._wait_for_replies(store, idempotency_key)
            return send_once(
                store,
                self.modem,
                self.number,
                fitted.text,
                purpose="lapor",
                related_id=payload.get("id"),
                idempotency_key=idempotency_key,
                what=f"SMS to {self.number}",
            )

    def _wait_for_replies(self, store: Store, idempotency_key: str) -> None:
        """Raise :class:`Deferred` while another SMS to LAPOR! waits for its reply."""
        now = store.clock()
        blocking = [
            i for i in awaiting_reply(store, now, number=self.number) if i.idempotency_key != idempotency_key
        ]
        if not blocking:
            return
        last = blocking[-1]
        until = last.sent_at + REPLY_WINDOW
        raise Deferred(
            until,
            f"{AWAITING_REPLY}: waiting for LAPOR!'s reply to the SMS of complaint {last.complaint_id} "
            f"(sent {last.sent_at.astimezone(UTC):%H:%M:%S} UTC), at the latest until "
            f"{until.astimezone(UTC):%H:%M:%S} UTC",
        )


# ---------------------------------------------------------------- delivery
@dataclass(frozen=True)
class DeliveryState:
    """What became of a complaint's SMS, for the screens and the CLI.

    Attributes:
        state: ``delivered``; ``pending`` (sent, no final report yet, or the centre is
            still trying); ``failed`` (the report says it was not delivered);
            ``uncertain`` (the send was cut short: a person must check); ``not_sent``
            (the modem refused it, it will be tried again); ``abandoned``.
        text: the network's words for the last report (``status_text``), if any.
        sent_sms_id: the ``sent_sms`` row.
        recipient: where it went.
        sent_at: when it was handed to the modem (UTC).
        reported_at: when the last report arrived (UTC), if any.
        references: the TP-MR of each part.
    """

    state: str
    text: str | None
    sent_sms_id: int
    recipient: str
    sent_at: str | None
    reported_at: str | None
    references: tuple[int, ...] = ()


_INTENT_STATES = {"sending": "uncertain", "failed": "not_sent", "abandoned": "abandoned"}


def delivery_state(store: Store, complaint_id: int, purpose: str = "lapor") -> DeliveryState | None:
    """The delivery of a complaint's latest SMS of ``purpose`` (``lapor``, or ``reply`` for
    the citizen's), from the stored delivery reports; None when none was sent."""
    row = store.conn.execute(
        "SELECT id, recipient, state, created_at FROM sent_sms WHERE purpose = ? AND related_id = ? "
        "ORDER BY id DESC LIMIT 1",
        (purpose, complaint_id),
    ).fetchone()
    if row is None:
        return None
    sent_id, recipient, intent, created_at = row
    parts = store.conn.execute(
        "SELECT reference, sent_at, status, status_text, status_at FROM sent_parts WHERE sent_id = ? "
        "ORDER BY seq",
        (sent_id,),
    ).fetchall()
    references = tuple(p[0] for p in parts if p[0] is not None)
    sent_at = next((p[1] for p in parts if p[1]), None)
    if intent != "sent" or not parts:
        state = _INTENT_STATES.get(intent, "pending")
        return DeliveryState(state, None, sent_id, recipient, sent_at or created_at, None, references)
    states = []
    for _, _, status, _, _ in parts:
        if status is None or 0x20 <= status < 0x40:
            states.append("pending")
        elif status < 0x20:
            states.append("delivered")
        else:
            states.append("failed")
    state = "failed" if "failed" in states else "pending" if "pending" in states else "delivered"
    reported = [p for p in parts if p[4]]
    last = max(reported, key=lambda p: p[4]) if reported else None
    return DeliveryState(
        state, last[3] if last else None, sent_id, recipient, sent_at, last[4] if last else None, references
    )
