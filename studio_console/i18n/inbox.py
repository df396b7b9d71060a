"""Catalogue strings of the producer's inbox: the list and its filter bar."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # --- the list -----------------------------------------------------------
    "inbox.title": {"id": "Kotak masuk", "en": "Inbox"},
    "inbox.count": {"id": "{count} item", "en": "{count} items"},
    "inbox.loading": {"id": "memuat…", "en": "loading…"},
    "inbox.empty": {"id": "Tidak ada item yang cocok.", "en": "No matching items."},
    "inbox.pending": {"id": "{count} baru — End untuk melihat", "en": "{count} new — End to see"},
    "inbox.no_number": {"id": "(tanpa nomor)", "en": "(no number)"},
    "inbox.parts": {"id": "{received}/{expected}", "en": "{received}/{expected}"},
    "inbox.mark.blocked": {"id": "BLOKIR", "en": "BLOCKED"},
    "inbox.mark.warning": {"id": "AWAS", "en": "WARN"},
    "inbox.mark.next": {"id": "BERIKUT", "en": "NEXT"},
    # state badges (short words)
    "inbox.state.new": {"id": "BARU", "en": "NEW"},
    "inbox.state.approved": {"id": "SETUJU", "en": "OK"},
    "inbox.state.rejected": {"id": "TOLAK", "en": "REJECT"},
    "inbox.state.spam": {"id": "SPAM", "en": "SPAM"},
    "inbox.state.throttled": {"id": "BATAS", "en": "LIMIT"},
    "inbox.state.queued": {"id": "ANTRE", "en": "QUEUED"},
    "inbox.state.on_air": {"id": "UDARA", "en": "ON AIR"},
    "inbox.state.aired": {"id": "TAYANG", "en": "AIRED"},
    # kind labels
    "inbox.kind.sms": {"id": "SMS", "en": "SMS"},
    "inbox.kind.call": {"id": "TELP", "en": "CALL"},
    "inbox.kind.manual": {"id": "CATAT", "en": "NOTE"},
    # --- the filter bar -----------------------------------------------------
    "inbox.search.placeholder": {"id": "Cari kata…", "en": "Search words…"},
    "inbox.filter.state": {"id": "Status", "en": "State"},
    "inbox.filter.kind": {"id": "Jenis", "en": "Type"},
    "inbox.filter.show": {"id": "Siaran", "en": "Show"},
    "inbox.filter.date": {"id": "Tanggal", "en": "Date"},
    "inbox.filter.to_screen": {"id": "Perlu disaring", "en": "To screen"},
    "inbox.filter.this_show": {"id": "Siaran ini", "en": "This show"},
    "inbox.filter.today": {"id": "Hari ini", "en": "Today"},
    "inbox.filter.week": {"id": "7 hari", "en": "7 days"},
    # --- key descriptions ---------------------------------------------------
    "key.inbox.up": {"id": "Naik", "en": "Up"},
    "key.inbox.down": {"id": "Turun", "en": "Down"},
    "key.inbox.page_up": {"id": "Halaman naik", "en": "Page up"},
    "key.inbox.page_down": {"id": "Halaman turun", "en": "Page down"},
    "key.inbox.home": {"id": "Paling lama", "en": "Oldest"},
    "key.inbox.end": {"id": "Terbaru", "en": "Newest"},
    "key.inbox.select": {"id": "Buka", "en": "Open"},
    "key.inbox.search": {"id": "Cari", "en": "Search"},
    "key.inbox.clear_filters": {"id": "Hapus saringan", "en": "Clear filters"},
    "key.inbox.to_list": {"id": "Ke daftar", "en": "To the list"},
}
