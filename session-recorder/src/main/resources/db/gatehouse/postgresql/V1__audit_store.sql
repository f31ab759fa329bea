-- Gatehouse audit store, PostgreSQL dialect. Append-only: UPDATE, DELETE and TRUNCATE are refused by triggers.
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
    data          BYTEA  NOT NULL,
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

CREATE FUNCTION gatehouse_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit records are append-only (% on %)', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_refuse_change();

CREATE TRIGGER recording_chunks_no_update BEFORE UPDATE ON recording_chunks
    FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();
CREATE TRIGGER recording_chunks_no_delete BEFORE DELETE ON recording_chunks
    FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();
CREATE TRIGGER recording_chunks_no_truncate BEFORE TRUNCATE ON recording_chunks
    FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_refuse_change();

CREATE TRIGGER checkpoints_no_update BEFORE UPDATE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();
CREATE TRIGGER checkpoints_no_delete BEFORE DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();
CREATE TRIGGER checkpoints_no_truncate BEFORE TRUNCATE ON checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_refuse_change();

CREATE TRIGGER chains_no_update BEFORE UPDATE ON chains
    FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();
CREATE TRIGGER chains_no_delete BEFORE DELETE ON chains
    FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();
CREATE TRIGGER chains_no_truncate BEFORE TRUNCATE ON chains
    FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_refuse_change();
