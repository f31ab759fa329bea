-- Gatehouse audit store, PostgreSQL dialect: the newest TOTP time step accepted per user (issue 13), so
-- a code accepted by one gateway instance is refused by every other sharing the database, even
-- within the same 30 s step. A coordination table, not evidence (the auth.totp events are): one row
-- per user, moved forward only by a conditional upsert (the step must be later than the stored
-- one), which the database serialises per row, so of two instances accepting the same code at
-- once exactly one wins. Not hash-chained and not append-only on purpose.
CREATE TABLE totp_steps (
    user_name   TEXT   NOT NULL PRIMARY KEY,
    step        BIGINT NOT NULL,  -- RFC 6238 time step: floor(unix seconds / 30)
    time_micros BIGINT NOT NULL   -- when it was accepted
);
