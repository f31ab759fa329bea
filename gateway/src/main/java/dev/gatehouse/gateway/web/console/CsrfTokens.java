package dev.gatehouse.gateway.web.console;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The console's CSRF tokens: {@code base64url(HMAC-SHA256(key, "csrf:" + sid))} of the console
 * session id (the cookie's {@code sid}), without padding (RFC 4648 section 5). A page reads its
 * token from {@code GET /api/v1/whoami} ({@code csrf_token}) and sends it as {@code X-CSRF-Token} on
 * every state-changing call (the OWASP "HMAC-based synchronizer token" pattern): another site can
 * make a browser send the cookie but cannot read the token, which the cookie alone does not give.
 */
public final class CsrfTokens {
    /** The request header that carries the token. */
    public static final String HEADER = "X-CSRF-Token";

    private final SecretKeySpec key;

    /** @param key 32 bytes or more of secret MAC key (derived from the cookie key, never the same bytes) */
    public CsrfTokens(byte[] key) {
        if (key.length < 32) {
            throw new IllegalArgumentException("CSRF MAC key must be at least 256 bits");
        }
        this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
    }

    /** The token of console session {@code sid}. */
    public String token(String sid) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(("csrf:" + sid).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is missing from this JDK", e);
        }
    }

    /** Whether {@code presented} is the token of {@code sid} (constant-time comparison); false for null. */
    public boolean matches(String sid, String presented) {
        return presented != null && MessageDigest.isEqual(token(sid).getBytes(StandardCharsets.US_ASCII),
                presented.getBytes(StandardCharsets.UTF_8));
    }
}
