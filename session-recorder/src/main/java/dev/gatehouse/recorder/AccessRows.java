package dev.gatehouse.recorder;

import dev.gatehouse.recorder.AccessLog.DecisionRow;
import dev.gatehouse.recorder.AccessLog.IssuedRow;
import dev.gatehouse.recorder.AccessLog.LockRow;
import dev.gatehouse.recorder.AccessLog.RequestRow;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks access-log rows before they are written and maps them back from result sets. Checks run
 * on writes only: rows read back are facts already stored, perhaps by a newer version.
 */
final class AccessRows {
    static final String REQUEST_COLUMNS = "id, requester, tenant, login, target_node, target_selector,"
            + " duration_seconds, reason, created_micros";
    static final String DECISION_COLUMNS = "request_id, seq, action, actor, comment, time_micros,"
            + " certificate_serial, jws";
    static final String LOCK_COLUMNS = "seq, action, kind, name, tenant, actor, reason, time_micros";
    static final String ISSUED_COLUMNS = "request_id, serial, session_id, valid_before_micros, time_micros";
    static final String TOTP_COLUMNS = "user_name, seq, secret_ciphertext, time_micros";
    static final String API_TOKEN_COLUMNS = "id, seq, action, user_name, name, key_fingerprint, expires_micros, actor,"
            + " time_micros";

    private AccessRows() {}

    static void check(RequestRow r) {
        if (r == null) {
            throw new IllegalArgumentException("access request is null");
        }
        required("request id", r.id());
        required("requester of request " + r.id(), r.requester());
        if (r.tenant() != null && r.tenant().isBlank()) {
            throw new IllegalArgumentException("request " + r.id() + " has a blank tenant: give one, or null for none");
        }
        required("login of request " + r.id(), r.login());
        time("creation time of request " + r.id(), r.created());
        if ((r.targetNode() == null) == (r.targetSelector() == null)) {
            throw new IllegalArgumentException("request " + r.id() + " must name either one node or a node selector,"
                    + " not " + (r.targetNode() == null ? "neither" : "both"));
        }
        if (r.targetNode() != null && r.targetNode().isBlank()) {
            throw new IllegalArgumentException("request " + r.id() + " has a blank node name");
        }
        // An empty selector matches every node: never what a requester or approver means.
        if (r.targetSelector() != null && r.targetSelector().isEmpty()) {
            throw new IllegalArgumentException("request " + r.id() + " has an empty node selector, which would match"
                    + " every node: name at least one label");
        }
        Duration d = r.duration();
        if (d == null || d.isNegative() || d.isZero() || d.getNano() != 0) {
            throw new IllegalArgumentException("request " + r.id() + " lasts " + d
                    + ": give a positive duration in whole seconds");
        }
    }

    static void check(DecisionRow d) {
        if (d == null) {
            throw new IllegalArgumentException("access decision is null");
        }
        required("request id of a decision", d.requestId());
        oneOf("decision on request " + d.requestId(), d.action(), AccessLog.DECISION_ACTIONS);
        required("actor of the " + d.action() + " decision on request " + d.requestId(), d.actor());
        time("time of the " + d.action() + " decision on request " + d.requestId(), d.time());
    }

    static void check(LockRow l) {
        if (l == null) {
            throw new IllegalArgumentException("lock is null");
        }
        oneOf("lock action", l.action(), AccessLog.LOCK_ACTIONS);
        oneOf("lock kind", l.kind(), AccessLog.LOCK_KINDS);
        required(l.kind() + " name to " + l.action(), l.name());
        if (l.tenant() != null && l.tenant().isBlank()) {
            throw new IllegalArgumentException("the " + l.action() + " of " + l.kind() + " " + l.name()
                    + " has a blank tenant: give one, or null for every tenant");
        }
        required("actor of the " + l.action() + " of " + l.kind() + " " + l.name(), l.actor());
        time("time of the " + l.action() + " of " + l.kind() + " " + l.name(), l.time());
    }

    static void check(IssuedRow i) {
        if (i == null) {
            throw new IllegalArgumentException("issued certificate row is null");
        }
        required("request id of an issued certificate", i.requestId());
        time("end of validity of certificate " + i.serial(), i.validBefore());
        time("issue time of certificate " + i.serial(), i.time());
    }

    static void checkTotp(String user, String ciphertext, Instant at) {
        required("user of a TOTP enrolment", user);
        required("TOTP secret ciphertext of " + user, ciphertext);
        time("time of the TOTP enrolment of " + user, at);
    }

    static void required(String what, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(what + " is missing");
        }
    }

    private static void oneOf(String what, String value, Set<String> allowed) {
        if (value == null || !allowed.contains(value)) {
            throw new IllegalArgumentException(what + " is '" + value + "': use one of " + new TreeSet<>(allowed));
        }
    }

    private static void time(String what, Instant value) {
        if (value == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
    }

    static RequestRow request(ResultSet rs) throws SQLException {
        String selector = rs.getString(6);
        return new RequestRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                selector == null ? null : CanonicalJson.parseDetails(selector), Duration.ofSeconds(rs.getLong(7)),
                rs.getString(8), ChainHash.instant(rs.getLong(9)));
    }

    static DecisionRow decision(ResultSet rs) throws SQLException {
        long serial = rs.getLong(7);
        Long certificateSerial = rs.wasNull() ? null : serial;
        return new DecisionRow(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                ChainHash.instant(rs.getLong(6)), certificateSerial, rs.getString(8));
    }

    static LockRow lock(ResultSet rs) throws SQLException {
        return new LockRow(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), rs.getString(7), ChainHash.instant(rs.getLong(8)));
    }

    static IssuedRow issued(ResultSet rs) throws SQLException {
        return new IssuedRow(rs.getString(1), rs.getLong(2), rs.getString(3), ChainHash.instant(rs.getLong(4)),
                ChainHash.instant(rs.getLong(5)));
    }

    static void check(AccessLog.ApiTokenRow t) {
        if (t == null) {
            throw new IllegalArgumentException("API token row is null");
        }
        required("API token id", t.id());
        oneOf("API token action", t.action(), AccessLog.API_TOKEN_ACTIONS);
        required("owner of API token " + t.id(), t.user());
        if (t.keyFingerprint() == null) {
            throw new IllegalArgumentException("key fingerprint of API token " + t.id() + " is null: give '' for none");
        }
        time("expiry of API token " + t.id(), t.expires());
        required("actor of the " + t.action() + " of API token " + t.id(), t.actor());
        time("time of the " + t.action() + " of API token " + t.id(), t.time());
    }

    static AccessLog.ApiTokenRow apiToken(ResultSet rs) throws SQLException {
        return new AccessLog.ApiTokenRow(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5),
                rs.getString(6), ChainHash.instant(rs.getLong(7)), rs.getString(8), ChainHash.instant(rs.getLong(9)));
    }
}
