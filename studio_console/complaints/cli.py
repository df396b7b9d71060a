"""`studio-console complaints …`: the complaint commands for operators without the TUI.

Every command opens the database named by ``--db`` (or ``database.path`` of ``--config``),
changes complaints only through :mod:`.builder` and :mod:`.outbox`, and records the
operator (``--operator``, default the OS user) in the audit log. Output follows
``studio-console messages``: plain lines for people, with listener text made inert by
:func:`studio_console.text.display_safe`; ``--json`` for scripts, one object per line,
faithful (controls escaped as JSON ``\\uXXXX``, never raw on the terminal).

Errors are one sentence on stderr; exit code 2 when a thing is refused, not found or
badly asked for, 1 when something unexpected broke.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import re
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from studio_console.complaints.model import STATUSES, TRACKED_STATUSES
from studio_console.complaints.transports import MODEM_TRANSPORTS
from studio_console.config import EXPORT_TRANSPORTS, Settings, default_config_path, load_settings

if TYPE_CHECKING:
    from studio_console.complaints.model import Complaint
    from studio_console.complaints.queries import ComplaintSummary, OutboxView
    from studio_console.places import Place
    from studio_console.store import Store

__all__ = ["EDIT_FIELDS", "CommandError", "add_parser"]

PROG = "studio-console"
OUTBOX_TRANSPORTS = (*EXPORT_TRANSPORTS, "balasan")
# What `complaints edit --set FIELD=VALUE` accepts.
EDIT_FIELDS = (
    "judul",
    "isi",
    "klasifikasi",
    "kategori",
    "instansi",
    "lokasi.kecamatan",
    "lokasi.desa",
    "lokasi.detail",
    "tanggal_kejadian",
    "pelapor.nama",
    "anonim",
    "rahasia",
    "dijawab_oleh",
    "jawaban",
)
_YES = frozenset({"ya", "y", "yes", "true", "1", "on"})
_NO = frozenset({"tidak", "t", "no", "n", "false", "0", "off"})
# Characters never written raw, even in --json: C1 controls, DEL, bidi and invisible format
# controls, lone surrogates. JSON escapes them (\uXXXX), which decodes to the very same text.
_JSON_UNSAFE = re.compile(
    r"[\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    r"\ufeff\ufff9-\ufffb\ud800-\udfff]"
)


class CommandError(Exception):
    """The command is refused or names something that does not exist (exit code 2)."""


# ---------------------------------------------------------------- output helpers
def _plain(text: Any, limit: int | None = None, *, lines: bool = False) -> str:
    """Untrusted text for the terminal: controls, bidi and broken surrogates made visible."""
    from studio_console.text import display_safe, one_line, surrogate_safe

    if text is None:
        return "-"
    value = display_safe(str(text)) if lines else one_line(str(text), limit)
    return surrogate_safe(value)


def _dumps(value: Any, *, indent: int | None = None) -> str:
    """JSON text that is faithful (``json.loads`` gives the value back) and inert on a terminal."""
    text = json.dumps(value, ensure_ascii=False, indent=indent, default=str)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


def _indented(text: str | None, prefix: str = "    ") -> str:
    if text is None or text == "":
        return prefix + "-"
    return "\n".join(prefix + line for line in _plain(text, lines=True).split("\n"))


def _yes_no(flag: bool) -> str:
    return "ya" if flag else "tidak"


# ---------------------------------------------------------------- settings and store
def _settings(args: argparse.Namespace) -> Settings:
    path = args.config if args.config is not None else default_config_path()
    return load_settings(path)


def _db_path(args: argparse.Namespace, settings: Settings) -> Path:
    """``--db`` as given (relative to the working folder), else ``database.path`` of the config."""
    if args.db:
        return Path(args.db).expanduser()
    return settings.resolve(settings.database.path)


@contextlib.contextmanager
def _open(args: argparse.Namespace) -> Iterator[tuple[Settings, Store, Path]]:
    from studio_console.store import Store

    settings = _settings(args)
    path = _db_path(args, settings)
    if not path.exists():
        raise CommandError(f"no database at {path}")
    store = Store(path)
    try:
        yield settings, store, path
    finally:
        store.close()


def _operator(args: argparse.Namespace) -> str | None:
    if args.operator:
        return str(args.operator)
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or the password database
        return None


def _stamp(store: Store) -> str:
    return store.clock().astimezone(UTC).isoformat()


def _audit(store: Store, operator: str | None, complaint_id: int, action: str, detail: str | None) -> None:
    from studio_console.store import transaction

    with transaction(store.conn):
        store.audit(
            "operator", operator, "complaint", complaint_id, action, None, None, detail, _stamp(store)
        )


# ---------------------------------------------------------------- JSON shapes
def _outbox_json(o: OutboxView) -> dict[str, Any]:
    return {
        "id": o.id,
        "transport": o.transport,
        "state": o.state,
        "attempts": o.attempts,
        "next_attempt_at": o.next_attempt_at,
        "sent_at": o.sent_at,
        "last_error": o.last_error,
        "receipt": o.receipt,
    }


def _summary_json(s: ComplaintSummary) -> dict[str, Any]:
    return {
        "id": s.id,
        "status": s.status,
        "colour": s.colour or None,
        "tracking_id": s.tracking_id,
        "judul": s.judul,
        "kategori": s.kategori,
        "instansi": s.instansi,
        "anonim": s.anonim,
        "rahasia": s.rahasia,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "items": list(s.item_ids),
        "missing": list(s.missing),
        "failed": s.failed,
        "outbox": [_outbox_json(o) for o in s.outbox],
    }


def _transports_line(s: ComplaintSummary) -> str:
    return " ".join(f"{o.transport}:{o.state}" for o in s.outbox) or "-"


# ---------------------------------------------------------------- list
def _cmd_list(args: argparse.Namespace, out: TextIO) -> int:
    from studio_console.complaints.queries import list_complaints

    with _open(args) as (_, store, _path):
        rows = list_complaints(store, statuses=args.status or None, limit=args.limit)
        if args.failed:
            rows = [s for s in rows if s.failed]
        for s in rows:
            if args.json:
                print(_dumps(_summary_json(s)), file=out)
                continue
            line = (
                f"{s.id:>6}  {s.status:<15} {s.colour or '-':<6} {_plain(s.tracking_id, 14):<14} "
                f"{_plain(s.judul or '', 60):<60}  {_transports_line(s)}"
            )
            if s.missing:
                line += "  missing: " + ", ".join(s.missing)
            print(line, file=out)
    return 0


# ---------------------------------------------------------------- show
def _place_names(complaint: Complaint) -> tuple[str | None, str | None]:
    """(kecamatan name, desa name) of the complaint's location, None where unknown."""
    from studio_console.complaints.export_payload import lokasi_names

    return lokasi_names(
        {"kecamatan_code": complaint.lokasi.kecamatan_code, "desa_code": complaint.lokasi.desa_code}
    )


