package dev.gatehouse.gateway.session;

/**
 * Every audit event type the gateway writes, in one place: {@link #wire()} is the {@code type}
 * stored in the audit log and printed by {@code audit log}, and is part of the user-facing
 * contract (README, "The audit store"), so a constant may be added but never renamed.
 */
public enum EventType {
    AUTH_QUERY("auth.query"),
    AUTH_PARTIAL("auth.partial"),
    AUTH_SUCCESS("auth.success"),
    AUTH_FAILURE("auth.failure"),
    AUTH_THROTTLED("auth.throttled"),
    AUTH_TOTP("auth.totp"),
    AUDIT_SUPPRESSED("audit.suppressed"),
    CONNECTION_REFUSED("connection.refused"),
    CONNECTION_CLOSED("connection.closed"),
    SESSION_DENIED("session.denied"),
    CERT_ISSUED("cert.issued"),
    SESSION_START("session.start"),
    SESSION_END("session.end"),
    SESSION_WARNED("session.warned"),
    SESSION_TERMINATED("session.terminated"),
    /** A terminate of a session on another instance, handed to that instance (issue 13). */
    SESSION_TERMINATE_FORWARDED("session.terminate_forwarded"),
    SESSION_OBSERVE("session.observe"),
    TERMINATE_REFUSED("terminate.refused"),
    OBSERVE_REFUSED("observe.refused"),
    FILE_TRANSFER("file.transfer"),
    FORWARD_REFUSED("forward.refused"),
    FORWARD_OPEN("forward.open"),
    FORWARD_FAILED("forward.failed"),
    FORWARD_CLOSE("forward.close"),
    UPSTREAM_FAILURE("upstream.failure"),
    UPSTREAM_HOST_KEY_MISMATCH("upstream.host_key_mismatch"),
    SHELL_COMMAND("shell.command"),
    SHELL_REFUSED("shell.refused"),
    CHANNEL_REFUSED("channel.refused"),
    ACCESS_REMOVED("access.removed"),
    ACCESS_IGNORED("access.ignored"),
    CONFIG_RELOAD("config.reload"),
    GATEWAY_START("gateway.start"),
    GATEWAY_STOP("gateway.stop"),
    AUDIT_STORE_RECOVERED("audit.store_recovered"),
    RECORDING_VIEWED("recording.viewed"),
    AUDIT_VERIFIED("audit.verified"),
    REQUEST_CREATED("request.created"),
    REQUEST_APPROVED("request.approved"),
    REQUEST_DENIED("request.denied"),
    REQUEST_CANCELLED("request.cancelled"),
    REQUEST_EXPIRED("request.expired"),
    REQUEST_REFUSED("request.refused"),
    APPROVE_REFUSED("approve.refused"),
    DENY_REFUSED("deny.refused"),
    CANCEL_REFUSED("cancel.refused"),
    REVOKE_REFUSED("revoke.refused"),
    GRANT_ACTIVE("grant.active"),
    GRANT_REVOKED("grant.revoked"),
    GRANT_ENDED("grant.ended"),
    LOCK_SET("lock.set"),
    LOCK_LIFTED("lock.lifted"),
    LOCK_REFUSED("lock.refused"),
    UNLOCK_REFUSED("unlock.refused"),
    TOTP_ENROLL("totp.enroll"),
    WEB_LOGIN("web.login"),
    APP_SESSION_START("app.session.start"),
    APP_SESSION_END("app.session.end"),
    APP_REQUEST("app.request"),
    APP_WEBSOCKET("app.websocket"),
    APP_DENIED("app.denied"),
    APP_CERT_ISSUED("app.cert.issued"),
    /** A console API call refused before its endpoint ran: bad credential, CSRF token or Origin. */
    API_REFUSED("api.refused"),
    API_TOKEN_ISSUED("api.token.issued"),
    API_TOKEN_REVOKED("api.token.revoked");

    private final String wire;

    EventType(String wire) {
        this.wire = wire;
    }

    /** The type as stored and shown: {@code session.start}, {@code upstream.failure}, ... */
    public String wire() {
        return wire;
    }

    @Override
    public String toString() {
        return wire;
    }
}
