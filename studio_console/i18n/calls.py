"""Catalogue strings of the calls panel and the call-notes dialog."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # --- key descriptions ("key." + Binding id) -----------------------------------
    "key.calls.up": {"id": "Telepon sebelumnya", "en": "Previous call"},
    "key.calls.down": {"id": "Telepon berikutnya", "en": "Next call"},
    "key.calls.answer": {"id": "Angkat", "en": "Answer"},
    "key.calls.hangup": {"id": "Tutup telepon", "en": "Hang up"},
    "key.calls.notes": {"id": "Catatan", "en": "Notes"},
    "key.calls.hold": {"id": "Tahan", "en": "Hold"},
    "key.calls.ready": {"id": "Siap siar", "en": "Ready"},
    "key.calls.summarise": {"id": "Jadikan item", "en": "Summarise"},
    "key.calls.notes_save": {"id": "Simpan", "en": "Save"},
    "key.calls.notes_cancel": {"id": "Batal", "en": "Cancel"},
    # --- the panel ------------------------------------------------------------------
    "calls.title": {"id": "Telepon", "en": "Calls"},
    "calls.none": {"id": "Tidak ada telepon.", "en": "No calls."},
    "calls.recent": {"id": "Terakhir", "en": "Recent"},
    "calls.state.ringing": {"id": "BERDERING", "en": "RINGING"},
    "calls.state.blocked": {"id": "DIBLOKIR", "en": "BLOCKED"},
    "calls.state.screening": {"id": "DISARING", "en": "SCREENING"},
    "calls.state.hold": {"id": "DITAHAN", "en": "ON HOLD"},
    "calls.state.ready": {"id": "SIAP", "en": "READY"},
    "calls.state.on_air": {"id": "MENGUDARA", "en": "ON AIR"},
    "calls.state.ended": {"id": "selesai", "en": "ended"},
    "calls.state.missed": {"id": "tak terjawab", "en": "missed"},
    "calls.state.rejected": {"id": "ditolak", "en": "rejected"},
    "calls.hidden": {"id": "nomor disembunyikan", "en": "number withheld"},
    "calls.history": {
        "id": "{calls} telepon dan {messages} SMS sebelumnya",
        "en": "{calls} earlier calls and {messages} messages",
    },
    "calls.first_time": {"id": "baru pertama kali", "en": "first contact"},
    "calls.no_history": {"id": "riwayat tidak diketahui", "en": "history unknown"},
    "calls.blocked": {"id": "DIBLOKIR: {reason}", "en": "BLOCKED: {reason}"},
    "calls.warning": {"id": "PERHATIAN: {warning}", "en": "WARNING: {warning}"},
    "calls.wait": {"id": "tunggu {time}", "en": "wait {time}"},
    "calls.held": {"id": "ditahan {time}", "en": "on hold {time}"},
    "calls.at": {"id": "pukul {time}", "en": "at {time}"},
    "calls.notes": {"id": "Catatan: {notes}", "en": "Notes: {notes}"},
    "calls.item": {"id": "item #{id}", "en": "item #{id}"},
    # --- feedback -------------------------------------------------------------------
    "calls.no_selection": {"id": "Belum ada telepon yang dipilih.", "en": "No call selected."},
    "calls.not_allowed": {
        "id": "Tidak bisa {action}: telepon ini {state}.",
        "en": "Cannot {action}: this call is {state}.",
    },
    "calls.answering": {"id": "Mengangkat telepon {caller}…", "en": "Answering {caller}…"},
    "calls.hanging_up": {"id": "Menutup telepon {caller}…", "en": "Hanging up on {caller}…"},
    "calls.command_failed": {
        "id": "Modem gagal {action}: {error}",
        "en": "The modem could not {action}: {error}",
    },
    "calls.error.stale": {
        "id": "tidak dijalankan tepat waktu (layanan modem tidak berjalan?)",
        "en": "not carried out in time (is the modem service running?)",
    },
    "calls.error.not-current-call": {
        "id": "telepon itu sudah tidak tersambung di modem",
        "en": "that call is no longer on the modem",
    },
    "calls.action.answer": {"id": "mengangkat", "en": "answer"},
    "calls.action.hangup": {"id": "menutup", "en": "hang up"},
    "calls.action.hold": {"id": "menahan", "en": "put on hold"},
    "calls.action.ready": {"id": "menandai siap", "en": "mark ready"},
    "calls.notes_saved": {"id": "Catatan disimpan.", "en": "Notes saved."},
    "calls.summarised": {
        "id": "Item #{id} dibuat dari telepon ini.",
        "en": "Item #{id} created from this call.",
    },
    # --- the notes dialog ---------------------------------------------------------------
    "calls.notes_title": {"id": "Catatan telepon: {caller}", "en": "Call notes: {caller}"},
    "calls.summary_title": {
        "id": "Ringkasan untuk siaran: {caller}",
        "en": "Summary for air: {caller}",
    },
    "calls.dialog_hint": {"id": "{save} simpan · {cancel} batal", "en": "{save} save · {cancel} cancel"},
}