def _show_json(store: Store, complaint: Complaint, with_payload: bool) -> dict[str, Any]:
    from studio_console.complaints.model import to_data, to_payload
    from studio_console.complaints.outbox import rows_for
    from studio_console.complaints.queries import attempts_of, summary

    assert complaint.id is not None
    s = summary(store, complaint.id)
    keys = {r.id: r.idempotency_key for r in rows_for(store, complaint.id)}
    kecamatan, desa = _place_names(complaint)
    data = to_data(complaint)
    data["lokasi"] = {**data["lokasi"], "kecamatan": kecamatan, "desa": desa}
    result: dict[str, Any] = {
        "id": complaint.id,
        "status": complaint.status,
        "colour": s.colour or None,
        "tracking_id": complaint.tracking_id,
        "created_at": complaint.created_at,
        "updated_at": complaint.updated_at,
        **data,
        "items": list(s.item_ids),
        "missing": list(s.missing),
        "outbox": [
            {
                **_outbox_json(o),
                "idempotency_key": keys.get(o.id),
                "history": [{"at": at, "result": r, "error": e} for at, r, e in attempts_of(store, o.id)],
                "delivery": _delivery(store, complaint.id, o.transport),
            }
            for o in s.outbox
        ],
    }
    if with_payload:
        result["payload"] = to_payload(complaint)
    return result


def _delivery(store: Store, complaint_id: int, transport: str) -> dict[str, Any] | None:
    """The delivery report state of an SMS transport's send (None for other transports)."""
    purpose = {"sms1708": "lapor", "balasan": "reply"}.get(transport)
    if purpose is None:
        return None
    from studio_console.complaints.transports.sms1708 import delivery_state

    state = delivery_state(store, complaint_id, purpose=purpose)
    if state is None:
        return None
    return {
        "state": state.state,
        "text": state.text,
        "recipient": state.recipient,
        "sent_at": state.sent_at,
        "reported_at": state.reported_at,
    }


