-- The access log's hash chain, SQLite dialect (R29). One chain for the whole database: every
-- access-log row (request, decision, lock, issued certificate, TOTP enrolment) gets a link here
-- in the transaction that inserts it. row_hash is a digest of the row's columns, hash chains the
-- links (see ChainHash.accessRow and ChainHash.accessLink). Rows stored before this migration are
-- adopted onto the chain at the first writable open. UPDATE and DELETE are refused by triggers.
CREATE TABLE access_chain (
    seq         BIGINT NOT NULL,   -- from 1, gapless, one chain per database
    time_micros BIGINT NOT NULL,   -- when the row was chained (the writing gateway's clock)
    kind        TEXT   NOT NULL,   -- request, decision, lock, issued, totp
    row_key     TEXT   NOT NULL,   -- canonical JSON array of the row's key columns
    row_hash    TEXT   NOT NULL,   -- SHA-256 of the row's columns, canonical and length-prefixed
    prev_hash   TEXT   NOT NULL,
    hash        TEXT   NOT NULL,
    UNIQUE (seq)
);

CREATE TRIGGER access_chain_no_update BEFORE UPDATE ON access_chain
BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
CREATE TRIGGER access_chain_no_delete BEFORE DELETE ON access_chain
BEGIN SELECT RAISE(ABORT, 'access records are append-only'); END;
