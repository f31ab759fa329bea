package dev.gatehouse.recorder;

import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One entry of the audit log (R12): what happened, when (UTC), from where, with what outcome, by
 * whom, on which node as which login, with which certificate and grant. Fields that do not apply
 * are null. The store assigns the per-chain sequence number and hash.
 *
 * @param type dotted event type, e.g. {@code auth.success}, {@code session.start}, {@code cert.issued}
 * @param time UTC time of the event
 * @param outcome {@code success}, {@code failure}, {@code denied}, {@code info}, ...
 * @param source client address {@code ip:port}, or null
 * @param user the person (gateway identity), or null before authentication
 * @param node node name, or null
 * @param login node login, or null
 * @param certSerial serial of the certificate involved, or null
 * @param grantId elevation grant id, or null
 * @param sessionId gateway session id, or null
 * @param details further facts (reason, command, key id, byte counts, ...), sorted by key
 */
public record AuditEvent(
        String type,
        Instant time,
        String outcome,
        String source,
        String user,
        String node,
        String login,
        Long certSerial,
        String grantId,
        String sessionId,
        Map<String, String> details) {

    public AuditEvent {
        if (type == null || type.isBlank()) {
            throw new IllegalArgumentException("audit event needs a type");
        }
        if (time == null) {
            throw new IllegalArgumentException("audit event needs a time");
        }
        if (outcome == null || outcome.isBlank()) {
            throw new IllegalArgumentException("audit event needs an outcome");
        }
        details = details == null ? Map.of() : java.util.Collections.unmodifiableMap(new TreeMap<>(details));
    }

    /** A new event with only type, time and outcome set; use the {@code with*} methods for the rest. */
    public static AuditEvent of(String type, Instant time, String outcome) {
        return new AuditEvent(type, time, outcome, null, null, null, null, null, null, null, Map.of());
    }

    public AuditEvent withSource(String value) {
        return new AuditEvent(type, time, outcome, value, user, node, login, certSerial, grantId, sessionId, details);
    }

    public AuditEvent withUser(String value) {
        return new AuditEvent(type, time, outcome, source, value, node, login, certSerial, grantId, sessionId, details);
    }

    public AuditEvent withTarget(String nodeName, String loginName) {
        return new AuditEvent(type, time, outcome, source, user, nodeName, loginName, certSerial, grantId, sessionId, details);
    }

    public AuditEvent withCertSerial(Long value) {
        return new AuditEvent(type, time, outcome, source, user, node, login, value, grantId, sessionId, details);
    }

    public AuditEvent withGrantId(String value) {
        return new AuditEvent(type, time, outcome, source, user, node, login, certSerial, value, sessionId, details);
    }

    public AuditEvent withSessionId(String value) {
        return new AuditEvent(type, time, outcome, source, user, node, login, certSerial, grantId, value, details);
    }

    /** Adds one detail (null values are skipped). */
    public AuditEvent with(String key, Object value) {
        if (value == null) {
            return this;
        }
        TreeMap<String, String> next = new TreeMap<>(details);
        next.put(key, String.valueOf(value));
        return new AuditEvent(type, time, outcome, source, user, node, login, certSerial, grantId, sessionId, next);
    }
}
