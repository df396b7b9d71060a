"""Catalogue strings of studio sound: status, errors with their fix, doctor, CLI."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    # --- status ---------------------------------------------------------------------
    "audio.status.off": {
        "id": "Suara mati (audio.enabled = false di config.toml).",
        "en": "Sound is off (audio.enabled = false in config.toml).",
    },
    "audio.status.ok": {"id": "Suara siap.", "en": "Sound ready."},
    "audio.status.quiet": {"id": "senyap", "en": "quiet"},
    "audio.status.recording": {"id": "REKAM {seconds}", "en": "REC {seconds}"},
    "audio.none": {"id": "tidak ada", "en": "none"},
    # --- errors: what is wrong, then the fix (one sentence each) -----------------------
    "audio.err.no_library": {
        "id": "Pustaka suara PortAudio tidak bisa dimuat ({detail}); pasang dengan "
        "`sudo apt-get install libportaudio2`.",
        "en": "The PortAudio sound library cannot be loaded ({detail}); install it with "
        "`sudo apt-get install libportaudio2`.",
    },
    "audio.err.no_device": {
        "id": "Tidak ada perangkat suara yang cocok dengan {spec!r} (terlihat: {names}); colokkan, "
        "atau isi {setting} dengan nama dari `studio-console audio devices`.",
        "en": "No sound device matches {spec!r} (PortAudio sees: {names}); plug it in, or set "
        "{setting} to a name from `studio-console audio devices`.",
    },
    "audio.err.no_default": {
        "id": "Tidak ada perangkat suara bawaan untuk {setting} (terlihat: {names}); colokkan "
        "kartu suara atau jalankan server suara (PipeWire/PulseAudio).",
        "en": "There is no default sound device for {setting} (PortAudio sees: {names}); plug in "
        "a sound card or start the sound server (PipeWire/PulseAudio).",
    },
    "audio.err.busy": {
        "id": "Perangkat suara {device!r} tidak bisa dibuka ({detail}); tutup program lain yang "
        "memakainya, periksa kabelnya, atau pilih perangkat/laju sampel lain.",
        "en": "The sound device {device!r} cannot be opened ({detail}); close the program that "
        "uses it, check that it is plugged in, or choose another device or sample rate.",
    },
    "audio.err.lost": {
        "id": "Perangkat suara {device!r} berhenti bekerja (dicabut?); rekaman yang berjalan sudah "
        "ditutup, dan konsol membukanya lagi saat perangkat kembali.",
        "en": "The sound device {device!r} stopped working (unplugged?); a recording in progress "
        "was closed, and the console reopens the device when it is back.",
    },
    "audio.err.other": {
        "id": "Masalah suara: {detail}",
        "en": "Sound problem: {detail}",
    },
    "audio.err.cue_file": {
        "id": "Suara isyarat {event} tidak bisa dibaca ({detail}); nada bawaan dipakai, perbaiki "
        "audio.cues.{event} di config.toml.",
        "en": "The cue sound of {event} cannot be read ({detail}); the generated tone plays "
        "instead, fix audio.cues.{event} in config.toml.",
    },
    "audio.err.write": {
        "id": "Rekaman {path} tidak bisa ditulis sampai selesai (disk penuh?); yang sudah terekam "
        "tetap disimpan, periksa audio.recordings_folder.",
        "en": "The recording {path} could not be written to the end (disk full?); what was "
        "captured is kept, check audio.recordings_folder.",
    },
    # --- the screens ----------------------------------------------------------------
    "key.app.quiet": {"id": "Senyap", "en": "Quiet"},
    "key.producer.record": {"id": "Rekam", "en": "Record"},
    "audio.ui.title": {"id": "Suara", "en": "Sound"},
    "audio.ui.starting": {"id": "Suara: menyiapkan…", "en": "Sound: starting…"},
    "audio.ui.broken": {
        "id": "Suara tidak tersedia karena galat (lihat log); konsol tetap berjalan.",
        "en": "Sound is unavailable after an error (see the log); the console runs on.",
    },
    "audio.ui.quiet_on": {
        "id": "Mode senyap: isyarat suara tidak dibunyikan.",
        "en": "Quiet mode: cue sounds are off.",
    },
    "audio.ui.quiet_off": {
        "id": "Mode senyap selesai: isyarat suara berbunyi lagi.",
        "en": "Quiet mode off: cue sounds play again.",
    },
    "audio.ui.rec_started": {"id": "Merekam ke {name}.", "en": "Recording to {name}."},
    "audio.ui.rec_stopped": {
        "id": "Rekaman disimpan: {name} ({seconds}).",
        "en": "Recording saved: {name} ({seconds}).",
    },
    "audio.ui.rec_failed": {"id": "Tidak bisa merekam: {reason}", "en": "Cannot record: {reason}"},
    "audio.ui.rec_unknown": {
        "id": "tidak ada perangkat line-in yang terbuka.",
        "en": "no line-in device is open.",
    },
    "audio.meter.label": {"id": "Line", "en": "Line"},
    "audio.meter.none": {"id": "Line —", "en": "Line —"},
    "audio.meter.clip": {"id": "CLIP", "en": "CLIP"},
    "audio.meter.levels": {
        "id": "puncak {peak} · RMS {rms} dBFS",
        "en": "peak {peak} · RMS {rms} dBFS",
    },
    "audio.form.recording": {
        "id": "{name} · {seconds}",
        "en": "{name} · {seconds}",
    },
    "audio.form.recording_gone": {
        "id": "{name} (berkas sudah dihapus)",
        "en": "{name} (file removed)",
    },
    "audio.form.hint": {
        "id": "Rekaman telepon: centang = ikut dilampirkan.",
        "en": "Call recordings: ticked = attached.",
    },
    # --- doctor ---------------------------------------------------------------------
    "audio.doctor.title": {"id": "Suara:", "en": "Sound:"},
    "audio.doctor.portaudio": {"id": "PortAudio: {version}", "en": "PortAudio: {version}"},
    "audio.doctor.soundfile": {"id": "libsndfile: {version}", "en": "libsndfile: {version}"},
    "audio.doctor.no_devices": {
        "id": "PortAudio tidak melihat perangkat suara; colokkan kartu suara atau jalankan server "
        "suara (PipeWire/PulseAudio).",
        "en": "PortAudio sees no sound device; plug in a sound card or start the sound server "
        "(PipeWire/PulseAudio).",
    },
    "audio.doctor.output": {
        "id": "Perangkat isyarat (audio.cue_device): {name} (#{index})",
        "en": "Cue device (audio.cue_device): {name} (#{index})",
    },
    "audio.doctor.input": {
        "id": "Perangkat line-in (audio.line_device): {name} (#{index})",
        "en": "Line-in device (audio.line_device): {name} (#{index})",
    },
    "audio.doctor.folder": {
        "id": "Folder rekaman: {folder}",
        "en": "Recordings folder: {folder}",
    },
    "audio.doctor.folder_bad": {
        "id": "Folder rekaman {folder} tidak bisa ditulis; buat foldernya atau ubah audio.recordings_folder.",
        "en": "The recordings folder {folder} is not writable; create it or change audio.recordings_folder.",
    },
    "audio.doctor.all_good": {
        "id": "Suara: semua baik.",
        "en": "Sound: all good.",
    },
    "audio.doctor.problems": {
        "id": "Suara: {count} masalah (konsol tetap berjalan tanpa suara).",
        "en": "Sound: {count} problem(s) (the console still runs without sound).",
    },
    # --- CLI ------------------------------------------------------------------------
    "audio.cli.devices_header": {
        "id": "Perangkat suara yang terlihat oleh PortAudio:",
        "en": "Sound devices PortAudio sees:",
    },
    "audio.cli.cue_is": {"id": "isyarat -> {name}", "en": "cue -> {name}"},
    "audio.cli.line_is": {"id": "line-in -> {name}", "en": "line-in -> {name}"},
    "audio.cli.playing": {
        "id": "Memutar isyarat {event} di {device}…",
        "en": "Playing the {event} cue on {device}…",
    },
    "audio.cli.level": {
        "id": "Level line-in ({device}), {seconds} detik:",
        "en": "Line-in level ({device}), {seconds} s:",
    },
    "audio.cli.no_signal": {
        "id": "Tidak ada sinyal di line-in: periksa kabel dan audio.line_device.",
        "en": "No signal on the line input: check the cable and audio.line_device.",
    },
    "audio.cli.ok": {"id": "Uji suara selesai.", "en": "Sound test done."},
    "audio.cli.no_database": {
        "id": "Tidak ada basis data di {path}.",
        "en": "No database at {path}.",
    },
    "audio.cli.attached": {"id": "lampiran {count} aduan", "en": "in {count} complaint(s)"},
    "audio.cli.no_limit": {"id": "tanpa batas", "en": "no limit"},
    "audio.cli.retention": {
        "id": "{count} rekaman, {used} dari {limit} ({attached} jadi lampiran aduan, {attached_used}); "
        "tertua {oldest}; {removed} sudah dihapus (yang tertua dan bukan lampiran dihapus dulu).",
        "en": "{count} recordings, {used} of {limit} ({attached} attached to complaints, {attached_used}); "
        "oldest {oldest}; {removed} removed so far (the oldest not attached go first).",
    },
    "audio.cli.over_limit": {
        "id": "Rekaman lampiran aduan saja sudah melebihi batas: naikkan audio.max_disk_mb atau arsipkan.",
        "en": "Recordings attached to complaints alone exceed the limit: "
        "raise audio.max_disk_mb or archive them.",
    },
}
