package dev.gatehouse.gateway.web.oidc;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.oauth2.sdk.AuthorizationCode;
import com.nimbusds.oauth2.sdk.AuthorizationCodeGrant;
import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.ParseException;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.TokenRequest;
import com.nimbusds.oauth2.sdk.TokenResponse;
import com.nimbusds.oauth2.sdk.auth.ClientSecretBasic;
import com.nimbusds.oauth2.sdk.http.HTTPRequest;
import com.nimbusds.oauth2.sdk.http.HTTPResponse;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.Issuer;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationErrorResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.AuthenticationResponse;
import com.nimbusds.openid.connect.sdk.AuthenticationResponseParser;
import com.nimbusds.openid.connect.sdk.AuthenticationSuccessResponse;
import com.nimbusds.openid.connect.sdk.Nonce;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponse;
import com.nimbusds.openid.connect.sdk.OIDCTokenResponseParser;
import dev.gatehouse.pki.Secret;
import dev.gatehouse.policy.Printable;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * Browser login through an OpenID Connect provider: the authorization code flow of OpenID
 * Connect Core 1.0 section 3.1 with PKCE S256 (RFC 7636), for the web front's two console-host
 * routes {@code GET /login/oidc?next=/path} ({@link #start}) and
 * {@code GET /login/oidc/callback?code=..&state=..} ({@link #finish}).
 *
 * <p>Each flow's {@code state}, {@code nonce} and PKCE verifier stay on the gateway, in a
 * Caffeine cache keyed by state that forgets them after {@link #FLOW_TTL} and hands each out once.
 * The flow is also bound to the browser that started it: {@link #start} returns a random value for
 * the {@value #STATE_COOKIE} cookie and keeps only its SHA-256, and {@link #finish} refuses a
 * callback that does not bring it back, so a callback URL (code and state) copied into another
 * browser logs no one in (RFC 9700 section 4.7.1). A callback with the wrong cookie leaves the
 * flow as it was.
 *
 * <p>Blocking work (discovery, token request, JWKS) runs on the executor given at construction;
 * the returned futures complete there or, for refusals decided from the request alone, at once.
 * They fail with {@link OidcRefusal} (wrapped in a {@link java.util.concurrent.CompletionException}
 * by the usual future combinators). The front checks that the returned user exists in the policy.
 */
public final class OidcLogin {
    /** The browser-binding cookie; {@code __Host-} so it is Secure, host-only and {@code Path=/}. */
    public static final String STATE_COOKIE = "__Host-gatehouse-oidc";
    /** How long a started login may take, at the provider included. */
    public static final Duration FLOW_TTL = Duration.ofMinutes(10);
    /** {@code Set-Cookie} value that deletes {@link #STATE_COOKIE}; send it with every callback answer. */
    public static final String CLEAR_STATE_COOKIE = STATE_COOKIE + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax";
    /** Longest {@code next} path accepted. */
    static final int MAX_NEXT = 2048;
    /** Started flows kept at most; the oldest go first when strangers start logins in bulk. */
    static final long MAX_FLOWS = 10_000;

    /**
     * Where to send the browser, and the cookie to set with that redirect.
     *
     * @param authorizationRedirect the provider's authorization endpoint with {@code response_type=code},
     *     {@code client_id}, {@code redirect_uri}, {@code scope}, {@code state}, {@code nonce},
     *     {@code code_challenge} and {@code code_challenge_method=S256}: answer 302 with it as {@code Location}
     * @param stateCookieValue the value for {@link #STATE_COOKIE} (43 base64url characters, 256 random bits)
     */
    public record Start(URI authorizationRedirect, String stateCookieValue) {
        public Start {
            Objects.requireNonNull(authorizationRedirect, "authorizationRedirect");
            Objects.requireNonNull(stateCookieValue, "stateCookieValue");
        }

        /**
         * The {@code Set-Cookie} header value: {@code Secure; HttpOnly; Path=/} and
         * {@code SameSite=Lax}, since the callback is a top-level navigation from the provider's
         * site, which a {@code Strict} cookie would not accompany; lives {@link #FLOW_TTL}.
         */
        public String setCookie() {
            return STATE_COOKIE + "=" + stateCookieValue + "; Path=/; Max-Age=" + FLOW_TTL.toSeconds()
                    + "; Secure; HttpOnly; SameSite=Lax";
        }

        @Override
        public String toString() {
            return "Start[" + authorizationRedirect.getHost() + "]";
        }
    }

    /**
     * A successful login.
     *
     * @param user the value of the configured user claim (checked plausible, not yet against the policy)
     * @param subject the provider's {@code sub} for the user
     * @param issuer the provider's issuer identifier
     * @param next the local path given to {@link #start}, to redirect to after setting the session cookie
     */
    public record Result(String user, String subject, URI issuer, String next) {}

    /** What {@link #start} keeps for {@link #finish}. */
    private record Flow(State state, Nonce nonce, CodeVerifier verifier, byte[] cookieDigest, String next) {}

    private final OidcConfig config;
    private final URI redirectUri;
    private final Optional<Secret> clientSecret;
    private final Executor executor;
    private final ProviderDirectory providers;
    private final IdTokenCheck idTokens;
    private final Cache<String, Flow> flows;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param config the {@code web.oidc} section
     * @param redirectUri the callback URL, usually {@code config.redirectUri(hostname, boundPort)}
     * @param clientSecret the client secret ({@link OidcConfig#clientSecret}), empty for a public client
     * @param executor where discovery, token requests and key fetches run (never a Netty event loop)
     * @param clock the time for flow expiry, metadata refresh and ID token expiry
     */
    public OidcLogin(OidcConfig config, URI redirectUri, Optional<Secret> clientSecret, Executor executor, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.redirectUri = Objects.requireNonNull(redirectUri, "redirectUri");
        this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
        this.executor = Objects.requireNonNull(executor, "executor");
        this.providers = new ProviderDirectory(config.issuer(), executor, clock);
        this.idTokens = new IdTokenCheck(config.issuer(), config.clientId(), clock);
        this.flows = Caffeine.newBuilder()
                .ticker(() -> clock.millis() * 1_000_000L)
                .expireAfterWrite(FLOW_TTL)
                .maximumSize(MAX_FLOWS)
                .build();
    }

    /**
     * Starts a login that returns the browser to {@code next} (a local path such as {@code /} or
     * {@code /launch?to=x}; null means {@code /}). Fails with {@code BAD_REQUEST} for anything
     * else (an absolute or scheme-relative URL would make the login an open redirect), or with
     * {@code PROVIDER_UNAVAILABLE} when the provider's metadata cannot be read.
     */
    public CompletableFuture<Start> start(String next) {
        String path;
        try {
            path = localPath(next);
        } catch (OidcRefusal e) {
            return CompletableFuture.failedFuture(e);
        }
        return providers.provider().thenApply(provider -> {
            State state = new State();
            Nonce nonce = new Nonce();
            CodeVerifier verifier = new CodeVerifier();
            byte[] cookie = new byte[32];
            random.nextBytes(cookie);
            String cookieValue = Base64.getUrlEncoder().withoutPadding().encodeToString(cookie);
            URI redirect = new AuthenticationRequest.Builder(ResponseType.CODE, new Scope(config.scopes().toArray(String[]::new)),
                    new ClientID(config.clientId()), redirectUri)
                    .endpointURI(provider.metadata().getAuthorizationEndpointURI())
                    .state(state)
                    .nonce(nonce)
                    .codeChallenge(verifier, CodeChallengeMethod.S256)
                    .build()
                    .toURI();
            flows.put(state.getValue(), new Flow(state, nonce, verifier, sha256(cookieValue), path));
            return new Start(redirect, cookieValue);
        });
    }

    /**
     * Finishes a login from the callback's query parameters and the {@link #STATE_COOKIE} value
     * the browser sent (null when it sent none). Checks, in order: a {@code state} is present and
     * names a live flow ({@code UNKNOWN_STATE}); the cookie matches it ({@code STATE_COOKIE_MISMATCH},
     * the flow stays usable); the flow is taken, once ({@code UNKNOWN_STATE} when reused); the
     * provider sent no error ({@code PROVIDER_ERROR}) and, when it names itself with {@code iss}
     * (RFC 9207), is our issuer; then, on the executor, redeems the code with the PKCE verifier
     * ({@code TOKEN_ENDPOINT}), validates the ID token ({@link IdTokenCheck}: {@code ID_TOKEN_INVALID})
     * and reads the user claim ({@code USER_CLAIM}).
     */
    public CompletableFuture<Result> finish(Map<String, String> query, String stateCookieValue) {
        Flow flow;
        AuthorizationCode code;
        try {
            flow = takeFlow(query, stateCookieValue);
            code = authorizationCode(query);
        } catch (OidcRefusal e) {
            return CompletableFuture.failedFuture(e);
        }
        return providers.provider().thenApplyAsync(provider -> redeem(provider, flow, code), executor);
    }

    private Flow takeFlow(Map<String, String> query, String cookieValue) {
        String state = query.get("state");
        if (state == null || state.isBlank()) {
            throw new OidcRefusal(OidcRefusal.Reason.BAD_REQUEST, "the callback carries no state; start the login again");
        }
        Flow flow = flows.getIfPresent(state);
        if (flow == null) {
            throw new OidcRefusal(OidcRefusal.Reason.UNKNOWN_STATE, "this login is unknown, older than "
                    + FLOW_TTL.toMinutes() + " minutes or already used; start the login again");
        }
        if (cookieValue == null || !MessageDigest.isEqual(sha256(cookieValue), flow.cookieDigest())) {
            throw new OidcRefusal(OidcRefusal.Reason.STATE_COOKIE_MISMATCH, "this login was started in another browser"
                    + " (the " + STATE_COOKIE + " cookie does not match); start the login again in this browser");
        }
        if (!flows.asMap().remove(state, flow)) {
            throw new OidcRefusal(OidcRefusal.Reason.UNKNOWN_STATE, "this login was already used; start the login again");
        }
        return flow;
    }

    /** The code from a successful authorization response, or the provider's error as a refusal. */
    private AuthorizationCode authorizationCode(Map<String, String> query) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        query.forEach((k, v) -> params.put(k, List.of(v)));
        AuthenticationResponse response;
        try {
            response = AuthenticationResponseParser.parse(redirectUri, params);
        } catch (ParseException e) {
            throw new OidcRefusal(OidcRefusal.Reason.BAD_REQUEST, "the callback is not an authorization response: "
                    + quote(e.getMessage()), e);
        }
        if (!response.indicatesSuccess()) {
            AuthenticationErrorResponse error = response.toErrorResponse();
            throw new OidcRefusal(OidcRefusal.Reason.PROVIDER_ERROR, "the identity provider refused the login: "
                    + describe(error.getErrorObject()));
        }
        AuthenticationSuccessResponse success = response.toSuccessResponse();
        Issuer iss = success.getIssuer();
        if (iss != null && !iss.getValue().equals(config.issuer().toString())) {
            throw new OidcRefusal(OidcRefusal.Reason.PROVIDER_ERROR, "the callback names another identity provider ("
                    + quote(iss.getValue()) + ")");
        }
        if (success.getAuthorizationCode() == null) {
            throw new OidcRefusal(OidcRefusal.Reason.BAD_REQUEST, "the callback carries no authorization code");
        }
        return success.getAuthorizationCode();
    }

    /** Blocking: the token request (RFC 6749 section 4.1.3, with {@code code_verifier}) and the ID token checks. */
    private Result redeem(ProviderDirectory.Provider provider, Flow flow, AuthorizationCode code) {
        HTTPRequest request = tokenRequest(provider, flow, code).toHTTPRequest();
        request.setConnectTimeout(ProviderDirectory.CONNECT_TIMEOUT_MS);
        request.setReadTimeout(ProviderDirectory.READ_TIMEOUT_MS);
        request.setFollowRedirects(false);
        TokenResponse response;
        try {
            HTTPResponse http = request.send();
            response = OIDCTokenResponseParser.parse(http);
        } catch (IOException e) {
            throw new OidcRefusal(OidcRefusal.Reason.TOKEN_ENDPOINT, "cannot reach the identity provider's token endpoint: "
                    + e.getMessage(), e);
        } catch (ParseException e) {
            throw new OidcRefusal(OidcRefusal.Reason.TOKEN_ENDPOINT, "the token endpoint's answer is not a token response: "
                    + quote(e.getMessage()), e);
        }
        if (!response.indicatesSuccess()) {
            throw new OidcRefusal(OidcRefusal.Reason.TOKEN_ENDPOINT, "the token endpoint refused the code: "
                    + describe(response.toErrorResponse().getErrorObject()));
        }
        if (!(response.toSuccessResponse() instanceof OIDCTokenResponse tokens) || tokens.getOIDCTokens().getIDToken() == null) {
            throw new OidcRefusal(OidcRefusal.Reason.ID_TOKEN_INVALID, "the token endpoint returned no ID token"
                    + " (is openid among web.oidc.scopes?)");
        }
        JWT idToken = tokens.getOIDCTokens().getIDToken();
        JWTClaimsSet claims = idTokens.check(idToken, flow.nonce(), provider);
        String user = UserClaim.user(claims, config.userClaim());
        return new Result(user, claims.getSubject(), config.issuer(), flow.next());
    }

    /** The token request: the code, the redirect URI and the PKCE verifier, with HTTP Basic client authentication when there is a secret. */
    private TokenRequest tokenRequest(ProviderDirectory.Provider provider, Flow flow, AuthorizationCode code) {
        AuthorizationCodeGrant grant = new AuthorizationCodeGrant(code, redirectUri, flow.verifier());
        URI endpoint = provider.metadata().getTokenEndpointURI();
        ClientID client = new ClientID(config.clientId());
        if (clientSecret.isPresent()) {
            com.nimbusds.oauth2.sdk.auth.Secret secret = new com.nimbusds.oauth2.sdk.auth.Secret(
                    new String(clientSecret.get().reveal()));
            return new TokenRequest.Builder(endpoint, new ClientSecretBasic(client, secret), grant).build();
        }
        return new TokenRequest.Builder(endpoint, client, grant).build();
    }

    /**
     * {@code next} as a local path: starts with one {@code /}, no backslash, no control
     * characters, at most {@link #MAX_NEXT} characters; null is {@code /}.
     */
    static String localPath(String next) {
        if (next == null || next.isEmpty()) {
            return "/";
        }
        boolean ok = next.length() <= MAX_NEXT && next.startsWith("/") && !next.startsWith("//")
                && next.indexOf('\\') < 0 && next.chars().noneMatch(c -> c < 0x21 || c == 0x7f);
        if (!ok) {
            throw new OidcRefusal(OidcRefusal.Reason.BAD_REQUEST, "next must be a path on this site such as /apps,"
                    + " not '" + quote(next) + "'");
        }
        return next;
    }

    private static String describe(ErrorObject error) {
        String code = error == null || error.getCode() == null ? "unknown error" : quote(error.getCode());
        String description = error == null ? null : error.getDescription();
        return description == null ? code : code + " (" + quote(description) + ")";
    }

    /** Text from the provider or the query, escaped by the project's one rule and cut to 200 characters. */
    private static String quote(String text) {
        return Printable.shorten(Printable.escape(text), 200);
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
