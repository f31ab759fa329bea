package dev.gatehouse.recorder;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;

/** Batched INSERTs of one group commit; the caller owns the transaction. */
final class RowInserter {
    /** Binds one row's values to the statement's parameters. */
    @FunctionalInterface
    interface Binder<T> {
        void bind(PreparedStatement ps, T row) throws SQLException;
    }

    private RowInserter() {}

    /** Inserts {@code rows} with one batched statement; nothing when there are none. */
    static <T> void batch(Connection c, String sql, List<T> rows, Binder<T> binder) throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (T r : rows) {
                binder.bind(ps, r);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    static void events(Connection c, List<WriteItem.EventRow> rows) throws SQLException {
        batch(c, "INSERT INTO audit_events (chain_id, seq, time_micros, type, outcome, source, user_name, node, login,"
                + " cert_serial, grant_id, session_id, details, prev_hash, hash)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows, (ps, r) -> {
                    AuditEvent e = r.event();
                    ps.setString(1, r.chainId());
                    ps.setLong(2, r.seq());
                    ps.setLong(3, r.timeMicros());
                    ps.setString(4, e.type());
                    ps.setString(5, e.outcome());
                    ps.setString(6, e.source());
                    ps.setString(7, e.user());
                    ps.setString(8, e.node());
                    ps.setString(9, e.login());
                    if (e.certSerial() == null) {
                        ps.setNull(10, Types.BIGINT);
                    } else {
                        ps.setLong(10, e.certSerial());
                    }
                    ps.setString(11, e.grantId());
                    ps.setString(12, e.sessionId());
                    ps.setString(13, r.detailsJson());
                    ps.setString(14, r.prevHash());
                    ps.setString(15, r.hash());
                });
    }

    static void chunks(Connection c, List<RecordingChunk> rows) throws SQLException {
        batch(c, "INSERT INTO recording_chunks (session_id, seq, stream, offset_micros, data, prev_hash, hash)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?)", rows, (ps, r) -> {
                    ps.setString(1, r.sessionId());
                    ps.setLong(2, r.seq());
                    ps.setString(3, r.stream());
                    ps.setLong(4, r.offsetMicros());
                    ps.setBytes(5, r.data());
                    ps.setString(6, r.prevHash());
                    ps.setString(7, r.hash());
                });
    }

    static void checkpoints(Connection c, List<CheckpointRow> rows) throws SQLException {
        batch(c, "INSERT INTO checkpoints (chain_id, seq, head_hash, time_micros, jws) VALUES (?, ?, ?, ?, ?)", rows,
                (ps, r) -> {
                    ps.setString(1, r.chainId());
                    ps.setLong(2, r.seq());
                    ps.setString(3, r.headHash());
                    ps.setLong(4, r.timeMicros());
                    ps.setString(5, r.jws());
                });
    }
}
