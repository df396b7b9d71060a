"""The database schema as numbered migrations (``PRAGMA user_version``).

Migration N brings a database from version N-1 to N. They are applied in order,
each in its own transaction, automatically when a database is opened. Never edit
a released migration: add the next one.

Times are ISO 8601 text: instants in UTC (``…+00:00``); the network's own
timestamp of an SMS (``sent_at``) keeps the offset the network reported.
"""

from __future__ import annotations

import unicodedata

__all__ = ["MIGRATIONS", "SCHEMA_VERSION"]

_V1_CORE = """
CREATE TABLE senders (
    id              INTEGER PRIMARY KEY,
    key             TEXT NOT NULL UNIQUE,       -- E.164, 'short:1708', 'alpha:NAME', 'hidden:'
    e164            TEXT,
    raw             TEXT NOT NULL,              -- as first received
    kind            TEXT NOT NULL,              -- mobile fixed short_code alphanumeric foreign hidden unknown
    masked          TEXT NOT NULL,              -- 0812****7890: the only form the host sees
    operator        TEXT,
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    message_count   INTEGER NOT NULL DEFAULT 0,
    call_count      INTEGER NOT NULL DEFAULT 0,
    blocked         INTEGER NOT NULL DEFAULT 0,
    blocked_reason  TEXT,
    blocked_at      TEXT,
    warning         TEXT,
    notes           TEXT,
    name            TEXT,
    kecamatan_code  TEXT,
    desa_code       TEXT
);

CREATE TABLE shows (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    started_by  TEXT,
    ended_by    TEXT
);
-- At most one show on air.
CREATE UNIQUE INDEX shows_one_on_air ON shows ((1)) WHERE ended_at IS NULL;

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    sender_id       INTEGER NOT NULL REFERENCES senders(id),
    sender_raw      TEXT NOT NULL,
    text            TEXT NOT NULL,
    received_at     TEXT NOT NULL,              -- when the first part reached the database (UTC)
    sent_at         TEXT,                       -- network timestamp (SCTS) with its offset
    parts_expected  INTEGER NOT NULL DEFAULT 1,
    parts_received  INTEGER NOT NULL DEFAULT 1,
    complete        INTEGER NOT NULL DEFAULT 1,
    concat_ref      INTEGER,
    encoding        TEXT,
    flash           INTEGER NOT NULL DEFAULT 0,
    show_id         INTEGER REFERENCES shows(id)
);
CREATE INDEX messages_sender ON messages (sender_id, id);
CREATE INDEX messages_show ON messages (show_id, id);
CREATE INDEX messages_received ON messages (received_at);

CREATE TABLE parts (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT NOT NULL UNIQUE,       -- hash of the TPDU: storage- and slot-independent
    received_at     TEXT NOT NULL,
    storage         TEXT,
    slot            INTEGER,
    pdu_hex         TEXT NOT NULL,              -- raw PDU as read from the modem
    smsc            TEXT,
    sender_id       INTEGER NOT NULL REFERENCES senders(id),
    sender_raw      TEXT NOT NULL,
    sent_at         TEXT,
    text            TEXT NOT NULL,
    encoding        TEXT NOT NULL,
    concat_ref      INTEGER,
    concat_parts    INTEGER,
    concat_seq      INTEGER,
    message_id      INTEGER REFERENCES messages(id)
);
CREATE INDEX parts_pending ON parts (sender_id, concat_ref, concat_parts) WHERE message_id IS NULL;
CREATE INDEX parts_message ON parts (message_id);

CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY,
    dedupe_key  TEXT NOT NULL UNIQUE,
    received_at TEXT NOT NULL,
    storage     TEXT,
    slot        INTEGER,
    pdu_hex     TEXT NOT NULL,                  -- kept verbatim for a person or a better decoder
    reason      TEXT NOT NULL
);

CREATE TABLE calls (
    id              INTEGER PRIMARY KEY,
    sender_id       INTEGER NOT NULL REFERENCES senders(id),
    number_raw      TEXT NOT NULL,
    state           TEXT NOT NULL,  -- ringing screening hold ready on_air ended missed rejected blocked
    show_id         INTEGER REFERENCES shows(id),
    ringing_at      TEXT NOT NULL,
    clip_at         TEXT,
    screening_at    TEXT,
    hold_at         TEXT,
    ready_at        TEXT,
    on_air_at       TEXT,
    ended_at        TEXT,
    end_reason      TEXT,
    notes           TEXT
);
CREATE INDEX calls_sender ON calls (sender_id, id);
CREATE INDEX calls_state ON calls (state);

CREATE TABLE items (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('sms', 'call', 'manual')),
    message_id      INTEGER UNIQUE REFERENCES messages(id),
    call_id         INTEGER REFERENCES calls(id),
    show_id         INTEGER REFERENCES shows(id),
    state           TEXT NOT NULL,              -- new approved rejected spam throttled queued on_air aired
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    manual_text     TEXT,                       -- text of a manual item
    air_text        TEXT,                       -- the producer's edit for air; the original stays
    position        REAL,                       -- running order in the host's queue
    is_next         INTEGER NOT NULL DEFAULT 0,
    topic           TEXT,
    opd             TEXT,
    category        TEXT,
    priority        INTEGER NOT NULL DEFAULT 0,
    anonim          INTEGER NOT NULL DEFAULT 1,
    rahasia         INTEGER NOT NULL DEFAULT 0,
    reporter_name   TEXT,
    kecamatan_code  TEXT,
    desa_code       TEXT,
    aired_at        TEXT,
    aired_show_id   INTEGER REFERENCES shows(id),
    aired_by        TEXT,
    answered_by     TEXT,
    answer          TEXT
);
CREATE INDEX items_state ON items (state, id);
CREATE INDEX items_show ON items (show_id, id);

CREATE TABLE sent_sms (
    id          INTEGER PRIMARY KEY,
    recipient   TEXT NOT NULL,
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    purpose     TEXT NOT NULL DEFAULT 'manual', -- manual, lapor, reply
    related_id  INTEGER
);

CREATE TABLE sent_parts (
    id              INTEGER PRIMARY KEY,
    sent_id         INTEGER NOT NULL REFERENCES sent_sms(id),
    seq             INTEGER NOT NULL,
    reference       INTEGER,                    -- TP-MR from +CMGS
    sent_at         TEXT,
    status          INTEGER,                    -- TP-ST of the delivery report
    status_text     TEXT,
    delivered       INTEGER,
    status_at       TEXT,
    discharge_at    TEXT
);
CREATE INDEX sent_parts_reference ON sent_parts (reference, id);

CREATE TABLE status_reports (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT NOT NULL UNIQUE,
    received_at     TEXT NOT NULL,
    pdu_hex         TEXT NOT NULL,
    recipient       TEXT,
    reference       INTEGER,
    status          INTEGER,
    sent_part_id    INTEGER REFERENCES sent_parts(id)
);

CREATE TABLE audit (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,
    actor_role  TEXT NOT NULL,                  -- producer host system operator
    actor       TEXT,
    entity      TEXT NOT NULL,                  -- item call sender show message complaint
    entity_id   INTEGER,
    action      TEXT NOT NULL,
    from_state  TEXT,
    to_state    TEXT,
    detail      TEXT
);
CREATE INDEX audit_entity ON audit (entity, entity_id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

CREATE TABLE service_status (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    pid         INTEGER,
    host        TEXT,
    updated_at  TEXT NOT NULL,
    data        TEXT NOT NULL                   -- JSON: modem state, signal, storage, counters
);
"""