def _print_show(doc: dict[str, Any], out: TextIO, with_payload: bool) -> None:
    def field(label: str, value: Any) -> None:
        print(f"{label:<17}{value}", file=out)

    lokasi, sumber, pelapor = doc["lokasi"], doc["sumber"], doc["pelapor"]
    print(
        f"complaint {doc['id']}  status {doc['status']}  colour {doc['colour'] or '-'}  "
        f"tracking {_plain(doc['tracking_id'])}",
        file=out,
    )
    field("created", doc["created_at"])
    field("updated", doc["updated_at"])
    field("items", ", ".join(map(str, doc["items"])) or "-")
    if doc["missing"]:
        field("missing", ", ".join(doc["missing"]))
    field("judul", _plain(doc["judul"]))
    field("klasifikasi", _plain(doc["klasifikasi"]))
    field("kategori", _plain(doc["kategori"]))
    field("instansi", _plain(doc["instansi"]))
    field(
        "lokasi.kecamatan", f"{_plain(lokasi['kecamatan_code'])} {_plain(lokasi['kecamatan'] or '')}".rstrip()
    )
    field("lokasi.desa", f"{_plain(lokasi['desa_code'])} {_plain(lokasi['desa'] or '')}".rstrip())
    field("lokasi.detail", _plain(lokasi["detail"]))
    field("tanggal_kejadian", _plain(doc["tanggal_kejadian"]))
    if doc["anonim"]:
        field("anonim", "YA: ANONIM, the name and number below are never sent")
    else:
        field("anonim", "tidak: the name and number below are sent with the complaint")
    if pelapor:
        field("pelapor.nama", _plain(pelapor["nama"]))
        field("pelapor.nomor", _plain(pelapor["nomor"]))
    else:
        field("pelapor", "-")
    field("rahasia", "YA: not for publication" if doc["rahasia"] else "tidak")
    field("sumber.program", _plain(sumber["program"]))
    field("sumber.stasiun", _plain(sumber["stasiun"]))
    field("sumber.kanal", _plain(sumber["kanal"]))
    field("sumber.disiarkan", _plain(sumber["disiarkan"]))
    field("dijawab_oleh", _plain(doc["dijawab_oleh"]))
    field("jawaban", _plain(doc["jawaban"]))
    field("lampiran", ", ".join(_plain(a) for a in doc["lampiran"]) or "-")
    print("isi:", file=out)
    print(_indented(doc["isi"]), file=out)
    print(f"originals (verbatim, {len(doc['originals'])}):", file=out)
    for n, original in enumerate(doc["originals"], 1):
        print(f"  [{n}]", file=out)
        print(_indented(original), file=out)
    print("outbox:" if doc["outbox"] else "outbox: -", file=out)
    for o in doc["outbox"]:
        print(
            f"  row {o['id']}  {o['transport']:<8} {o['state']:<12} attempts {o['attempts']}  "
            f"key {o['idempotency_key']}",
            file=out,
        )
        if o["sent_at"]:
            print(f"    sent at     {o['sent_at']}", file=out)
        if o["next_attempt_at"] and o["state"] != "sent":
            print(f"    next try    {o['next_attempt_at']}", file=out)
        if o["last_error"]:
            print(f"    last error  {_plain(o['last_error'], 300)}", file=out)
        if o["receipt"] is not None:
            print(f"    receipt     {_plain(_dumps(o['receipt']), 300)}", file=out)
        if o.get("delivery"):
            d = o["delivery"]
            said = f" ({_plain(d['text'], 120)})" if d["text"] else ""
            print(f"    delivery    {d['state']}{said} to {_plain(d['recipient'])}", file=out)
        for attempt in o["history"]:
            error = f"  {_plain(attempt['error'], 200)}" if attempt["error"] else ""
            print(f"    {attempt['at']}  {attempt['result']}{error}", file=out)
    if with_payload:
        print("payload (what every transport sends, with the row's key):", file=out)
        print(_indented(_dumps(doc["payload"], indent=2), "  "), file=out)


def _cmd_show(args: argparse.Namespace, out: TextIO) -> int:
    from studio_console.complaints.builder import load

    with _open(args) as (_, store, _path):
        complaint = load(store, args.id)
        doc = _show_json(store, complaint, args.payload)
        # The operator sees the reporter's name and number: the audit says who looked (UU PDP).
        _audit(store, _operator(args), args.id, "viewed", "cli show")
    if args.json:
        print(_dumps(doc), file=out)
    else:
        _print_show(doc, out, args.payload)
    return 0


# ---------------------------------------------------------------- new / aired
def _cmd_new(args: argparse.Namespace, out: TextIO) -> int:
    from studio_console.complaints.builder import draft_from_items

    with _open(args) as (settings, store, _path):
        complaint_id = draft_from_items(
            store, args.item, station=settings.studio.station, actor=_operator(args)
        )
    print(complaint_id, file=out)
    return 0


