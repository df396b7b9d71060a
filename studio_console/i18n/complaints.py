"""Catalogue strings of the complaint screen: lists, form, outbox, dialogs, refusals."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # --- key descriptions ("key." + Binding id) -----------------------------------
    "key.producer.complaints": {"id": "Aduan", "en": "Complaints"},
    "key.producer.complaint_from_item": {"id": "Jadikan aduan", "en": "Make complaint"},
    "key.complaints.back": {"id": "Kembali", "en": "Back"},
    "key.complaints.mark": {"id": "Tandai", "en": "Mark"},
    "key.complaints.draft": {"id": "Buat aduan", "en": "Draft complaint"},
    "key.complaints.merge": {"id": "Gabungkan", "en": "Merge"},
    "key.complaints.save": {"id": "Simpan", "en": "Save"},
    "key.complaints.desa": {"id": "Pilih desa", "en": "Choose desa"},
    "key.complaints.lists": {"id": "Ganti daftar", "en": "Switch list"},
    "key.complaints.ready": {"id": "Siap kirim", "en": "Ready to send"},
    "key.complaints.tracking": {"id": "No. lacak/status", "en": "Tracking/status"},
    "key.complaints.retry": {"id": "Kirim ulang", "en": "Retry"},
    "key.complaints.attempts": {"id": "Riwayat kirim", "en": "Send history"},
    "key.complaints.reopen": {"id": "Kembali ke draf", "en": "Back to draft"},
    "key.complaints.dialog_cancel": {"id": "Batal", "en": "Cancel"},
    "key.complaints.dialog_save": {"id": "Simpan", "en": "Save"},
    "key.complaints.dialog_close": {"id": "Tutup", "en": "Close"},
    "key.complaints.ready_confirm": {"id": "Kirim", "en": "Send"},
    # --- lists ---------------------------------------------------------------------
    "complaints.aired_title": {
        "id": "Tersiar, belum jadi aduan",
        "en": "Aired, not yet a complaint",
    },
    "complaints.list_title": {"id": "Aduan", "en": "Complaints"},
    "complaints.kind.sms": {"id": "SMS", "en": "SMS"},
    "complaints.kind.call": {"id": "Telepon", "en": "Call"},
    "complaints.kind.manual": {"id": "Manual", "en": "Manual"},
    "complaints.no_judul": {"id": "(tanpa judul)", "en": "(no title)"},
    "complaints.missing_short": {"id": "kurang: {fields}", "en": "missing: {fields}"},
    # --- statuses (after LAPOR!'s flow) ---------------------------------------------
    "complaints.status.draft": {"id": "Draf", "en": "Draft"},
    "complaints.status.siap_kirim": {"id": "Siap kirim", "en": "Ready to send"},
    "complaints.status.terkirim": {"id": "Terkirim", "en": "Submitted"},
    "complaints.status.diverifikasi": {"id": "Diverifikasi", "en": "Verified"},
    "complaints.status.didisposisikan": {"id": "Didisposisikan", "en": "Forwarded"},
    "complaints.status.ditindaklanjuti": {"id": "Ditindaklanjuti", "en": "In follow-up"},
    "complaints.status.selesai": {"id": "Selesai", "en": "Done"},
    "complaints.status.ditunda": {"id": "Ditunda", "en": "Postponed"},
    "complaints.status.bukan_wewenang": {"id": "Bukan wewenang", "en": "Not our authority"},
    "complaints.status.diarsipkan": {"id": "Diarsipkan", "en": "Archived"},
    "complaints.status.gagal_kirim": {"id": "Gagal kirim", "en": "Sending failed"},
    # --- fields ----------------------------------------------------------------------
    "complaints.field.judul": {"id": "Judul", "en": "Title"},
    "complaints.field.isi": {"id": "Isi", "en": "Text"},
    "complaints.field.klasifikasi": {"id": "Klasifikasi", "en": "Classification"},
    "complaints.field.kategori": {"id": "Kategori", "en": "Category"},
    "complaints.field.instansi": {"id": "Instansi tujuan", "en": "Target agency"},
    "complaints.field.lokasi": {"id": "Lokasi", "en": "Location"},
    "complaints.field.lokasi_detail": {"id": "Detail lokasi", "en": "Location detail"},
    "complaints.flags": {"id": "Tanda", "en": "Flags"},
    "complaints.originals_caption": {"id": "Teks asli", "en": "Original text"},
    "complaints.field.lokasi.kecamatan": {"id": "Lokasi (kecamatan)", "en": "Location (kecamatan)"},
    "complaints.field.tanggal_kejadian": {"id": "Tanggal kejadian", "en": "Date of the incident"},
    "complaints.field.pelapor": {"id": "Nama pelapor", "en": "Reporter's name"},
    "complaints.field.anonim": {"id": "Anonim", "en": "Anonymous"},
    "complaints.field.rahasia": {"id": "Rahasia", "en": "Confidential"},
    "complaints.field.dijawab_oleh": {"id": "Dijawab oleh", "en": "Answered by"},
    "complaints.field.jawaban": {"id": "Jawaban", "en": "Answer"},
    "complaints.field.lampiran": {"id": "Lampiran", "en": "Attachments"},
    "complaints.field.sumber": {"id": "Sumber", "en": "Source"},
    "complaints.class.pengaduan": {"id": "Pengaduan", "en": "Complaint"},
    "complaints.class.aspirasi": {"id": "Aspirasi", "en": "Aspiration"},
    "complaints.class.permintaan_informasi": {"id": "Permintaan informasi", "en": "Request for information"},
    "complaints.channel.sms": {"id": "SMS", "en": "SMS"},
    "complaints.channel.call": {"id": "telepon", "en": "phone call"},
    "complaints.channel.manual": {"id": "langsung", "en": "in person"},
    # --- form ------------------------------------------------------------------------
    "complaints.form_empty": {
        "id": "Belum ada aduan dipilih. Tandai item yang sudah disiarkan lalu tekan n.",
        "en": "No complaint selected. Mark aired items, then press n.",
    },
    "complaints.form_title": {"id": "Aduan #{id}", "en": "Complaint #{id}"},
    "complaints.tracking": {"id": "No. lacak: {tracking}", "en": "Tracking: {tracking}"},
    "complaints.unsaved": {"id": "belum disimpan", "en": "unsaved"},
    "complaints.missing": {"id": "Belum diisi: {fields}", "en": "Still missing: {fields}"},
    "complaints.original_n": {"id": "— asli {n} —", "en": "— original {n} —"},
    "complaints.no_originals": {"id": "(tidak ada teks asli)", "en": "(no original text)"},
    "complaints.choose": {"id": "Pilih…", "en": "Choose…"},
    "complaints.off_list": {
        "id": "{value} (tidak ada di daftar)",
        "en": "{value} (not on the list)",
    },
    "complaints.pick_desa": {"id": "Pilih desa…", "en": "Choose desa…"},
    "complaints.place": {"id": "Desa {desa}, Kec. {kecamatan}", "en": "{desa}, kecamatan {kecamatan}"},
    "complaints.place_kecamatan": {"id": "Kec. {kecamatan}", "en": "Kecamatan {kecamatan}"},
    "complaints.no_place": {"id": "(belum dipilih)", "en": "(not chosen)"},
    "complaints.hint.judul": {"id": "paling banyak 100 karakter", "en": "at most 100 characters"},
    "complaints.hint.detail": {
        "id": "detail lokasi: dusun, RT/RW, jalan",
        "en": "location detail: dusun, RT/RW, road",
    },
    "complaints.hint.date": {"id": "TTTT-BB-HH, mis. 2026-03-05", "en": "YYYY-MM-DD, e.g. 2026-03-05"},
    "complaints.hint.pelapor": {"id": "nama pelapor (opsional)", "en": "reporter's name (optional)"},
    "complaints.hint.tracking": {"id": "mis. 1234567", "en": "e.g. 1234567"},
    "complaints.number": {
        "id": "Nomor: {number} (hanya untuk produser; tidak dikirim bila anonim)",
        "en": "Number: {number} (producer only; not sent when anonymous)",
    },
    "complaints.no_number": {"id": "Tanpa nomor", "en": "No number"},
    "complaints.none": {"id": "(tidak ada)", "en": "(none)"},
    "complaints.sumber": {
        "id": "{programme} · {station} · {channel} · disiarkan {aired}",
        "en": "{programme} · {station} · {channel} · aired {aired}",
    },
    "complaints.save_button": {"id": "Simpan (ctrl+s)", "en": "Save (ctrl+s)"},
    # --- outbox ----------------------------------------------------------------------
    "complaints.outbox_title": {"id": "Pengiriman", "en": "Sending"},
    "complaints.outbox_empty": {
        "id": "Belum masuk outbox (tandai siap kirim dulu).",
        "en": "Not in the outbox yet (mark it ready first).",
    },
    "complaints.outbox.transport": {"id": "Jalur", "en": "Transport"},
    "complaints.outbox.state": {"id": "Status", "en": "State"},
    "complaints.outbox.attempts": {"id": "Coba", "en": "Tries"},
    "complaints.outbox.next": {"id": "Berikutnya", "en": "Next try"},
    "complaints.outbox.error": {"id": "Galat terakhir", "en": "Last error"},
    "complaints.outbox.tracking": {"id": "No. lacak", "en": "Tracking"},
    "complaints.outbox_state.pending": {"id": "menunggu", "en": "waiting"},
    "complaints.outbox_state.sending": {"id": "mengirim", "en": "sending"},
    "complaints.outbox_state.sent": {"id": "terkirim", "en": "sent"},
    "complaints.outbox_state.gagal_kirim": {"id": "GAGAL KIRIM", "en": "FAILED"},
    "complaints.outbox_state.dibatalkan": {"id": "dibatalkan", "en": "cancelled"},
    "complaints.sent.file": {"id": "terkirim ke operator", "en": "sent to the operator"},
    "complaints.sent.sms1708": {"id": "terkirim ke 1708", "en": "sent to 1708"},
    "complaints.sent.http": {"id": "terkirim", "en": "sent"},
    "complaints.sent.balasan": {"id": "terkirim ke warga", "en": "sent to the citizen"},
    "complaints.skipped": {"id": "dilewati", "en": "skipped"},
    "complaints.skipped.no_number": {
        "id": "tidak dikirim: warga tak punya nomor HP",
        "en": "not sent: the citizen has no mobile number",
    },
    "complaints.skipped.rate_limited": {
        "id": "tidak dikirim: nomor ini baru saja dibalas",
        "en": "not sent: this number was replied to recently",
    },
    "complaints.skipped.no_tracking": {
        "id": "tidak dikirim: belum ada no. lacak",
        "en": "not sent: no tracking ID yet",
    },
    "complaints.skipped.other": {"id": "tidak dikirim: {reason}", "en": "not sent: {reason}"},
    "complaints.outbox.delivery": {"id": "Sampai?", "en": "Delivered?"},
    "complaints.delivery.delivered": {"id": "sampai", "en": "delivered"},
    "complaints.delivery.pending": {"id": "menunggu laporan", "en": "awaiting report"},
    "complaints.delivery.failed": {"id": "TIDAK SAMPAI", "en": "NOT DELIVERED"},
    "complaints.delivery.uncertain": {"id": "mungkin terkirim: periksa", "en": "may have gone: check"},
    "complaints.delivery.not_sent": {"id": "belum terkirim", "en": "not sent yet"},
    "complaints.delivery.abandoned": {"id": "dilepas", "en": "released"},
    "complaints.delivery_line": {
        "id": "{transport}: laporan kirim {state}",
        "en": "{transport}: delivery report {state}",
    },
    "complaints.delivery_network": {"id": "(jaringan: {text})", "en": "(network: {text})"},
    "complaints.waiting.file": {
        "id": "Terkirim ke operator, menunggu no. lacak",
        "en": "Sent to the operator, awaiting the tracking ID",
    },
    "complaints.waiting.sms1708": {
        "id": "Terkirim ke 1708, menunggu balasan LAPOR!",
        "en": "Sent to 1708, awaiting LAPOR!'s reply",
    },
    "complaints.waiting.other": {
        "id": "Terkirim, menunggu no. lacak",
        "en": "Sent, awaiting the tracking ID",
    },
    "complaints.transport.file": {"id": "Berkas (operator Kominfo)", "en": "File (Kominfo operator)"},
    "complaints.transport.sms1708": {"id": "SMS ke 1708 (LAPOR!)", "en": "SMS to 1708 (LAPOR!)"},
    "complaints.transport.http": {"id": "HTTP (SIAP LAPOR!)", "en": "HTTP (SIAP LAPOR!)"},
    "complaints.transport.balasan": {"id": "Balasan ke warga", "en": "Reply to the citizen"},
    "complaints.transport_short.file": {"id": "Berkas", "en": "File"},
    "complaints.transport_short.sms1708": {"id": "SMS 1708", "en": "SMS 1708"},
    "complaints.transport_short.http": {"id": "HTTP", "en": "HTTP"},
    "complaints.transport_short.balasan": {"id": "Balasan", "en": "Reply"},
    "complaints.last_error": {"id": "Galat {transport}:", "en": "{transport} error:"},
    "complaints.attempts_title": {
        "id": "Riwayat pengiriman aduan #{id} lewat {transport}",
        "en": "Send history of complaint #{id} via {transport}",
    },
    "complaints.attempts_none": {"id": "Belum pernah dicoba.", "en": "Not tried yet."},
    "complaints.attempts_at": {"id": "Waktu", "en": "Time"},
    "complaints.attempts_result": {"id": "Hasil", "en": "Result"},
    "complaints.attempts_error": {"id": "Galat", "en": "Error"},
    "complaints.attempt.sent": {"id": "terkirim", "en": "sent"},
    "complaints.attempt.transient": {"id": "gagal sementara", "en": "failed for now"},
    "complaints.attempt.permanent": {"id": "ditolak", "en": "refused"},
    "complaints.attempt.deferred": {"id": "ditunda", "en": "deferred"},
    "complaints.attempt.error": {"id": "galat", "en": "error"},
    # --- transport errors (last_error): known ones translated, the original kept beside ---
    "complaints.err.original": {"id": "teks asli: {text}", "en": "original: {text}"},
    "complaints.err.unknown": {"id": "galat lain (teks asli di bawah)", "en": "other error (original below)"},
    "complaints.err.sms_uncertain": {
        "id": "SMS mungkin sudah sampai ke LAPOR! (pengiriman terputus); periksa dulu sebelum kirim ulang",
        "en": "the SMS may already have reached LAPOR! (the send was cut short); check before resending",
    },
    "complaints.err.sms_awaiting_reply": {
        "id": "menunggu balasan LAPOR! atas SMS sebelumnya",
        "en": "waiting for LAPOR!'s reply to the previous SMS",
    },
    "complaints.err.modem_not_ready": {
        "id": "modem belum siap ({state})",
        "en": "the modem is not ready ({state})",
    },
    "complaints.err.modem_refused": {
        "id": "modem menolak SMS",
        "en": "the modem refused the SMS",
    },
    "complaints.err.http_refused": {
        "id": "server menolak aduan (HTTP {status}); perbaiki aduan (kembali ke draf)",
        "en": "the server refused the complaint (HTTP {status}); fix it (back to draft)",
    },
    "complaints.err.http_token": {
        "id": "server menolak token (HTTP {status}); periksa variabel lingkungan {env}",
        "en": "the server refused the token (HTTP {status}); check the environment variable {env}",
    },
    "complaints.err.token_missing": {
        "id": "token HTTP belum diatur (variabel lingkungan {env})",
        "en": "the HTTP token is not set (environment variable {env})",
    },
    "complaints.err.http_busy": {
        "id": "server masih memproses kiriman yang sama (HTTP {status})",
        "en": "the server is still processing the same send (HTTP {status})",
    },
    "complaints.err.http_server": {
        "id": "server sedang bermasalah (HTTP {status})",
        "en": "the server has a problem (HTTP {status})",
    },
    "complaints.err.http_redirect": {
        "id": "server mengalihkan (HTTP {status}); atur export.http_url ke alamat akhirnya",
        "en": "the server redirects (HTTP {status}); set export.http_url to the final address",
    },
    "complaints.err.http_bad_answer": {
        "id": "jawaban server tidak terbaca (HTTP {status})",
        "en": "the server's answer cannot be read (HTTP {status})",
    },
    "complaints.err.http_other": {
        "id": "jawaban server tak terduga (HTTP {status})",
        "en": "unexpected answer from the server (HTTP {status})",
    },
    "complaints.err.timeout": {
        "id": "server tidak menjawab tepat waktu",
        "en": "the server did not answer in time",
    },
    "complaints.err.network": {
        "id": "koneksi ke server gagal",
        "en": "the connection to the server failed",
    },
    "complaints.err.tls": {
        "id": "sertifikat TLS server tidak dipercaya; atur export.http_ca_file",
        "en": "the server's TLS certificate is not trusted; set export.http_ca_file",
    },
    "complaints.err.schema": {
        "id": "aduan tidak sesuai skema JSON; perbaiki aduan (kembali ke draf)",
        "en": "the complaint does not match the JSON schema; fix it (back to draft)",
    },
    "complaints.err.plain_http": {
        "id": "token tidak dikirim lewat http biasa; pakai alamat https:// di export.http_url",
        "en": "the token is not sent over plain http; use an https:// address in export.http_url",
    },
    "complaints.err.file_write": {
        "id": "berkas tidak bisa ditulis di folder ekspor",
        "en": "the package cannot be written in the export folder",
    },
    "complaints.err.file_package": {
        "id": "paket berkas tidak bisa dibuat",
        "en": "the file package cannot be made",
    },
    "complaints.err.reply": {
        "id": "balasan ke warga tidak bisa dikirim",
        "en": "the reply to the citizen cannot be sent",
    },
    # --- weekly review ---------------------------------------------------------------
    "complaints.legend.title": {"id": "Warna evaluasi mingguan", "en": "Weekly review colours"},
    "complaints.legend.red": {
        "id": "merah: belum ditindaklanjuti, lewat batas (3 hari kerja; 8 setelah disposisi)",
        "en": "red: no follow-up, past the deadline (3 working days; 8 once forwarded)",
    },
    "complaints.legend.yellow": {
        "id": "kuning: dalam proses / masih dalam batas waktu",
        "en": "yellow: in process / still within the deadline",
    },
    "complaints.legend.blue": {
        "id": "biru: selesai (selesai, bukan wewenang, diarsipkan)",
        "en": "blue: done (done, not our authority, archived)",
    },
    "complaints.legend.draft": {"id": "draf, belum dikirim", "en": "draft, not sent yet"},
    # --- mark ready --------------------------------------------------------------------
    "complaints.ready_title": {
        "id": "Siap kirim aduan #{id}: {judul}",
        "en": "Send complaint #{id}: {judul}",
    },
    "complaints.ready_choose": {"id": "Kirim lewat:", "en": "Send through:"},
    "complaints.ready_send": {"id": "Kirim (ctrl+s)", "en": "Send (ctrl+s)"},
    "complaints.sms.header": {
        "id": "Teks yang dikirim ke 1708 ({encoding}, {length}/{limit} karakter):",
        "en": "Text sent to 1708 ({encoding}, {length}/{limit} characters):",
    },
    "complaints.sms.whole": {"id": "Muat utuh dalam satu SMS.", "en": "Fits whole in one SMS."},
    "complaints.sms.shortened": {
        "id": "Dipendekkan agar muat satu SMS:",
        "en": "Shortened to fit one SMS:",
    },
    "complaints.sms.note.normalised": {
        "id": "huruf khusus diganti huruf biasa (spasi, tanda kutip, emoji)",
        "en": "special characters replaced by plain ones (spaces, quotes, emoji)",
    },
    "complaints.sms.note.location_dropped": {
        "id": "lokasi dihapus dari SMS (tetap ada di berkas dan HTTP)",
        "en": "location left out of the SMS (kept in the file and HTTP)",
    },
    "complaints.sms.note.detail_dropped": {
        "id": "detail lokasi (dusun, RT/RW) dihapus dari SMS",
        "en": "the location detail (dusun, RT/RW) was left out of the SMS",
    },
    "complaints.sms.note.empty": {
        "id": "tidak ada isi untuk dikirim selain kata kunci",
        "en": "there is no text to send beside the keyword",
    },
    "complaints.sms.note.isi_cut": {
        "id": "isi dipotong di akhir",
        "en": "the text was cut at the end",
    },
    "complaints.sms.note.ucs2": {
        "id": "dikirim sebagai UCS2 (maks. 70 karakter) karena ada huruf di luar GSM",
        "en": "sent as UCS2 (70 characters at most): it has characters outside GSM",
    },
    "complaints.sms.removed": {
        "id": "Bagian isi yang terpotong: {removed}",
        "en": "Part of the text cut: {removed}",
    },
    "complaints.sms.unavailable": {
        "id": "Pratinjau SMS 1708 belum tersedia di versi ini.",
        "en": "The 1708 SMS preview is not available in this version.",
    },
    "complaints.sms.failed": {
        "id": "SMS 1708 tidak bisa disusun: {reason}",
        "en": "The 1708 SMS cannot be composed: {reason}",
    },
    # --- tracking --------------------------------------------------------------------
    "complaints.tracking_title": {
        "id": "No. lacak dan status aduan #{id}",
        "en": "Tracking ID and status of complaint #{id}",
    },
    "complaints.tracking_id": {
        "id": "No. lacak LAPOR! (kosong: tetap)",
        "en": "LAPOR! tracking ID (empty: unchanged)",
    },
    "complaints.tracking_status": {"id": "Status", "en": "Status"},
    "complaints.tracking_status_hint": {
        "id": "Hanya status setelah aduan sampai ke LAPOR!.",
        "en": "Only statuses after the complaint reached LAPOR!.",
    },
    # --- back to draft -----------------------------------------------------------------
    "complaints.reopen_confirm": {
        "id": "Kembalikan aduan #{id} ke draf? Pengiriman yang belum terkirim dibatalkan. "
        "Setelah diperbaiki, tandai siap kirim lagi: aduan dikirim sebagai kiriman baru.",
        "en": "Take complaint #{id} back to draft? Sends not done yet are cancelled. "
        "Once fixed, mark it ready again: it goes out as a new submission.",
    },
    "complaints.reopened": {
        "id": "Aduan #{id} kembali jadi draf. Perbaiki, lalu tandai siap kirim lagi (F5).",
        "en": "Complaint #{id} is a draft again. Fix it, then mark it ready again (F5).",
    },
    # --- retry -------------------------------------------------------------------------
    "complaints.retry_uncertain": {
        "id": "SMS ini mungkin sudah sampai ke LAPOR! 1708. Periksa balasan LAPOR! atau "
        "lapor.go.id dulu. Kirim ulang?",
        "en": "This SMS may already have reached LAPOR! 1708. Check LAPOR!'s reply or "
        "lapor.go.id first. Send it again?",
    },
    "complaints.retry_highlight": {
        "id": "Baris yang disorot tidak gagal. Sorot baris yang gagal ({transports}) lalu tekan F9.",
        "en": "The highlighted row has not failed. Highlight the failed row ({transports}) and press F9.",
    },
    # --- lampiran and anonim ---------------------------------------------------------------
    "complaints.recordings_anonim": {
        "id": "Aduan anonim: rekaman tidak dilampirkan otomatis karena suara penelepon bisa "
        "mengenali dia. Centang hanya bila penelepon setuju.",
        "en": "Anonymous complaint: recordings are not attached by default, the caller's voice "
        "can identify them. Tick one only if the caller agrees.",
    },
    # --- ready: rahasia and 1708 ---------------------------------------------------------
    "complaints.sms.rahasia": {
        "id": "SMS 1708 tidak dipakai untuk aduan rahasia: SMS tidak bisa menandai aduan rahasia, "
        "jadi LAPOR! bisa menampilkannya ke publik.",
        "en": "SMS 1708 is not used for a confidential complaint: an SMS cannot mark it "
        "confidential, so LAPOR! may show it publicly.",
    },
    # --- notifications ---------------------------------------------------------------
    "complaints.drafted": {
        "id": "Aduan #{id} dibuat dari {count} item.",
        "en": "Complaint #{id} drafted from {count} item(s).",
    },
    "complaints.merged": {
        "id": "{others} digabung ke aduan #{id}.",
        "en": "{others} merged into complaint #{id}.",
    },
    "complaints.saved": {"id": "Aduan #{id} disimpan.", "en": "Complaint #{id} saved."},
    "complaints.readied": {
        "id": "Aduan #{id} siap kirim lewat: {transports}.",
        "en": "Complaint #{id} is ready to send through: {transports}.",
    },
    "complaints.tracking_set": {
        "id": "No. lacak dan status aduan #{id} disimpan.",
        "en": "Tracking ID and status of complaint #{id} saved.",
    },
    "complaints.retried": {"id": "Dikirim ulang: {transports}.", "en": "Sending again: {transports}."},
    "complaints.discard": {
        "id": "Perubahan aduan #{id} belum disimpan. Buang perubahan?",
        "en": "Complaint #{id} has unsaved changes. Discard them?",
    },
    "complaints.save_first": {
        "id": "Simpan dulu perubahan aduan ini.",
        "en": "Save the changes to this complaint first.",
    },
    "complaints.no_aired": {
        "id": "Tidak ada item tersiar yang dipilih.",
        "en": "No aired item is selected.",
    },
    "complaints.no_complaint": {"id": "Pilih aduan dulu.", "en": "Select a complaint first."},
    "complaints.no_outbox_row": {
        "id": "Aduan ini belum punya baris pengiriman.",
        "en": "This complaint has no sending rows yet.",
    },
    "complaints.nothing_to_retry": {
        "id": "Tidak ada pengiriman yang gagal.",
        "en": "No sending has failed.",
    },
    "complaints.item_not_aired": {
        "id": "Hanya item yang sudah disiarkan yang bisa jadi aduan.",
        "en": "Only aired items can become complaints.",
    },
    # --- refusals ---------------------------------------------------------------------
    "complaints.error.missing": {
        "id": "Isi dulu sebelum dikirim: {fields}.",
        "en": "Fill in before sending: {fields}.",
    },
    "complaints.error.not_in_list": {
        "id": "{field} \u201c{value}\u201d tidak ada di daftar config.toml; pilih dari daftar.",
        "en": "{field} \u201c{value}\u201d is not in the list in config.toml; choose from the list.",
    },
    "complaints.error.judul_long": {
        "id": "Judul {length} karakter; paling banyak {limit}.",
        "en": "The title is {length} characters; at most {limit}.",
    },
    "complaints.error.not_draft": {
        "id": "Aduan #{id} berstatus {status}; hanya draf yang bisa diubah.",
        "en": "Complaint #{id} is {status}; only drafts can be changed.",
    },
    "complaints.error.not_aired": {
        "id": "Hanya item yang sudah disiarkan yang bisa jadi aduan.",
        "en": "Only aired items can become complaints.",
    },
    "complaints.error.taken": {
        "id": "Item itu sudah masuk aduan lain.",
        "en": "That item is already part of another complaint.",
    },
    "complaints.error.no_items": {
        "id": "Aduan perlu paling sedikit satu item tersiar.",
        "en": "A complaint needs at least one aired item.",
    },
    "complaints.error.no_transport": {
        "id": "Pilih paling sedikit satu jalur pengiriman.",
        "en": "Choose at least one way to send it.",
    },
    "complaints.error.no_transports_configured": {
        "id": "Tidak ada jalur pengiriman di config.toml (export.transports).",
        "en": "No transports are configured in config.toml (export.transports).",
    },
    "complaints.error.merge_one": {
        "id": "Tandai paling sedikit dua draf (spasi) untuk digabung.",
        "en": "Mark at least two drafts (space) to merge.",
    },
    "complaints.error.not_failed": {
        "id": "Pengiriman itu {state}; hanya yang gagal yang dikirim ulang.",
        "en": "That row is {state}; only failed rows are sent again.",
    },
    "complaints.error.gone": {"id": "Aduan itu sudah tidak ada.", "en": "That complaint no longer exists."},
    "complaints.error.reopen_status": {
        "id": "Aduan #{id} berstatus {status}; hanya aduan siap kirim atau gagal kirim yang bisa "
        "dikembalikan ke draf.",
        "en": "Complaint #{id} is {status}; only a complaint ready to send or failed goes back to draft.",
    },
    "complaints.error.reopen_sent": {
        "id": "Aduan #{id} tidak bisa kembali ke draf: pengiriman {transport} {state}, jadi tujuan "
        "mungkin sudah menerimanya. Isi no. lacak/status saja (F8).",
        "en": "Complaint #{id} cannot go back to draft: its {transport} send is {state}, so the "
        "destination may have it already. Set the tracking ID/status instead (F8).",
    },
    "complaints.error.reopen_sms": {
        "id": "Aduan #{id} tidak bisa kembali ke draf: {transport} sudah mulai dikirim dan mungkin "
        "sudah sampai. Periksa balasan LAPOR! atau lapor.go.id dulu.",
        "en": "Complaint #{id} cannot go back to draft: its {transport} was begun and may have "
        "arrived. Check LAPOR!'s reply or lapor.go.id first.",
    },
    "complaints.error.sms_uncertain": {
        "id": "SMS itu mungkin sudah sampai ke LAPOR!; periksa dulu sebelum kirim ulang.",
        "en": "That SMS may already have reached LAPOR!; check before sending it again.",
    },
    "complaints.error.rahasia_sms": {
        "id": "Aduan rahasia tidak dikirim lewat SMS 1708.",
        "en": "A confidential complaint is not sent by SMS 1708.",
    },
    "complaints.error.http_fields": {
        "id": "HTTP (SIAP LAPOR!) tidak bisa membawa isian ini apa adanya: {fields}.",
        "en": "HTTP (SIAP LAPOR!) cannot carry these fields as they are: {fields}.",
    },
    "complaints.error.unknown_transport": {
        "id": "Jalur pengiriman tidak dikenal: {names}.",
        "en": "Unknown transport: {names}.",
    },
    "complaints.error.tracking_taken": {
        "id": "No. lacak {tracking} sudah dipakai aduan #{other}.",
        "en": "Tracking ID {tracking} already belongs to complaint #{other}.",
    },
    "complaints.error.date_format": {
        "id": "Tanggal kejadian \u201c{value}\u201d harus ditulis TTTT-BB-HH, mis. 2026-03-05.",
        "en": "Date of the incident \u201c{value}\u201d must be written YYYY-MM-DD, e.g. 2026-03-05.",
    },
    "complaints.error.date_invalid": {
        "id": "Tanggal kejadian {value} tidak ada di kalender.",
        "en": "Date of the incident {value} is not a calendar date.",
    },
    "complaints.error.date_future": {
        "id": "Tanggal kejadian {value} belum terjadi (setelah hari ini).",
        "en": "Date of the incident {value} is after today.",
    },
    "complaints.error.other": {"id": "Gagal: {reason}", "en": "Failed: {reason}"},
}
