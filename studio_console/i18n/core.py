"""Catalogue strings of the CLI, the doctor, the status bar and the demo."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # --- doctor -------------------------------------------------------------
    "doctor.title": {
        "id": "Pemeriksaan modem Studio Console",
        "en": "Studio Console modem check",
    },
    "doctor.ports_header": {"id": "Port serial:", "en": "Serial ports:"},
    "doctor.no_ports": {
        "id": "Tidak ada port serial USB. Colokkan modem, lalu jalankan lagi.",
        "en": "No USB serial ports. Plug the modem in and run this again.",
    },
    "doctor.port_line": {
        "id": "  {device}  {usb}  {desc}{by_id}",
        "en": "  {device}  {usb}  {desc}{by_id}",
    },
    "doctor.checking": {"id": "Memeriksa {port}:", "en": "Checking {port}:"},
    "doctor.mm_running": {
        "id": "ModemManager berjalan (pid {pids}) dan bisa merebut port modem. Pasang aturan udev "
              "ID_MM_DEVICE_IGNORE (lihat README, \"Perangkat keras\") atau "
              "`sudo systemctl stop ModemManager`.",
        "en": "ModemManager is running (pid {pids}) and may grab the modem port. Install the "
              "ID_MM_DEVICE_IGNORE udev rule (see README, \"Hardware\") or "
              "`sudo systemctl stop ModemManager`.",
    },
    "doctor.mm_ignored": {
        "id": "ModemManager berjalan, tetapi udev menandai port ini ID_MM_DEVICE_IGNORE: aman.",
        "en": "ModemManager is running, but udev tags this port ID_MM_DEVICE_IGNORE: safe.",
    },
    "doctor.held_by": {
        "id": "Port {port} sedang dipakai oleh {who}. Hentikan proses itu, atau jalankan konsol "
              "sebagai layar saja.",
        "en": "Port {port} is held by {who}. Stop that process, or run the console as a screen "
              "only.",
    },
    "doctor.access_ok": {"id": "Izin baca/tulis port: ya.", "en": "Read/write permission: yes."},
    "doctor.opening": {"id": "Membuka port dan menyapa modem…", "en": "Opening the port and "
                                                                      "greeting the modem…"},
    "doctor.not_ready": {
        "id": "Modem tidak siap dalam {seconds} detik: {reason}",
        "en": "The modem was not ready within {seconds} s: {reason}",
    },
    "doctor.no_answer": {
        "id": "tidak ada jawaban AT. Periksa bahwa ini port AT (modem Huawei/Quectel punya "
              "beberapa port; coba port lain dari daftar di atas).",
        "en": "no AT answer. Check that this is the AT port (Huawei/Quectel modems have several "
              "ports; try another port from the list above).",
    },
    "doctor.identity": {"id": "Modem: {maker} {model} (rev {rev}), IMEI {imei}",
                        "en": "Modem: {maker} {model} (rev {rev}), IMEI {imei}"},
    "doctor.sim": {"id": "SIM: {state}", "en": "SIM: {state}"},
    "doctor.sim_pin": {
        "id": "SIM meminta PIN. Isi modem.pin di config.toml (PIN hanya dikirim sekali; PIN salah "
              "tidak pernah diulang).",
        "en": "The SIM asks for its PIN. Set modem.pin in config.toml (it is sent once; a wrong "
              "PIN is never retried).",
    },
    "doctor.sim_puk": {
        "id": "SIM terkunci PUK. Buka dengan PUK dari kartu SIM di ponsel, lalu pasang kembali.",
        "en": "The SIM is PUK-locked. Unlock it with the PUK from the SIM card in a phone, then "
              "put it back.",
    },
    "doctor.signal": {"id": "Sinyal: {dbm} dBm (CSQ {csq})", "en": "Signal: {dbm} dBm (CSQ {csq})"},
    "doctor.signal_none": {
        "id": "Tidak ada sinyal. Pindahkan modem (kabel USB perpanjangan, dekat jendela) atau "
              "periksa antena.",
        "en": "No signal. Move the modem (USB extension cable, near a window) or check the "
              "antenna.",
    },
    "doctor.signal_weak": {
        "id": "Sinyal lemah ({dbm} dBm): SMS bisa terlambat. Pindahkan modem ke tempat lebih baik.",
        "en": "Weak signal ({dbm} dBm): SMS may be late. Move the modem somewhere better.",
    },
    "doctor.registration": {"id": "Jaringan: {reg}, operator {operator}",
                            "en": "Network: {reg}, operator {operator}"},
    "doctor.not_registered": {
        "id": "Modem belum terdaftar di jaringan ({reg}). Periksa SIM aktif dan masa berlaku "
              "kartu.",
        "en": "The modem is not registered ({reg}). Check that the SIM is active and not "
              "expired.",
    },
    "doctor.smsc": {"id": "Pusat SMS (SMSC): {smsc}", "en": "SMS centre (SMSC): {smsc}"},
    "doctor.smsc_missing": {
        "id": "SMSC tidak diketahui: SMS keluar bisa gagal. Isi modem.smsc di config.toml.",
        "en": "SMSC unknown: outgoing SMS may fail. Set modem.smsc in config.toml.",
    },
    "doctor.storage": {"id": "Penyimpanan {name}: {used}/{total} terpakai",
                       "en": "Storage {name}: {used}/{total} used"},
    "doctor.storage_full": {
        "id": "Penyimpanan {name} penuh: SMS baru tertahan di jaringan sampai konsol "
              "mengambilnya. Jalankan konsol (ia memindahkan SMS ke database lalu menghapusnya "
              "dari SIM).",
        "en": "Storage {name} is full: new SMS wait in the network until the console takes them. "
              "Run the console (it moves SMS into the database, then deletes them from the SIM).",
    },
    "doctor.all_good": {"id": "Semua baik: modem siap menerima SMS dan panggilan.",
                        "en": "All good: the modem is ready for SMS and calls."},
    "doctor.problems": {"id": "{count} masalah ditemukan.", "en": "{count} problem(s) found."},
    "doctor.unknown": {"id": "tidak diketahui", "en": "unknown"},
    # --- registration words -------------------------------------------------
    "reg.home": {"id": "terdaftar", "en": "registered"},
    "reg.roaming": {"id": "roaming", "en": "roaming"},
    "reg.searching": {"id": "mencari jaringan", "en": "searching"},
    "reg.denied": {"id": "ditolak jaringan", "en": "registration denied"},
    "reg.unregistered": {"id": "tidak terdaftar", "en": "not registered"},
    # --- modem states (status bar) --------------------------------------------
    "state.stopped": {"id": "berhenti", "en": "stopped"},
    "state.connecting": {"id": "menyambung", "en": "connecting"},
    "state.ready": {"id": "tersambung", "en": "connected"},
    "state.reconnecting": {"id": "menyambung ulang", "en": "reconnecting"},
    "state.failed": {"id": "gagal", "en": "failed"},
    # --- demo console ----------------------------------------------------------
    "demo.title": {"id": "Studio Console — demo (modem virtual)",
                   "en": "Studio Console — demo (virtual modem)"},
    "demo.waiting": {"id": "Menunggu SMS dan panggilan dari pendengar…",
                     "en": "Waiting for listener SMS and calls…"},
    "demo.status": {
        "id": "Modem {state} · {operator} · sinyal {dbm} dBm · SIM {used}/{total} · {clock} WIB",
        "en": "Modem {state} · {operator} · signal {dbm} dBm · SIM {used}/{total} · {clock} WIB",
    },
    "demo.sms_header": {"id": "SMS dari {sender} · {time}{parts}",
                        "en": "SMS from {sender} · {time}{parts}"},
    "demo.parts": {"id": " · {parts} bagian", "en": " · {parts} parts"},
    "demo.call_ringing": {"id": "Panggilan masuk dari {caller} · {time}",
                          "en": "Incoming call from {caller} · {time}"},
    "demo.call_ended": {"id": "Panggilan selesai · {time}", "en": "Call ended · {time}"},
    "demo.caller_hidden": {"id": "nomor tersembunyi", "en": "hidden number"},
    # --- key descriptions (footer, command palette, help): "key." + Binding id ---
    "key.monitor.quit": {"id": "Keluar", "en": "Quit"},
    "key.monitor.answer": {"id": "Angkat", "en": "Answer"},
    "key.monitor.hangup": {"id": "Tutup", "en": "Hang up"},
    "demo.quarantined": {"id": "PDU rusak dikarantina ({reason}): {raw}",
                         "en": "Malformed PDU quarantined ({reason}): {raw}"},
    # --- app shell ---------------------------------------------------------------
    "app.title": {"id": "Studio Console", "en": "Studio Console"},
    "app.screen_only": {"id": "Hanya layar", "en": "Screen only"},
    "app.owner_elsewhere": {
        "id": "Modem dipegang proses lain ({owner}); konsol ini berjalan sebagai layar saja.",
        "en": "The modem is held by another process ({owner}); this console runs as a screen "
              "only.",
    },
    "role.producer": {"id": "Produser", "en": "Producer"},
    "role.host": {"id": "Penyiar", "en": "Host"},
    "key.app.help": {"id": "Bantuan", "en": "Help"},
    "key.app.quit": {"id": "Keluar", "en": "Quit"},
    "key.help.close": {"id": "Tutup", "en": "Close"},
    "help.title": {"id": "Tombol", "en": "Keys"},
    "help.key": {"id": "Tombol", "en": "Key"},
    "help.action": {"id": "Fungsi", "en": "Action"},
    "status.no_service": {"id": "Modem: layanan penerima tidak berjalan",
                          "en": "Modem: no ingest service running"},
    "status.modem": {
        "id": "Modem {state} · {operator} · {dbm} dBm · SIM {used}/{total}",
        "en": "Modem {state} · {operator} · {dbm} dBm · SIM {used}/{total}",
    },
    "status.show": {"id": "SIARAN: {name}", "en": "ON AIR: {name}"},
    "status.no_show": {"id": "Tidak ada siaran", "en": "No show on air"},
    "status.outbox": {"id": "Kotak keluar {count}", "en": "Outbox {count}"},
    "status.outbox_failed": {"id": "({count} gagal kirim)", "en": "({count} failed)"},
    "status.clock": {"id": "{clock} WIB", "en": "{clock} WIB"},
    # --- screening refusals (ScreeningError keys) ---------------------------------
    "screening.role_unknown": {"id": "Peran tidak dikenal: {role}", "en": "Unknown role: {role}"},
    "screening.no_item": {"id": "Item {item} tidak ada.", "en": "Item {item} does not exist."},
    "screening.bad_target": {"id": "Item tidak bisa dipindah ke status {to}.",
                             "en": "No item can be moved to {to}."},
    "screening.role_may_not": {"id": "Peran {role} tidak boleh menandai item {to}.",
                               "en": "The {role} may not mark an item {to}."},
    "screening.cannot_become": {"id": "Item {item} berstatus {state}; tidak bisa menjadi {to}.",
                                "en": "Item {item} is {state}; it cannot become {to}."},
    "screening.producer_only": {"id": "Hanya produser yang boleh melakukan ini.",
                                "en": "Only the producer may do this."},
    "screening.unknown_field": {"id": "Isian tidak dikenal: {fields}",
                                "en": "Unknown item field(s): {fields}"},
    "screening.not_queued": {"id": "Item {item} tidak ada di antrean.",
                             "en": "Item {item} is not in the queue."},
    "screening.needs_text": {"id": "Item manual perlu teks.", "en": "A manual item needs text."},
}