def _cmd_aired(args: argparse.Namespace, out: TextIO) -> int:
    from studio_console.complaints.queries import aired_without_complaint

    with _open(args) as (_, store, _path):
        for a in aired_without_complaint(store, limit=args.limit):
            if args.json:
                print(
                    _dumps(
                        {
                            "id": a.id,
                            "kind": a.kind,
                            "aired_at": a.aired_at,
                            "show": a.show,
                            "topic": a.topic,
                            "text": a.text,
                            "sender": a.sender,
                        }
                    ),
                    file=out,
                )
                continue
            what = f"[{_plain(a.topic, 40)}] " if a.topic else ""
            print(
                f"{a.id:>6}  {a.kind:<6} {(a.aired_at or '-')[:19]:<19}  {_plain(a.show, 16):<16}  "
                f"{_plain(a.sender, 16):<16}  {what}{_plain(a.text, 120)}",
                file=out,
            )
    return 0


# ---------------------------------------------------------------- edit / merge
def _flag(name: str, value: str) -> bool:
    word = value.strip().lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise CommandError(f"{name} takes ya or tidak (true/false), not {value!r}")


def _kecamatan_code(value: str) -> str:
    import difflib

    from studio_console.places import fold, load_places

    places = load_places()
    text = value.strip()
    if places.kecamatan_name(text):
        return text
    found = [k for k in places.kecamatan if fold(k.name) == fold(text)]
    if len(found) == 1:
        return found[0].code
    names = [k.name for k in places.kecamatan]
    close = difflib.get_close_matches(text.title(), names, n=3)
    hint = f" (did you mean {', '.join(close)}?)" if close else ""
    raise CommandError(f"lokasi.kecamatan {value!r} is neither a kecamatan code nor a kecamatan name{hint}")


def _describe_places(places: list[Place]) -> str:
    return "; ".join(f"{p.desa_name}, {p.kecamatan_name} ({p.desa_code})" for p in places)


def _desa(value: str) -> Place:
    """A desa by code, by unambiguous name, or by "desa, kecamatan"."""
    from studio_console.places import fold, load_places

    places = load_places()
    text = value.strip()
    place = places.desa(text)
    if place is not None:
        return place
    name, _, kecamatan = (part.strip() for part in text.partition(","))

    def in_kecamatan(p: Place) -> bool:
        return not kecamatan or fold(p.kecamatan_name) == fold(kecamatan) or p.kecamatan_code == kecamatan

    exact = [p for p in places if fold(p.desa_name) == fold(name) and in_kecamatan(p)]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        raise CommandError(
            f"lokasi.desa {value!r} names more than one desa, write 'desa, kecamatan' or the code: "
            + _describe_places(exact)
        )
    near = [p for p in places.search(name, limit=8) if in_kecamatan(p)]
    if len(near) == 1:
        return near[0]
    hint = f" (did you mean: {_describe_places(near[:5])})" if near else ""
    raise CommandError(f"lokasi.desa {value!r} is not a desa of Bojonegoro by code or by name{hint}")


def _edit_fields(complaint: Complaint, settings_pairs: list[str]) -> tuple[dict[str, Any], list[str]]:
    """``field=value`` pairs -> keyword arguments of :func:`builder.update`, and notes to print."""
    from studio_console.complaints.model import Pelapor

    fields: dict[str, Any] = {}
    notes: list[str] = []
    lokasi: dict[str, str | None] = {}
    for pair in settings_pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep:
            raise CommandError(f"--set takes field=value, not {pair!r}")
        if name not in EDIT_FIELDS:
            raise CommandError(f"cannot set {name!r}; the fields are {', '.join(EDIT_FIELDS)}")
        if name in ("anonim", "rahasia"):
            fields[name] = _flag(name, value)
        elif name == "tanggal_kejadian":
            try:
                fields[name] = date.fromisoformat(value.strip()) if value.strip() else None
            except ValueError:
                raise CommandError(
                    f"tanggal_kejadian must be a date like 2026-03-06, not {value!r}"
                ) from None
        elif name == "pelapor.nama":
            number = complaint.pelapor.e164 if complaint.pelapor else None
            fields["pelapor"] = Pelapor(value.strip() or None, number) if (value.strip() or number) else None
        elif name.startswith("lokasi."):
            lokasi[name.removeprefix("lokasi.")] = value.strip() or None
        else:
            fields[name] = value
    if lokasi:
        fields["lokasi"], lokasi_notes = _lokasi(complaint, lokasi)
        notes += lokasi_notes
    return fields, notes


