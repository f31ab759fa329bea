-- Gatehouse coordination tables (issue 13), SQLite dialect: which gateway instances share this
-- database, the live sessions each of them runs, and commands one instance leaves for another
-- (terminate). Mutable working state, NOT audit records: no append-only triggers, not hash-chained;
-- what happens to sessions is audited in each instance's own chain. On SQLite there is one instance.
-- Times are microseconds since the epoch (UTC), as everywhere in the store.
CREATE TABLE gateway_instances (
    chain_id     TEXT   PRIMARY KEY,  -- the instance's audit chain id (data_dir/instance-id)
    name         TEXT   NOT NULL,     -- instance.name, shown in `live`
    started_at   BIGINT NOT NULL,
    heartbeat_at BIGINT NOT NULL,     -- the last heartbeat; older than instance.dead_after: dead
    stopped_at   BIGINT,              -- set by a graceful stop, NULL while running (or after a crash)
    ssh_listen   TEXT,
    web_listen   TEXT
);

CREATE TABLE live_sessions (
    session_id   TEXT    PRIMARY KEY,
    chain_id     TEXT    NOT NULL,    -- the instance that runs it
    kind         TEXT    NOT NULL,
    user_name    TEXT    NOT NULL,
    login        TEXT,                -- NULL for a session on the gateway itself
    node         TEXT,
    source       TEXT,
    tenant       TEXT,                -- the tenant the session belongs to (node's, or the user's on the gateway)
    grant_id     TEXT,
    observable   INTEGER NOT NULL,    -- 1 for an interactive terminal
    started_at   BIGINT  NOT NULL,
    bytes_in     BIGINT  NOT NULL,
    bytes_out    BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL
);
CREATE INDEX live_sessions_chain ON live_sessions (chain_id);

CREATE TABLE instance_commands (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    target_chain TEXT    NOT NULL,    -- the instance that runs the session
    session_id   TEXT    NOT NULL,
    action       TEXT    NOT NULL,    -- terminate
    actor        TEXT    NOT NULL,    -- the admin who asked
    reason       TEXT    NOT NULL,
    origin_chain TEXT    NOT NULL,    -- the instance the admin asked
    origin_name  TEXT    NOT NULL,
    created_at   BIGINT  NOT NULL,
    done_at      BIGINT,              -- NULL while pending
    result       TEXT                 -- terminated, gone, expired
);
CREATE INDEX instance_commands_pending ON instance_commands (target_chain, done_at);
