package dev.gatehouse.gateway.web.oidc;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.gatehouse.policy.Printable;

/**
 * Takes the gateway user name from a validated ID token's configured claim. The value must be a
 * string of 1 to {@link #MAX_LENGTH} characters with nothing that {@link Printable} escapes
 * (controls, format and invisible characters) and no surrounding spaces: a plausible user name that can be compared with the policy's and
 * written to the audit log as is. {@code email} counts only with {@code email_verified: true}
 * (OpenID Connect Core section 5.1): an unverified address would let anyone who registers it at
 * the provider log in as its owner.
 */
final class UserClaim {
    static final int MAX_LENGTH = 64;

    private UserClaim() {}

    static String user(JWTClaimsSet claims, String claim) {
        Object value = claims.getClaim(claim);
        if (value == null) {
            throw refused("the ID token has no " + claim + " claim; set web.oidc.user_claim to a claim the provider"
                    + " sends (preferred_username, email or sub)");
        }
        if (!(value instanceof String name)) {
            throw refused("the ID token's " + claim + " claim is not a string");
        }
        if ("email".equals(claim) && !Boolean.TRUE.equals(claims.getClaim("email_verified"))) {
            throw refused("the ID token's email is not verified (email_verified is not true)");
        }
        if (name.isEmpty() || name.codePointCount(0, name.length()) > MAX_LENGTH) {
            throw refused("the ID token's " + claim + " is empty or longer than " + MAX_LENGTH + " characters");
        }
        if (!name.strip().equals(name) || Printable.firstUnsafe(name) >= 0) {
            throw refused("the ID token's " + claim + " holds control, format or invisible characters, or surrounding spaces");
        }
        return name;
    }

    private static OidcRefusal refused(String message) {
        return new OidcRefusal(OidcRefusal.Reason.USER_CLAIM, message);
    }
}
