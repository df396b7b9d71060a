"""Catalogue strings of the host's screen (penyiar): running order, big item, clock, answers."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # --- key descriptions ("key." + Binding id) ---------------------------------
    "key.host.next_item": {"id": "Item berikut", "en": "Next item"},
    "key.host.previous_item": {"id": "Item sebelumnya", "en": "Previous item"},
    "key.host.jump_next": {"id": "Ke BERIKUTNYA", "en": "Go to NEXT"},
    "key.host.on_air": {"id": "Di udara", "en": "On air"},
    "key.host.aired": {"id": "Dibacakan", "en": "Read on air"},
    "key.host.answer": {"id": "Dijawab oleh", "en": "Answered by"},
    "key.host.remove": {"id": "Keluarkan", "en": "Remove"},
    "key.host.answer_save": {"id": "Simpan", "en": "Save"},
    "key.host.answer_cancel": {"id": "Batal", "en": "Cancel"},
    # --- running order -----------------------------------------------------------
    "host.queue_count": {"id": "Urutan siar ({count})", "en": "Running order ({count})"},
    "host.queue_empty": {"id": "Antrean kosong", "en": "The queue is empty"},
    "host.mark_on_air": {"id": "DI UDARA", "en": "ON AIR"},
    "host.mark_next": {"id": "BERIKUTNYA", "en": "NEXT"},
    # --- the selected item -------------------------------------------------------
    "host.big_empty": {
        "id": "Pilih item di urutan siar (↑/↓).",
        "en": "Pick an item in the running order (↑/↓).",
    },
    "host.big_gone": {
        "id": "Item ini sudah keluar dari urutan siar.",
        "en": "This item has left the running order.",
    },
    "host.kind.sms": {"id": "SMS", "en": "SMS"},
    "host.kind.call": {"id": "Telepon", "en": "Call"},
    "host.kind.manual": {"id": "Catatan", "en": "Note"},
    "host.position": {"id": "No. {position}", "en": "No. {position}"},
    "host.received": {"id": "masuk {time}", "en": "received {time}"},
    "host.aired_at": {"id": "dibacakan {time}", "en": "read on air {time}"},
    "host.topic": {"id": "Pokok: {topic}", "en": "Topic: {topic}"},
    "host.opd": {"id": "OPD: {opd}", "en": "Agency: {opd}"},
    "host.place": {"id": "Ds. {desa}, Kec. {kecamatan}", "en": "{desa}, {kecamatan} district"},
    "host.place_kecamatan": {"id": "Kec. {kecamatan}", "en": "{kecamatan} district"},
    "host.place_desa": {"id": "Ds. {desa}", "en": "{desa} village"},
    "host.anonim": {"id": "anonim", "en": "anonymous"},
    "host.rahasia": {"id": "RAHASIA", "en": "CONFIDENTIAL"},
    "host.answered": {"id": "Dijawab oleh {by}: {answer}", "en": "Answered by {by}: {answer}"},
    "host.no_sender": {"id": "tanpa nama", "en": "no name"},
    "host.state.queued": {"id": "dalam antrean", "en": "queued"},
    "host.state.on_air": {"id": "DI UDARA", "en": "ON AIR"},
    "host.state.aired": {"id": "sudah dibacakan", "en": "read on air"},
    "host.state.approved": {"id": "di luar antrean", "en": "out of the queue"},
    # --- clock and show ------------------------------------------------------------
    "host.show_elapsed": {"id": "{name} · {elapsed}", "en": "{name} · {elapsed}"},
    "host.no_show": {"id": "Tidak ada siaran", "en": "No show on air"},
    # --- ready calls ---------------------------------------------------------------
    "host.ready_title": {"id": "Telepon siap ({count})", "en": "Ready calls ({count})"},
    "host.ready_none": {"id": "Tidak ada telepon siap", "en": "No calls ready"},
    "host.ready_line": {"id": "{caller} · tunggu {hold}", "en": "{caller} · waiting {hold}"},
    "host.hidden_caller": {"id": "nomor tersembunyi", "en": "hidden number"},
    # --- recently aired ------------------------------------------------------------
    "host.aired_title": {"id": "Sudah dibacakan", "en": "Read on air"},
    "host.aired_none": {"id": "Belum ada", "en": "None yet"},
    # --- answer dialog -------------------------------------------------------------
    "host.answer_title": {"id": "Dijawab oleh", "en": "Answered by"},
    "host.answer_by": {"id": "Pejabat / OPD yang menjawab", "en": "Official / agency who answered"},
    "host.answer_text": {"id": "Jawaban (satu baris)", "en": "Answer (one line)"},
    "host.answer_hint": {"id": "Enter: simpan · Esc: batal", "en": "Enter: save · Esc: cancel"},
    # --- notices -------------------------------------------------------------------
    "host.nothing_selected": {"id": "Tidak ada item yang dipilih.", "en": "No item selected."},
}
