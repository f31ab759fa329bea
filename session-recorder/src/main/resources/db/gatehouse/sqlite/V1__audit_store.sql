-- Gatehouse audit store, SQLite dialect. Append-only: UPDATE and DELETE are refused by triggers.
CREATE TABLE chains (
    chain_id       TEXT   NOT NULL PRIMARY KEY,
    created_micros BIGINT NOT NULL
);

CREATE TABLE audit_events (
    chain_id    TEXT   NOT NULL,
    seq         BIGINT NOT NULL,
    time_micros BIGINT NOT NULL,
    type        TEXT   NOT NULL,
    outcome     TEXT   NOT NULL,
    source      TEXT,
    user_name   TEXT,
    node        TEXT,
    login       TEXT,
    cert_serial BIGINT,
    grant_id    TEXT,
    session_id  TEXT,
    details     TEXT   NOT NULL,
    prev_hash   TEXT   NOT NULL,
    hash        TEXT   NOT NULL,
    UNIQUE (chain_id, seq)
);
CREATE INDEX audit_events_session_id ON audit_events (session_id);
CREATE INDEX audit_events_type ON audit_events (type, time_micros);
CREATE INDEX audit_events_time ON audit_events (time_micros);

CREATE TABLE recording_chunks (
    session_id    TEXT   NOT NULL,
    seq           BIGINT NOT NULL,
    stream        TEXT   NOT NULL,
    offset_micros BIGINT NOT NULL,
    data          BLOB   NOT NULL,
    prev_hash     TEXT   NOT NULL,
    hash          TEXT   NOT NULL,
    UNIQUE (session_id, seq)
);

CREATE TABLE checkpoints (
    chain_id    TEXT   NOT NULL,
    seq         BIGINT NOT NULL,
    head_hash   TEXT   NOT NULL,
    time_micros BIGINT NOT NULL,
    jws         TEXT   NOT NULL,
    UNIQUE (chain_id, seq)
);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER recording_chunks_no_update BEFORE UPDATE ON recording_chunks
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER recording_chunks_no_delete BEFORE DELETE ON recording_chunks
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER chains_no_update BEFORE UPDATE ON chains
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER chains_no_delete BEFORE DELETE ON chains
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