# Fill the search index and keep it in step with messages and sender names
# (the same in every version of the search table).
_FTS_FILL_AND_TRIGGERS = """INSERT INTO messages_fts (rowid, text, sender_name)
    SELECT m.id, m.text, coalesce(s.name, '') FROM messages m JOIN senders s ON s.id = m.sender_id;
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
    INSERT INTO messages_fts (rowid, text, sender_name)
    VALUES (new.id, new.text, coalesce((SELECT name FROM senders WHERE id = new.sender_id), ''));
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
    UPDATE messages_fts SET text = new.text WHERE rowid = new.id;
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
END;
CREATE TRIGGER senders_name_fts AFTER UPDATE OF name ON senders BEGIN
    UPDATE messages_fts SET sender_name = coalesce(new.name, '')
    WHERE rowid IN (SELECT id FROM messages WHERE sender_id = new.id);
END;
"""

_V2_SEARCH = f"""
-- Full-text search over message text and the sender's remembered name.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, sender_name, tokenize = 'unicode61 remove_diacritics 2'
);
{_FTS_FILL_AND_TRIGGERS}"""

_V3_COMPLAINTS = """
-- Room for the complaints and their outbox (filled in by the complaint export).
CREATE TABLE complaints (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'draft',
    tracking_id TEXT,
    data        TEXT NOT NULL DEFAULT '{}'      -- the complaint fields (domain.md), JSON
);
CREATE TABLE complaint_items (
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    item_id      INTEGER NOT NULL REFERENCES items(id),
    PRIMARY KEY (complaint_id, item_id)
);
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    complaint_id    INTEGER NOT NULL REFERENCES complaints(id),
    transport       TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT,
    receipt         TEXT,
    last_error      TEXT
);
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
CREATE TABLE outbox_attempts (
    id          INTEGER PRIMARY KEY,
    outbox_id   INTEGER NOT NULL REFERENCES outbox(id),
    at          TEXT NOT NULL,
    result      TEXT NOT NULL,
    error       TEXT
);
"""

_V4_MODEM_COMMANDS = """
-- What the screens ask the ingest service (in this process or the daemon) to do on the
-- modem. A screen inserts a pending row; the service carries it out and marks it done or
-- failed. Rows are kept as a record (who answered or hung up which call, and when).
CREATE TABLE modem_commands (
    id              INTEGER PRIMARY KEY,
    created_at      TEXT NOT NULL,
    command         TEXT NOT NULL CHECK (command IN ('answer', 'hangup')),
    args            TEXT NOT NULL DEFAULT '{}',     -- JSON, e.g. {"call_id": 7}
    requested_role  TEXT NOT NULL,                  -- producer host system
    requested_by    TEXT,
    state           TEXT NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'done', 'failed')),
    done_at         TEXT,
    error           TEXT                            -- 'stale', 'not-current-call' or the modem's reason
);
CREATE INDEX modem_commands_pending ON modem_commands (id) WHERE state = 'pending';
-- The calls panel finds the item a call was summarised into.
CREATE INDEX items_call ON items (call_id) WHERE call_id IS NOT NULL;
"""