def _lokasi(complaint: Complaint, changes: dict[str, str | None]) -> tuple[dict[str, Any], list[str]]:
    current = complaint.lokasi
    result = {
        "kecamatan_code": current.kecamatan_code,
        "desa_code": current.desa_code,
        "detail": current.detail,
    }
    notes: list[str] = []
    if "detail" in changes:
        result["detail"] = changes["detail"]
    kecamatan = _kecamatan_code(changes["kecamatan"]) if changes.get("kecamatan") else None
    if "kecamatan" in changes:
        result["kecamatan_code"] = kecamatan
        if result["desa_code"] and (kecamatan is None or not result["desa_code"].startswith(kecamatan + ".")):
            notes.append(f"lokasi.desa {result['desa_code']} cleared: it is not in the new kecamatan")
            result["desa_code"] = None
    if "desa" in changes:
        if changes["desa"] is None:
            result["desa_code"] = None
        else:
            place = _desa(changes["desa"])
            if kecamatan is not None and place.kecamatan_code != kecamatan:
                raise CommandError(
                    f"lokasi.desa {place.desa_name} ({place.desa_code}) is in kecamatan "
                    f"{place.kecamatan_name}, not in {kecamatan}"
                )
            result["desa_code"] = place.desa_code
            result["kecamatan_code"] = place.kecamatan_code
    return result, notes


def _missing_note(complaint: Complaint) -> str:
    from studio_console.complaints.model import missing_fields

    missing = missing_fields(complaint)
    if missing:
        return "still missing: " + ", ".join(missing)
    return f"nothing missing: `complaints ready {complaint.id}` queues it for sending"


def _cmd_edit(args: argparse.Namespace, out: TextIO) -> int:
    from studio_console.complaints.builder import load, update

    with _open(args) as (settings, store, _path):
        current = load(store, args.id)
        if current.status != "draft":
            raise CommandError(f"complaint {args.id} is {current.status}; only drafts are edited")
        fields, notes = _edit_fields(current, args.set)
        changed = update(
            store,
            args.id,
            actor=_operator(args),
            categories=settings.export.categories,
            agencies=settings.export.agencies,
            **fields,
        )
    for note in notes:
        print(note, file=out)
    names = ", ".join(dict.fromkeys(pair.partition("=")[0].strip() for pair in args.set))
    print(f"complaint {args.id} updated ({names}); {_missing_note(changed)}", file=out)
    return 0


def _cmd_merge(args: argparse.Namespace, out: TextIO) -> int:
    from studio_console.complaints.builder import item_ids, merge

    with _open(args) as (_, store, _path):
        merged = merge(store, args.target, args.others, actor=_operator(args))
        items = item_ids(store, args.target)
    others = ", ".join(str(i) for i in dict.fromkeys(args.others) if i != args.target)
    print(
        f"merged {others} into complaint {args.target} (items {', '.join(map(str, items))}); "
        f"{_missing_note(merged)}",
        file=out,
    )
    return 0


# ---------------------------------------------------------------- ready / set-tracking
def _cmd_ready(args: argparse.Namespace, out: TextIO) -> int:
    from studio_console.complaints.builder import mark_ready

    with _open(args) as (settings, store, _path):
        transports = list(dict.fromkeys(args.transport or settings.export.transports))
        if "http" in transports and not settings.export.http_url:
            raise CommandError("the http transport needs export.http_url in config.toml, which is empty")
        ids = mark_ready(store, args.id, transports, _operator(args))
    rows = ", ".join(f"{name} (row {row})" for name, row in zip(transports, ids, strict=True))
    print(f"complaint {args.id} is siap_kirim; outbox: {rows}", file=out)
    return 0


def _cmd_set_tracking(args: argparse.Namespace, out: TextIO) -> int:
    from studio_console.complaints.builder import load, set_tracking

    tracking = args.tracking.strip()
    if not tracking:
        raise CommandError("the tracking ID is empty")
    with _open(args) as (_, store, _path):
        set_tracking(
            store,
            args.id,
            tracking,
            args.status,
            actor=_operator(args),
            role="operator",
            replace=args.replace,
            force=args.force,
        )
        complaint = load(store, args.id)
    print(
        f"complaint {args.id} is {complaint.status}, tracking {_plain(complaint.tracking_id)}",
        file=out,
    )
    return 0


# ---------------------------------------------------------------- export
def _export_payload(complaint: Complaint) -> dict[str, Any]:
    """What the file transport writes: the payload with the place names, and its key."""
    from studio_console.complaints.builder import idempotency_key
    from studio_console.complaints.export_payload import payload_for_export

    return {**payload_for_export(complaint), "idempotency_key": idempotency_key(complaint, "file")}


