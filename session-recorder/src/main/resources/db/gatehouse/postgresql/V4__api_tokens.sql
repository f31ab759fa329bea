-- Console API tokens (issue 12), PostgreSQL dialect. Append-only like the other access tables: a
-- token is issued by one row (action issue) and revoked by a later row (action revoke) with the
-- same id; a token is valid while it has an issue row, no revoke row, and its expiry is ahead.
-- Each row is chained on the access chain (kind api_token). UPDATE, DELETE and TRUNCATE are
-- refused by triggers calling V1's gatehouse_refuse_change().
CREATE TABLE api_tokens (
    id              TEXT   NOT NULL,  -- the token's jti, as the shell prints it
    seq             BIGINT NOT NULL,  -- per token, from 1: 1 is the issue, 2 the revocation
    action          TEXT   NOT NULL,  -- issue, revoke
    user_name       TEXT   NOT NULL,  -- the token's owner (its sub)
    name            TEXT,             -- the owner's label for it, or NULL
    key_fingerprint TEXT   NOT NULL,  -- SHA256:... of the SSH key it was issued to, or ''
    expires_micros  BIGINT NOT NULL,  -- its exp
    actor           TEXT   NOT NULL,  -- who issued or revoked it
    time_micros     BIGINT NOT NULL,
    UNIQUE (id, seq)
);
CREATE INDEX api_tokens_user ON api_tokens (user_name);

CREATE TRIGGER api_tokens_no_update BEFORE UPDATE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();
CREATE TRIGGER api_tokens_no_delete BEFORE DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION gatehouse_refuse_change();
CREATE TRIGGER api_tokens_no_truncate BEFORE TRUNCATE ON api_tokens
    FOR EACH STATEMENT EXECUTE FUNCTION gatehouse_refuse_change();
