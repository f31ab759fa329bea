-- Gatehouse audit store, SQLite dialect: the commands each session ran, for searching sessions by
-- the text of their commands. An index derived from the session.start event (exec) and the
-- recording (shell), not evidence: the hash-chained records stay the source of truth.
CREATE TABLE session_commands (
    session_id TEXT   NOT NULL,
    seq        BIGINT NOT NULL,
    origin     TEXT   NOT NULL,
    command    TEXT   NOT NULL,
    UNIQUE (session_id, seq)
);

CREATE TRIGGER session_commands_no_update BEFORE UPDATE ON session_commands
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER session_commands_no_delete BEFORE DELETE ON session_commands
BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