def _separators() -> str:
    """Every assigned symbol, punctuation, space and control character above ASCII.

    SQLite's unicode61 tokenizer knows Unicode 6.1 only and takes newer symbols
    (emoji since Unicode 8, skin tones, bidi isolates) for letters, gluing them to
    the word beside them ("aamiin🤲"). Declaring them separators fixes that; the
    list is fixed in the table definition when the migration runs.
    """
    chars = (chr(c) for c in range(0xA0, 0x110000))
    keep = "".join(c for c in chars if unicodedata.category(c)[0] in "SPZC"
                   and unicodedata.category(c) not in ("Cn", "Cs", "Co"))
    return keep.replace("'", "''").replace('"', '""')


_V5_SEARCH_TOKENS = f"""
-- Search: newer symbols are separators, 2- and 3-letter prefixes are indexed (typing
-- "ja" stays instant), and state pages use an index ordered by message.
DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_update;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER senders_name_fts;
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, sender_name,
    tokenize = "unicode61 remove_diacritics 2 separators '{_separators()}'",
    prefix = '2 3'
);
{_FTS_FILL_AND_TRIGGERS}CREATE INDEX items_state_message ON items (state, message_id);
"""

_V6_REPORT_FIELDS = """
-- A delivery report keeps its decoded outcome, so one that arrives before its send is
-- recorded can be matched later without decoding the PDU again.
ALTER TABLE status_reports ADD COLUMN status_text TEXT;
ALTER TABLE status_reports ADD COLUMN delivered INTEGER;
ALTER TABLE status_reports ADD COLUMN discharge_at TEXT;
"""

_V7_COMPLAINT_TRANSPORTS = """
-- Complaint transports. An SMS the console sends for a complaint is written (state
-- 'sending', with the outbox row's idempotency key) BEFORE the modem is asked, and
-- marked 'sent' with its TP-MRs after: a crash in between leaves a 'sending' row, so
-- the transport knows it may already have gone and asks a person instead of sending
-- twice. Older rows were recorded after sending: 'sent'.
ALTER TABLE sent_sms ADD COLUMN idempotency_key TEXT;
ALTER TABLE sent_sms ADD COLUMN state TEXT NOT NULL DEFAULT 'sent';
CREATE UNIQUE INDEX sent_sms_key ON sent_sms (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX sent_sms_purpose ON sent_sms (purpose, recipient, created_at);
-- A file-package export run groups outbox rows: the rows are tagged with the run before
-- the package is written, so a run cut short is written again with the same rows and
-- the same run id (and found already complete when it was).
ALTER TABLE outbox ADD COLUMN batch TEXT;
CREATE INDEX outbox_batch ON outbox (batch) WHERE batch IS NOT NULL;
CREATE INDEX outbox_complaint ON outbox (complaint_id);
"""

_V8_RECORDINGS = """
-- Studio sound: recordings of the line input (a call on air, or a segment). A row is
-- written when the recording starts and completed when its file is closed; a removed
-- file keeps its row with deleted_at (the record of what existed). A recording can be
-- attached to complaints (lampiran), which protects it from the disk limit.
CREATE TABLE recordings (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,
    call_id     INTEGER REFERENCES calls(id),
    show_id     INTEGER REFERENCES shows(id),
    label       TEXT,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    seconds     REAL NOT NULL DEFAULT 0,
    bytes       INTEGER NOT NULL DEFAULT 0,
    samplerate  INTEGER NOT NULL,
    channels    INTEGER NOT NULL,
    format      TEXT NOT NULL CHECK (format IN ('flac', 'wav')),
    end_reason  TEXT,                               -- stop device_lost error
    deleted_at  TEXT
);
CREATE INDEX recordings_call ON recordings (call_id) WHERE call_id IS NOT NULL;
CREATE INDEX recordings_live ON recordings (started_at) WHERE deleted_at IS NULL;
CREATE TABLE complaint_recordings (
    complaint_id INTEGER NOT NULL REFERENCES complaints(id),
    recording_id INTEGER NOT NULL REFERENCES recordings(id),
    PRIMARY KEY (complaint_id, recording_id)
);
CREATE INDEX complaint_recordings_recording ON complaint_recordings (recording_id);
"""

MIGRATIONS: tuple[str, ...] = (_V1_CORE, _V2_SEARCH, _V3_COMPLAINTS, _V4_MODEM_COMMANDS,
                               _V5_SEARCH_TOKENS, _V6_REPORT_FIELDS, _V7_COMPLAINT_TRANSPORTS,
                               _V8_RECORDINGS)
SCHEMA_VERSION = len(MIGRATIONS)
