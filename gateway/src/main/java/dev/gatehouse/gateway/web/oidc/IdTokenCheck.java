package dev.gatehouse.gateway.web.oidc;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.nimbusds.openid.connect.sdk.Nonce;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Set;

/**
 * Validates an ID token as OpenID Connect Core 1.0 section 3.1.3.7 requires, with Nimbus's JWT
 * processor: a JWS signed with an asymmetric algorithm the provider announces, by a key from its
 * JWKS; {@code iss} equal to the issuer; {@code aud} containing the client id, and when it holds
 * several audiences or names an {@code azp}, {@code azp} equal to the client id; {@code exp} in
 * the future and {@code iat} present, by the injected clock with {@link #CLOCK_SKEW} of leeway;
 * {@code nonce} equal to the one sent with the authorization request.
 */
final class IdTokenCheck {
    static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    private final URI issuer;
    private final String clientId;
    private final Clock clock;

    IdTokenCheck(URI issuer, String clientId, Clock clock) {
        this.issuer = issuer;
        this.clientId = clientId;
        this.clock = clock;
    }

    /** The token's claims once every check passed; otherwise an {@link OidcRefusal}. */
    JWTClaimsSet check(JWT idToken, Nonce nonce, ProviderDirectory.Provider provider) {
        if (!(idToken instanceof SignedJWT)) {
            throw invalid("the ID token is not signed (" + idToken.getHeader().getAlgorithm() + ")", null);
        }
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(provider.idTokenAlgorithms(), provider.keys()));
        JWTClaimsSet exact = new JWTClaimsSet.Builder()
                .issuer(issuer.toString())
                .claim("nonce", nonce.getValue())
                .build();
        DefaultJWTClaimsVerifier<SecurityContext> verifier = new DefaultJWTClaimsVerifier<>(
                Set.of(clientId), exact, Set.of("sub", "iat", "exp"), null) {
            @Override
            protected Date currentTime() {
                return Date.from(clock.instant());
            }
        };
        verifier.setMaxClockSkew((int) CLOCK_SKEW.toSeconds());
        processor.setJWTClaimsSetVerifier(verifier);
        JWTClaimsSet claims;
        try {
            claims = processor.process(idToken, null);
        } catch (KeySourceException e) {
            throw new OidcRefusal(OidcRefusal.Reason.PROVIDER_UNAVAILABLE,
                    "cannot fetch the identity provider's signing keys: " + e.getMessage(), e);
        } catch (BadJWTException e) {
            throw invalid("the ID token's claims are not acceptable: " + e.getMessage(), e);
        } catch (BadJOSEException | JOSEException e) {
            throw invalid("the ID token's signature does not verify with the provider's keys: " + e.getMessage(), e);
        }
        authorizedParty(claims);
        return claims;
    }

    /** Core 3.1.3.7 items 4 and 5: several audiences need an {@code azp}; an {@code azp} must be us. */
    private void authorizedParty(JWTClaimsSet claims) {
        Object azp = claims.getClaim("azp");
        List<String> audience = claims.getAudience();
        if (azp == null && audience.size() > 1) {
            throw invalid("the ID token has several audiences " + audience + " and no azp naming " + clientId, null);
        }
        if (azp != null && !clientId.equals(azp)) {
            throw invalid("the ID token was issued to another client (azp " + azp + ")", null);
        }
    }

    private static OidcRefusal invalid(String message, Throwable cause) {
        return new OidcRefusal(OidcRefusal.Reason.ID_TOKEN_INVALID, message, cause);
    }
}
