package dev.gatehouse.gateway.web.oidc;

import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.oauth2.sdk.GeneralException;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.openid.connect.sdk.op.OIDCProviderMetadata;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The identity provider as OpenID Connect Discovery 1.0 describes it: its metadata, fetched from
 * {@code ISSUER/.well-known/openid-configuration} on first use (on the executor, never on the
 * caller's thread), kept in a Caffeine cache that refreshes it in the background every hour, and
 * its signing keys from {@code jwks_uri} through Nimbus's {@link JWKSourceBuilder} (cached, rate
 * limited, refetched when a token names an unknown {@code kid}). A failed fetch is not cached:
 * the next login tries again.
 */
final class ProviderDirectory {
    static final Duration REFRESH = Duration.ofHours(1);
    static final int CONNECT_TIMEOUT_MS = 5_000;
    static final int READ_TIMEOUT_MS = 10_000;
    private static final int JWKS_SIZE_LIMIT = 512 * 1024;
    /** Asymmetric JWS algorithms the JDK verifies; HMAC and "none" are never accepted for ID tokens. */
    private static final Set<JWSAlgorithm> ACCEPTED = Set.of(JWSAlgorithm.RS256, JWSAlgorithm.RS384, JWSAlgorithm.RS512,
            JWSAlgorithm.PS256, JWSAlgorithm.PS384, JWSAlgorithm.PS512, JWSAlgorithm.ES256, JWSAlgorithm.ES384,
            JWSAlgorithm.ES512);

    /** What a login needs from the provider. */
    record Provider(OIDCProviderMetadata metadata, JWKSource<SecurityContext> keys, Set<JWSAlgorithm> idTokenAlgorithms) {}

    private final URI issuer;
    private final AsyncLoadingCache<URI, Provider> cache;

    ProviderDirectory(URI issuer, Executor executor, Clock clock) {
        this.issuer = issuer;
        Ticker ticker = () -> clock.millis() * 1_000_000L;
        this.cache = Caffeine.newBuilder()
                .executor(executor)
                .ticker(ticker)
                .refreshAfterWrite(REFRESH)
                .maximumSize(1)
                .buildAsync(ProviderDirectory::discover);
    }

    /** The provider, fetched if not cached; fails with {@link OidcRefusal.Reason#PROVIDER_UNAVAILABLE}. */
    CompletableFuture<Provider> provider() {
        return cache.get(issuer);
    }

    /**
     * Fetches and checks the metadata: the issuer must equal the configured one (Discovery section
     * 4.3, checked by Nimbus), endpoints must be https unless the issuer itself is a loopback http
     * URL, and PKCE S256 must be supported when the provider lists its methods.
     */
    private static Provider discover(URI issuer) {
        OIDCProviderMetadata metadata;
        try {
            metadata = OIDCProviderMetadata.resolve(new Issuer(issuer), CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS);
        } catch (GeneralException | IOException e) {
            throw new OidcRefusal(OidcRefusal.Reason.PROVIDER_UNAVAILABLE, "cannot read the identity provider's metadata"
                    + " from " + issuer + "/.well-known/openid-configuration: " + e.getMessage(), e);
        }
        boolean loopbackHttp = "http".equals(issuer.getScheme());
        endpoint(metadata.getAuthorizationEndpointURI(), "authorization_endpoint", loopbackHttp, issuer);
        endpoint(metadata.getTokenEndpointURI(), "token_endpoint", loopbackHttp, issuer);
        URI jwks = endpoint(metadata.getJWKSetURI(), "jwks_uri", loopbackHttp, issuer);
        List<CodeChallengeMethod> methods = metadata.getCodeChallengeMethods();
        if (methods != null && !methods.contains(CodeChallengeMethod.S256)) {
            throw unusable(issuer, "it does not support PKCE with S256 (code_challenge_methods_supported: " + methods + ")");
        }
        Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
        List<JWSAlgorithm> listed = metadata.getIDTokenJWSAlgs();
        if (listed != null) {
            listed.stream().filter(ACCEPTED::contains).forEach(algorithms::add);
        }
        if (algorithms.isEmpty()) {
            throw unusable(issuer, "it signs ID tokens with none of RS256..512, PS256..512, ES256..512"
                    + " (id_token_signing_alg_values_supported: " + listed + ")");
        }
        JWKSource<SecurityContext> keys;
        try {
            keys = JWKSourceBuilder.<SecurityContext>create(jwks.toURL(),
                    new DefaultResourceRetriever(CONNECT_TIMEOUT_MS, READ_TIMEOUT_MS, JWKS_SIZE_LIMIT)).build();
        } catch (MalformedURLException e) {
            throw unusable(issuer, "its jwks_uri is not a URL: " + e.getMessage());
        }
        return new Provider(metadata, keys, Set.copyOf(algorithms));
    }

    private static URI endpoint(URI uri, String name, boolean loopbackHttp, URI issuer) {
        if (uri == null) {
            throw unusable(issuer, "its metadata has no " + name);
        }
        boolean https = "https".equals(uri.getScheme());
        boolean localHttp = loopbackHttp && "http".equals(uri.getScheme()) && uri.getHost() != null
                && OidcConfig.isLoopback(uri.getHost());
        if (!https && !localHttp) {
            throw unusable(issuer, "its " + name + " is not https: " + uri);
        }
        return uri;
    }

    private static OidcRefusal unusable(URI issuer, String why) {
        return new OidcRefusal(OidcRefusal.Reason.PROVIDER_UNAVAILABLE, "the identity provider " + issuer
                + " cannot be used: " + why);
    }
}