def _cmd_export(args: argparse.Namespace, out: TextIO) -> int:
    import uuid

    from studio_console.complaints.builder import load
    from studio_console.complaints.transports.file_package import write_package

    if args.ids and args.status:
        raise CommandError("name complaints by id or choose them by --status, not both")
    with _open(args) as (settings, store, _path):
        if args.ids:
            ids = list(dict.fromkeys(args.ids))
        else:
            statuses = args.status or ["siap_kirim"]
            marks = ",".join("?" * len(statuses))
            ids = [
                r[0]
                for r in store.conn.execute(
                    f"SELECT id FROM complaints WHERE status IN ({marks}) ORDER BY id", statuses
                )
            ]
            if not ids:
                raise CommandError(f"no complaints to export with status {', '.join(statuses)}")
        complaints = [load(store, i) for i in ids]
        folder = Path(args.folder).expanduser() if args.folder else settings.resolve(settings.export.folder)
        now = store.clock()
        run_id = f"manual-{now.astimezone(UTC):%Y%m%d%H%M%S}-{uuid.uuid4().hex[:8]}"
        path = write_package([_export_payload(c) for c in complaints], folder, run_id=run_id, now=now)
        operator = _operator(args)
        for complaint_id in ids:
            _audit(store, operator, complaint_id, "exported", f"manual package {path.name}")
    if args.json:
        print(_dumps({"path": str(path), "count": len(ids), "ids": ids}), file=out)
    else:
        print(path, file=out)
    return 0


