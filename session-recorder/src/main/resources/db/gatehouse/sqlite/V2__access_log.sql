-- Just-in-time access facts, SQLite dialect: requests, decisions, locks, issued certificates and
-- TOTP enrolments. Append-only like the audit tables: a state change is a new row, never an
-- UPDATE; the gateway folds the rows into state. UPDATE and DELETE are refused by triggers.
CREATE TABLE access_requests (
    id               TEXT   NOT NULL PRIMARY KEY,
    requester        TEXT   NOT NULL,
    tenant           TEXT,            -- the requester's tenant, NULL when tenants are not used
    login            TEXT   NOT NULL,
    target_node      TEXT,
    target_selector  TEXT,            -- canonical JSON object of labels, or NULL when a node is named
    duration_seconds BIGINT NOT NULL,
    reason           TEXT,
    created_micros   BIGINT NOT NULL
);
CREATE INDEX access_requests_created ON access_requests (created_micros);

CREATE TABLE access_decisions (
    request_id         TEXT   NOT NULL,
    seq                BIGINT NOT NULL, -- per request, from 1
    action             TEXT   NOT NULL, -- approve, deny, cancel, revoke, expire, end
    actor              TEXT   NOT NULL,
    comment            TEXT,
    time_micros        BIGINT NOT NULL,
    certificate_serial BIGINT,
    jws                TEXT,            -- signed statement binding actor, request, decision and time
    UNIQUE (request_id, seq)
);

CREATE TABLE access_locks (
    seq         BIGINT NOT NULL,        -- global, from 1
    action      TEXT   NOT NULL,        -- lock, unlock
    kind        TEXT   NOT NULL,        -- user, node, login, tenant
    name        TEXT   NOT NULL,
    tenant      TEXT,                   -- the tenant the lock is limited to, NULL for every tenant
    actor       TEXT   NOT NULL,
    reason      TEXT,
    time_micros BIGINT NOT NULL,
    UNIQUE (seq)
);

CREATE TABLE access_issued (
    request_id          TEXT   NOT NULL,
    serial              BIGINT NOT NULL,
    session_id          TEXT,
    valid_before_micros BIGINT NOT NULL,
    time_micros         BIGINT NOT NULL
);
CREATE INDEX access_issued_request ON access_issued (request_id);

CREATE TABLE totp_secrets (
    user_name         TEXT   NOT NULL,
    seq               BIGINT NOT NULL,  -- per user, from 1; the highest is the current enrolment
    secret_ciphertext TEXT   NOT NULL,  -- encrypted by the gateway; opaque here
    time_micros       BIGINT NOT NULL,
    UNIQUE (user_name, seq)
);

CREATE TRIGGER access_requests_no_update BEFORE UPDATE ON access_requests
BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
CREATE TRIGGER access_requests_no_delete BEFORE DELETE ON access_requests
BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
CREATE TRIGGER access_decisions_no_update BEFORE UPDATE ON access_decisions
BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
CREATE TRIGGER access_decisions_no_delete BEFORE DELETE ON access_decisions
BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
CREATE TRIGGER access_locks_no_update BEFORE UPDATE ON access_locks
BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
CREATE TRIGGER access_locks_no_delete BEFORE DELETE ON access_locks
BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
CREATE TRIGGER access_issued_no_update BEFORE UPDATE ON access_issued
BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
CREATE TRIGGER access_issued_no_delete BEFORE DELETE ON access_issued
BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
CREATE TRIGGER totp_secrets_no_update BEFORE UPDATE ON totp_secrets
BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
CREATE TRIGGER totp_secrets_no_delete BEFORE DELETE ON totp_secrets
BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
