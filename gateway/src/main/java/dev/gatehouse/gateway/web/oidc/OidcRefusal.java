package dev.gatehouse.gateway.web.oidc;

import java.util.Objects;

/**
 * A browser login through the identity provider was refused. {@link #reason()} is a stable code
 * for the {@code web.login} audit event ({@code step=refused, reason=...}); the message says what
 * happened in one line, plain text that may quote the provider or the query: escape it before it
 * reaches a page.
 */
public final class OidcRefusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why; the audit reason is {@link #code()}. */
    public enum Reason {
        /** The request was malformed: no state, no code, a {@code next} that is not a local path. */
        BAD_REQUEST("bad_request"),
        /** The state is unknown, expired (10 min) or already used. */
        UNKNOWN_STATE("unknown_state"),
        /** The state cookie is missing or belongs to another browser. */
        STATE_COOKIE_MISMATCH("state_cookie_mismatch"),
        /** The provider answered the authorization request with an error (RFC 6749 section 4.1.2.1). */
        PROVIDER_ERROR("provider_error"),
        /** The provider's metadata or keys could not be fetched or are unusable. */
        PROVIDER_UNAVAILABLE("provider_unavailable"),
        /** The token endpoint refused the code or could not be reached (RFC 6749 section 5.2). */
        TOKEN_ENDPOINT("token_endpoint"),
        /** The ID token failed validation (OpenID Connect Core section 3.1.3.7). */
        ID_TOKEN_INVALID("id_token_invalid"),
        /** The configured user claim is missing, unverified or not a plausible user name. */
        USER_CLAIM("user_claim");

        private final String code;

        Reason(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    private final Reason reason;

    public OidcRefusal(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public OidcRefusal(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }

    /** The audit reason, e.g. {@code unknown_state}. */
    public String code() {
        return reason.code();
    }
}