# ---------------------------------------------------------------- retry
def _cmd_retry(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from studio_console.complaints import outbox
    from studio_console.complaints.builder import load

    if (args.id is None) == (not args.all_failed):
        raise CommandError("name one complaint id or give --all-failed")
    with _open(args) as (_, store, _path):
        if args.id is not None:
            load(store, args.id)  # not found -> ComplaintError
            rows = [r for r in outbox.rows_for(store, args.id) if r.state == "gagal_kirim"]
            where = f"complaint {args.id}"
        else:
            ids = [
                r[0]
                for r in store.conn.execute("SELECT id FROM outbox WHERE state = 'gagal_kirim' ORDER BY id")
            ]
            rows = [outbox.get(store, i) for i in ids]
            where = "the outbox"
        if args.transport:
            rows = [r for r in rows if r.transport in args.transport]
        if not rows:
            which = f" for {', '.join(args.transport)}" if args.transport else ""
            raise CommandError(f"{where} has no failed (gagal_kirim) outbox rows{which}")
        operator = _operator(args)
        uncertain = {r.id: e for r in rows if (e := outbox.uncertain_sms(store, r.id)) is not None}
        if uncertain and args.id is not None and not args.resend_uncertain:
            first = next(iter(uncertain.values()))
            raise CommandError(f"{first}; after checking, run again with --resend-uncertain")
        skipped = 0
        for row in rows:
            head = f"outbox row {row.id} (complaint {row.complaint_id}, {row.transport})"
            if row.id in uncertain and not args.resend_uncertain:
                skipped += 1
                print(
                    f"{head} skipped: its SMS was begun at {uncertain[row.id].begun_at} and may already "
                    f"have gone; check, then `complaints retry {row.complaint_id} --resend-uncertain`",
                    file=out,
                )
                continue
            outbox.retry(store, row.id, actor=operator, resend_uncertain=args.resend_uncertain)
            again = " (the SMS that may have gone is released and sent again)" if row.id in uncertain else ""
            print(f"{head} queued again{again}", file=out)
        if skipped:
            print(f"{skipped} row(s) skipped: their SMS may already have gone", file=err)
    return 0


# ---------------------------------------------------------------- send
def _last_attempt(store: Store) -> int:
    return int(store.conn.execute("SELECT coalesce(max(id), 0) FROM outbox_attempts").fetchone()[0])


def _receipt_text(receipt: str | None) -> str:
    """A receipt as ``key value`` pairs without the empty ones (e.g. ``package /exports/aduan-…``)."""
    if not receipt:
        return ""
    try:
        value = json.loads(receipt)
    except ValueError:
        return _plain(receipt, 200)
    if not isinstance(value, dict):
        return _plain(receipt, 200)
    pairs = (f"{k} {v}" for k, v in value.items() if v not in (None, "") and k != "tracking_id")
    return _plain(" ".join(pairs), 300)


def _report_attempts(store: Store, after: int, transports: list[str]) -> Iterator[tuple[str, str]]:
    """(outcome, line) for every attempt recorded after attempt ``after`` by these transports."""
    from studio_console.complaints import outbox

    marks = ",".join("?" * len(transports))
    attempts = store.conn.execute(
        "SELECT a.outbox_id, a.result, a.error FROM outbox_attempts a JOIN outbox o ON o.id = a.outbox_id "
        f"WHERE a.id > ? AND o.transport IN ({marks}) ORDER BY a.id",
        [after, *transports],
    ).fetchall()
    for outbox_id, result, error in attempts:
        row = outbox.get(store, outbox_id)
        head = f"complaint {row.complaint_id} via {row.transport} (row {row.id})"
        if result == "deferred":
            yield "deferred", f"waiting   {head}: {_plain(error, 200)}"
        elif result == "sent":
            tracking = store.conn.execute(
                "SELECT tracking_id FROM complaints WHERE id = ?", (row.complaint_id,)
            ).fetchone()[0]
            receipt = _receipt_text(row.receipt)
            yield (
                "sent",
                f"sent      {head}"
                + (f", tracking {_plain(tracking)}" if tracking else "")
                + (f"  {receipt}" if receipt else ""),
            )
        elif row.state == "gagal_kirim":
            yield (
                "gave_up",
                (
                    f"gave up   {head}: {_plain(error, 200)}; it is gagal_kirim, "
                    f"`complaints retry {row.complaint_id}` sends it again"
                ),
            )
        else:
            yield "failed", f"failed    {head}: {_plain(error, 200)}; next try at {row.next_attempt_at}"


def _cmd_send(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from studio_console.complaints.outbox import OutboxWorker
    from studio_console.complaints.transports import build_transports
    from studio_console.complaints.transports.citizen_reply import after_sent_hook, queue_missing

    wanted = list(dict.fromkeys(args.transport or ()))
    needs_modem = [t for t in wanted if t in MODEM_TRANSPORTS]
    if needs_modem:
        raise CommandError(
            f"{', '.join(needs_modem)} goes through the modem; the console or daemon that owns it sends it"
        )
    with _open(args) as (settings, store, path):
        broken: dict[str, str] = {}
        available = {
            name: t
            for name, t in build_transports(settings, path, modem=None, errors=broken).items()
            if name not in MODEM_TRANSPORTS
        }
        for name, reason in broken.items():
            if name in wanted:
                raise CommandError(f"the {name} transport cannot be set up: {reason}")
            if not wanted:
                print(
                    f"{PROG}: warning: the {name} transport cannot be set up, its rows wait: {reason}",
                    file=err,
                )
        absent = [t for t in wanted if t not in available]
        if absent:
            raise CommandError(
                f"transport {', '.join(absent)} is not configured here (see export.transports in config.toml)"
            )
        transports = {name: available[name] for name in (wanted or list(available))}
        if not transports:
            raise CommandError("no transport that works without the modem is configured (export.transports)")
        # The worker's own pass, in the foreground: batch transports (the file package) go as batches.
        # A tracking ID from a receipt queues the citizen's reply (sent by the modem's owner).
        worker = OutboxWorker(
            path,
            transports,
            clock=store.clock,
            on_sent=after_sent_hook(settings.export, clock=store.clock),
        )
        # Citizen replies a crash left unqueued go out with the modem's owner.
        queue_missing(store, settings.export, clock=store.clock)
        counts = {"sent": 0, "failed": 0, "gave_up": 0, "deferred": 0}
        while True:
            mark = _last_attempt(store)
            tried = worker.drain_once(store)
            for outcome, line in _report_attempts(store, mark, list(transports)):
                counts[outcome] += 1
                print(line, file=out, flush=True)
            if args.once or not tried:
                break
    print(
        f"sent {counts['sent']}, failed {counts['failed']} (will retry), "
        f"gave up {counts['gave_up']} (gagal_kirim)",
        file=out,
    )
    return 0


# ---------------------------------------------------------------- parser
Handler = Callable[[argparse.Namespace], int]


def _guarded(run: Callable[..., int], *, wants_err: bool = False) -> Handler:
    """Turn refusals into one sentence on stderr and exit 2, and anything else into exit 1."""

    def handler(args: argparse.Namespace) -> int:
        from studio_console.complaints.builder import ComplaintError
        from studio_console.complaints.transports.file_package import PackageError
        from studio_console.config import ConfigError
        from studio_console.store import StoreError

        try:
            return run(args, sys.stdout, sys.stderr) if wants_err else run(args, sys.stdout)
        except ConfigError:
            raise  # the main CLI prints config errors its own way
        except (CommandError, ComplaintError, PackageError, StoreError) as exc:
            print(f"{PROG}: {_plain(str(exc), 2000)}", file=sys.stderr)
            return 2
        except Exception as exc:
            print(
                f"{PROG}: unexpected error: {type(exc).__name__}: {_plain(str(exc), 2000)}", file=sys.stderr
            )
            return 1

    return handler


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``complaints`` and its subcommands on the main parser's subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, help="config file (default ./config.toml)")
    common.add_argument("--db", help="database file (overrides database.path)")
    common.add_argument("--operator", help="your name, for the audit log (default: your OS user name)")

    parser = subparsers.add_parser(
        "complaints",
        help="formal complaints: list, show, draft, edit, mark ready, export, retry, tracking, send",
        description="Formal complaints from aired items, for operators without the TUI.",
    )
    sub = parser.add_subparsers(dest="complaints_command", metavar="ACTION", required=True)

    def command(
        name: str, help: str, run: Callable[..., int], *, wants_err: bool = False
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(func=_guarded(run, wants_err=wants_err))
        return p

    p = command("list", "list complaints, newest first, with status, review colour and transports", _cmd_list)
    p.add_argument("--status", action="append", choices=STATUSES, help="only this status (repeatable)")
    p.add_argument(
        "--failed", action="store_true", help="only complaints with a failed (gagal_kirim) transport"
    )
    p.add_argument("--limit", type=int, default=500, help="at most N complaints (default 500)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    p = command("show", "every field of one complaint, its originals, outbox rows and attempts", _cmd_show)
    p.add_argument("id", type=int, help="complaint id")
    p.add_argument("--payload", action="store_true", help="also print the payload every transport sends")
    p.add_argument("--json", action="store_true", help="one JSON object")

    p = command("new", "draft one complaint from one or more aired items; prints its id", _cmd_new)
    p.add_argument(
        "--item", type=int, action="append", required=True, metavar="N", help="aired item id (repeatable)"
    )

    p = command("aired", "aired items that are not part of a complaint yet", _cmd_aired)
    p.add_argument("--limit", type=int, default=200, help="at most N items (default 200)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")

    p = command("edit", "change fields of a draft", _cmd_edit)
    p.add_argument("id", type=int, help="complaint id")
    p.add_argument(
        "--set",
        action="append",
        required=True,
        metavar="FIELD=VALUE",
        help=f"repeatable; FIELD is one of {', '.join(EDIT_FIELDS)}; an empty value clears it",
    )

    p = command("merge", "merge other drafts about the same matter into TARGET", _cmd_merge)
    p.add_argument("target", type=int, help="the draft that stays")
    p.add_argument(
        "others", type=int, nargs="+", metavar="OTHER", help="drafts merged into it (then deleted)"
    )

    p = command("ready", "mark a draft siap_kirim and queue it in the outbox", _cmd_ready)
    p.add_argument("id", type=int, help="complaint id")
    p.add_argument(
        "--transport",
        action="append",
        choices=EXPORT_TRANSPORTS,
        help="repeatable (default export.transports)",
    )

    p = command(
        "export",
        "write a file package of complaints now (a manual copy; the outbox is untouched)",
        _cmd_export,
    )
    p.add_argument("ids", type=int, nargs="*", metavar="ID", help="complaint ids (default: by --status)")
    p.add_argument(
        "--status", action="append", choices=STATUSES, help="complaints in this status (default siap_kirim)"
    )
    p.add_argument("--folder", help="where the package folder goes (default export.folder)")
    p.add_argument("--json", action="store_true", help="print {path, count, ids} as JSON")

    p = command(
        "retry",
        "send failed (gagal_kirim) outbox rows again, same idempotency key",
        _cmd_retry,
        wants_err=True,
    )
    p.add_argument("id", type=int, nargs="?", help="complaint id")
    p.add_argument("--all-failed", action="store_true", help="every failed row in the outbox")
    p.add_argument(
        "--transport", action="append", choices=OUTBOX_TRANSPORTS, help="only this transport (repeatable)"
    )
    p.add_argument(
        "--resend-uncertain",
        action="store_true",
        help="also resend an SMS that may already have gone (check LAPOR!'s reply or lapor.go.id first)",
    )

    p = command("set-tracking", "record LAPOR!'s tracking ID and status by hand", _cmd_set_tracking)
    p.add_argument("id", type=int, help="complaint id")
    p.add_argument("tracking", help="the tracking ID")
    p.add_argument(
        "--status", choices=TRACKED_STATUSES, default="terkirim", help="new status (default terkirim)"
    )
    p.add_argument(
        "--replace", action="store_true", help="replace the complaint's tracking ID (the old one is audited)"
    )
    p.add_argument("--force", action="store_true", help="take an ID that is already another complaint's")

    p = command(
        "send",
        "send due outbox rows now through the transports that need no modem (file, http)",
        _cmd_send,
        wants_err=True,
    )
    p.add_argument(
        "--transport", action="append", choices=OUTBOX_TRANSPORTS, help="only this transport (repeatable)"
    )
    p.add_argument("--once", action="store_true", help="one pass over the due rows instead of draining them")
    return parser
