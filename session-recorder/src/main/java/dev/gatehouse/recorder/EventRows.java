package dev.gatehouse.recorder;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;

/** Maps result rows to the public records. */
final class EventRows {
    private EventRows() {}

    @FunctionalInterface
    interface Mapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** A row selected with {@link StoreQueries#EVENT_COLUMNS}. */
    static StoredEvent event(ResultSet rs) throws SQLException {
        long serial = rs.getLong(10);
        Long certSerial = rs.wasNull() ? null : serial;
        AuditEvent event = new AuditEvent(rs.getString(4), ChainHash.instant(rs.getLong(3)), rs.getString(5),
                rs.getString(6), rs.getString(7), rs.getString(8), rs.getString(9), certSerial, rs.getString(11),
                rs.getString(12), CanonicalJson.parseDetails(rs.getString(13)));
        return new StoredEvent(rs.getString(1), rs.getLong(2), event, rs.getString(14), rs.getString(15));
    }

    static RecordingChunk chunk(ResultSet rs) throws SQLException {
        return new RecordingChunk(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getBytes(5),
                rs.getString(6), rs.getString(7));
    }

    /** The kind of an app session (an {@code app.session.start}), which names none in its details. */
    static final String APP_KIND = "app";

    /** A row of {@code StoreQueries.SESSION_SELECT}: the start event joined with its end, if any. */
    static SessionSummary session(ResultSet rs) throws SQLException {
        Map<String, String> start = CanonicalJson.parseDetails(rs.getString(9));
        long endMicros = rs.getLong(10);
        boolean ended = !rs.wasNull();
        String outcome = rs.getString(11);
        String endDetails = rs.getString(12);
        Integer exitStatus = null;
        if (ended && endDetails != null) {
            String status = CanonicalJson.parseDetails(endDetails).get("exit_status");
            try {
                exitStatus = status == null ? null : Integer.valueOf(status.trim());
            } catch (NumberFormatException e) {
                exitStatus = null;
            }
        }
        return new SessionSummary(rs.getString(8), rs.getString(4), rs.getString(5), rs.getString(6),
                "app.session.start".equals(rs.getString(13)) ? APP_KIND : start.get("kind"), start.get("command"),
                rs.getString(7), ChainHash.instant(rs.getLong(3)),
                ended ? ChainHash.instant(endMicros) : null, exitStatus, ended ? outcome : null);
    }
}
