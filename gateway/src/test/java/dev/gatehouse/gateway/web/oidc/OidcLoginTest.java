package dev.gatehouse.gateway.web.oidc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.pki.Secret;
import dev.gatehouse.pki.testing.TestClock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;
import no.nav.security.mock.oauth2.http.OAuth2HttpRequest;
import no.nav.security.mock.oauth2.http.OAuth2HttpResponse;
import no.nav.security.mock.oauth2.http.Route;
import no.nav.security.mock.oauth2.token.DefaultOAuth2TokenCallback;
import okhttp3.Headers;
import okhttp3.mockwebserver.RecordedRequest;
import org.assertj.core.api.ThrowableAssert;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The login flow against a real OIDC provider running in this JVM (NAV's mock-oauth2-server,
 * non-interactive: its authorization endpoint redirects straight back with a code, and issues
 * the tokens an enqueued callback describes, signed with its own keys, served at its JWKS).
 */
class OidcLoginTest {
    private static final String CLIENT = "gatehouse";
    private static final String ISSUER_ID = "default";
    private static final URI CALLBACK = URI.create("https://localhost:8443/login/oidc/callback");

    private MockOAuth2Server idp;
    private ExecutorService executor;
    private TestClock clock;
    private OidcLogin login;
    private final AtomicReference<String> nextIdToken = new AtomicReference<>();
    private final HttpClient browser = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @BeforeEach
    void startProvider() {
        idp = new MockOAuth2Server(new OAuth2Config(), tokenOverride());
        idp.start(InetAddress.getLoopbackAddress(), 0);
        executor = Executors.newFixedThreadPool(2);
        clock = new TestClock(Instant.now());
        login = login("preferred_username", Optional.empty());
    }

    @AfterEach
    void stopProvider() {
        idp.shutdown();
        executor.shutdownNow();
    }

    private OidcLogin login(String userClaim, Optional<Secret> secret) {
        URI issuer = URI.create(idp.issuerUrl(ISSUER_ID).toString());
        OidcConfig config = new OidcConfig(issuer, CLIENT, Optional.empty(), userClaim, OidcConfig.DEFAULT_SCOPES,
                Optional.empty());
        return new OidcLogin(config, CALLBACK, secret, executor, clock);
    }

    /** The provider issues its next tokens for this user, with these extra claims. */
    private void nextUser(String subject, Map<String, Object> claims) {
        idp.enqueueCallback(new DefaultOAuth2TokenCallback(ISSUER_ID, subject, "JWT", null, claims, 3600));
    }

    /** What a browser does with the start redirect: asks the provider, and reads where it is sent back to. */
    private Map<String, String> authorize(OidcLogin.Start start) throws IOException, InterruptedException {
        HttpResponse<String> answer = browser.send(HttpRequest.newBuilder(start.authorizationRedirect()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("the provider redirects back").isEqualTo(302);
        URI back = URI.create(answer.headers().firstValue("Location").orElseThrow());
        assertThat(back.getPath()).isEqualTo(CALLBACK.getPath());
        return query(back.getRawQuery());
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            values.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return values;
    }

    private static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException c ? c.getCause() : e.getCause();
            throw (Exception) cause;
        }
    }

    private static void assertRefused(ThrowableAssert.ThrowingCallable call, OidcRefusal.Reason reason) {
        assertThatThrownBy(call).isInstanceOf(OidcRefusal.class)
                .satisfies(e -> assertThat(((OidcRefusal) e).reason()).as(e.getMessage()).isEqualTo(reason));
    }

    @Test
    void loginReturnsTheUserNamedByTheClaimAndTheNextPath() throws Exception {
        nextUser("idp-subject-1", Map.of("preferred_username", "alice"));
        OidcLogin.Start start = await(login.start("/launch?to=jupyter--gpu-1&path=/tree"));
        assertThat(start.setCookie()).startsWith(OidcLogin.STATE_COOKIE + "=" + start.stateCookieValue() + ";")
                .contains("Secure", "HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=600");

        OidcLogin.Result result = await(login.finish(authorize(start), start.stateCookieValue()));

        assertThat(result.user()).isEqualTo("alice");
        assertThat(result.subject()).isEqualTo("idp-subject-1");
        assertThat(result.next()).isEqualTo("/launch?to=jupyter--gpu-1&path=/tree");
    }

    /** Threat: an intercepted code redeemed by someone else (RFC 7636): the verifier must go with the code. */
    @Test
    void tokenRequestCarriesTheVerifierOfTheChallengeSent() throws Exception {
        nextUser("s", Map.of("preferred_username", "alice"));
        OidcLogin.Start start = await(login.start("/"));
        Map<String, String> authorization = query(start.authorizationRedirect().getRawQuery());
        assertThat(authorization).containsEntry("code_challenge_method", "S256")
                .containsEntry("response_type", "code").containsEntry("client_id", CLIENT)
                .containsKeys("state", "nonce", "code_challenge");
        await(login.finish(authorize(start), start.stateCookieValue()));

        RecordedRequest token = requestTo("/token");
        Map<String, String> form = query(token.getBody().readUtf8());
        assertThat(form).containsEntry("grant_type", "authorization_code").containsKey("code_verifier");
        String challenge = Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256")
                .digest(form.get("code_verifier").getBytes(StandardCharsets.US_ASCII)));
        assertThat(challenge).isEqualTo(authorization.get("code_challenge"));
    }

    /** The provider's recorded requests, up to the first whose path ends with {@code suffix}. */
    private RecordedRequest requestTo(String suffix) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        for (RecordedRequest r; (r = idp.takeRequest(5, TimeUnit.SECONDS)) != null; ) {
            String path = r.getRequestUrl().encodedPath();
            if (path.endsWith(suffix)) {
                return r;
            }
            seen.add(path);
        }
        throw new AssertionError("no request to " + suffix + " among " + seen);
    }

    @Test
    void confidentialClientAuthenticatesWithItsSecret() throws Exception {
        login = login("preferred_username", Optional.of(Secret.of("hunter2")));
        nextUser("s", Map.of("preferred_username", "alice"));
        OidcLogin.Start start = await(login.start("/"));
        await(login.finish(authorize(start), start.stateCookieValue()));

        String basic = requestTo("/token").getHeader("Authorization");
        assertThat(basic).isEqualTo("Basic " + Base64.getEncoder()
                .encodeToString((CLIENT + ":hunter2").getBytes(StandardCharsets.UTF_8)));
    }

    /** Threat: a forged callback naming a state the gateway never issued. */
    @Test
    void unknownStateIsRefused() throws Exception {
        OidcLogin.Start start = await(login.start("/"));
        Map<String, String> callback = new LinkedHashMap<>(authorize(start));
        callback.put("state", "forged-state");
        assertRefused(() -> await(login.finish(callback, start.stateCookieValue())), OidcRefusal.Reason.UNKNOWN_STATE);
        assertRefused(() -> await(login.finish(Map.of("code", "c"), start.stateCookieValue())), OidcRefusal.Reason.BAD_REQUEST);
    }

    /** Threat: a replayed callback (browser history, a proxy log) logging someone in a second time. */
    @Test
    void usedStateIsRefusedTheSecondTime() throws Exception {
        nextUser("s", Map.of("preferred_username", "alice"));
        OidcLogin.Start start = await(login.start("/"));
        Map<String, String> callback = authorize(start);
        assertThat(await(login.finish(callback, start.stateCookieValue())).user()).isEqualTo("alice");

        assertRefused(() -> await(login.finish(callback, start.stateCookieValue())), OidcRefusal.Reason.UNKNOWN_STATE);
    }

    /** Threat: a callback URL stolen from the victim's browser and opened in the attacker's (no state cookie). */
    @Test
    void callbackFromAnotherBrowserIsRefusedAndLeavesTheLoginUsable() throws Exception {
        nextUser("s", Map.of("preferred_username", "alice"));
        OidcLogin.Start start = await(login.start("/"));
        Map<String, String> callback = authorize(start);
        OidcLogin.Start other = await(login.start("/"));

        assertRefused(() -> await(login.finish(callback, null)), OidcRefusal.Reason.STATE_COOKIE_MISMATCH);
        assertRefused(() -> await(login.finish(callback, other.stateCookieValue())), OidcRefusal.Reason.STATE_COOKIE_MISMATCH);

        assertThat(await(login.finish(callback, start.stateCookieValue())).user()).isEqualTo("alice");
    }

    /** Threat: the provider's error text reaching the page or the log with terminal escapes in it. */
    @Test
    void providerErrorIsRefusedWithItsCodeEscaped() throws Exception {
        OidcLogin.Start start = await(login.start("/"));
        String state = query(start.authorizationRedirect().getRawQuery()).get("state");
        Map<String, String> callback = Map.of("state", state, "error", "access_denied",
                "error_description", "user said no\u001b[31m");

        assertThatThrownBy(() -> await(login.finish(callback, start.stateCookieValue())))
                .isInstanceOf(OidcRefusal.class)
                .hasMessageContaining("access_denied")
                .hasMessageNotContaining("\u001b")
                .satisfies(e -> assertThat(((OidcRefusal) e).reason()).isEqualTo(OidcRefusal.Reason.PROVIDER_ERROR));
    }

    /** The next token request gets this ID token (minted by the provider with exactly the claims a test chose). */
    private void tokenEndpointAnswers(String idToken) {
        nextIdToken.set(idToken);
    }

    /**
     * A route in front of the provider's token endpoint that answers with {@link #nextIdToken}
     * once, when a test set one; otherwise the provider's own endpoint answers.
     */
    private Route tokenOverride() {
        return new Route() {
            @Override
            public boolean match(OAuth2HttpRequest request) {
                return request.getUrl().encodedPath().endsWith("/token") && nextIdToken.get() != null;
            }

            @Override
            public OAuth2HttpResponse invoke(OAuth2HttpRequest request) {
                String body = "{\"access_token\":\"opaque\",\"token_type\":\"Bearer\",\"expires_in\":60,\"id_token\":\""
                        + nextIdToken.getAndSet(null) + "\"}";
                return new OAuth2HttpResponse(Headers.of("Content-Type", "application/json"), 200, body, null);
            }
        };
    }

    private String minted(String issuerId, Map<String, Object> claims) {
        return idp.anyToken(idp.issuerUrl(issuerId), claims, Duration.ofHours(1)).serialize();
    }

    /** ID token claims that pass, for the login {@code start} began; tests change one of them. */
    private static Map<String, Object> goodClaims(OidcLogin.Start start) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", "s");
        claims.put("aud", CLIENT);
        claims.put("nonce", query(start.authorizationRedirect().getRawQuery()).get("nonce"));
        claims.put("preferred_username", "alice");
        return claims;
    }

    /** The control for the tests below: the same minting path with good claims logs in. */
    @Test
    void mintedIdTokenWithOurAudienceAndNonceIsAccepted() throws Exception {
        OidcLogin.Start start = await(login.start("/"));
        Map<String, String> callback = authorize(start);
        tokenEndpointAnswers(minted(ISSUER_ID, goodClaims(start)));

        assertThat(await(login.finish(callback, start.stateCookieValue())).user()).isEqualTo("alice");
    }

    /** Threat: an ID token the provider issued to another client (another app's login replayed here). */
    @Test
    void idTokenForAnotherAudienceIsRefused() throws Exception {
        OidcLogin.Start start = await(login.start("/"));
        Map<String, String> callback = authorize(start);
        Map<String, Object> claims = goodClaims(start);
        claims.put("aud", "another-client");
        tokenEndpointAnswers(minted(ISSUER_ID, claims));

        assertThatThrownBy(() -> await(login.finish(callback, start.stateCookieValue())))
                .isInstanceOf(OidcRefusal.class).hasMessageContaining("aud");
    }

    /** Threat: a token for several clients, issued at another one's request (Core 3.1.3.7 items 4, 5). */
    @Test
    void idTokenForSeveralAudiencesNeedsAnAzpNamingUs() throws Exception {
        OidcLogin.Start start = await(login.start("/"));
        Map<String, String> callback = authorize(start);
        Map<String, Object> claims = goodClaims(start);
        claims.put("aud", List.of(CLIENT, "another-client"));
        claims.put("azp", "another-client");
        tokenEndpointAnswers(minted(ISSUER_ID, claims));

        assertThatThrownBy(() -> await(login.finish(callback, start.stateCookieValue())))
                .isInstanceOf(OidcRefusal.class).hasMessageContaining("azp");
    }

    /** Threat: an ID token minted for another login attempt injected into this one (Core 3.1.3.7 item 11). */
    @Test
    void idTokenWithAnotherNonceIsRefused() throws Exception {
        OidcLogin.Start start = await(login.start("/"));
        Map<String, String> callback = authorize(start);
        Map<String, Object> claims = goodClaims(start);
        claims.put("nonce", "nonce-of-another-login");
        tokenEndpointAnswers(minted(ISSUER_ID, claims));

        assertThatThrownBy(() -> await(login.finish(callback, start.stateCookieValue())))
                .isInstanceOf(OidcRefusal.class).hasMessageContaining("nonce");
    }

    /** Threat: a token from another issuer (its iss, and keys this provider's JWKS does not hold). */
    @Test
    void idTokenFromAnotherIssuerIsRefused() throws Exception {
        OidcLogin.Start start = await(login.start("/"));
        Map<String, String> callback = authorize(start);
        tokenEndpointAnswers(minted("elsewhere", goodClaims(start)));

        assertRefused(() -> await(login.finish(callback, start.stateCookieValue())), OidcRefusal.Reason.ID_TOKEN_INVALID);
    }

    /** Threat: a forged ID token with every claim right, signed by a key that merely reuses the provider's kid. */
    @Test
    void idTokenSignedByAnotherKeyIsRefused() throws Exception {
        OidcLogin.Start start = await(login.start("/"));
        Map<String, String> callback = authorize(start);
        SignedJWT genuine = SignedJWT.parse(minted(ISSUER_ID, goodClaims(start)));
        RSAKey forger = new RSAKeyGenerator(2048).keyID(genuine.getHeader().getKeyID()).generate();
        SignedJWT forged = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(forger.getKeyID()).build(),
                genuine.getJWTClaimsSet());
        forged.sign(new RSASSASigner(forger));
        tokenEndpointAnswers(forged.serialize());

        assertThatThrownBy(() -> await(login.finish(callback, start.stateCookieValue())))
                .isInstanceOf(OidcRefusal.class).hasMessageContaining("signature");
    }

    /** Threat: an expired ID token accepted; the gateway's clock, not the token's, decides. */
    @Test
    void expiredIdTokenIsRefusedByTheGatewaysClock() throws Exception {
        idp.enqueueCallback(new DefaultOAuth2TokenCallback(ISSUER_ID, "s", "JWT", null,
                Map.of("preferred_username", "alice"), 30));
        OidcLogin.Start start = await(login.start("/"));
        Map<String, String> callback = authorize(start);
        clock.advance(Duration.ofMinutes(3));

        assertThatThrownBy(() -> await(login.finish(callback, start.stateCookieValue())))
                .isInstanceOf(OidcRefusal.class).hasMessageContaining("xpired");
    }

    @Test
    void loginOlderThanTenMinutesIsForgotten() throws Exception {
        nextUser("s", Map.of("preferred_username", "alice"));
        OidcLogin.Start start = await(login.start("/"));
        Map<String, String> callback = authorize(start);
        clock.advance(OidcLogin.FLOW_TTL.plusSeconds(1));

        assertRefused(() -> await(login.finish(callback, start.stateCookieValue())), OidcRefusal.Reason.UNKNOWN_STATE);
    }

    /** Threat: log-forging or look-alike user names (line breaks, bidi overrides) taken from the provider. */
    @Test
    void userNameWithControlCharactersIsRefused() throws Exception {
        for (String name : List.of("alice\nuser=root", "alice\u202e", " alice", "a".repeat(65))) {
            nextUser("s", Map.of("preferred_username", name));
            OidcLogin.Start start = await(login.start("/"));
            Map<String, String> callback = authorize(start);
            assertRefused(() -> await(login.finish(callback, start.stateCookieValue())), OidcRefusal.Reason.USER_CLAIM);
        }
    }

    /** Threat: an address someone registered at the provider without owning it naming a gateway user. */
    @Test
    void emailClaimCountsOnlyWhenVerified() throws Exception {
        login = login("email", Optional.empty());
        nextUser("s", Map.of("email", "alice@example.com", "email_verified", false));
        OidcLogin.Start start = await(login.start("/"));
        Map<String, String> callback = authorize(start);
        assertRefused(() -> await(login.finish(callback, start.stateCookieValue())), OidcRefusal.Reason.USER_CLAIM);

        nextUser("s", Map.of("email", "alice@example.com", "email_verified", true));
        OidcLogin.Start again = await(login.start("/"));
        assertThat(await(login.finish(authorize(again), again.stateCookieValue())).user()).isEqualTo("alice@example.com");
    }

    @Test
    void subClaimNamesTheUserWhenConfigured() throws Exception {
        login = login("sub", Optional.empty());
        nextUser("bob", Map.of("preferred_username", "alice"));
        OidcLogin.Start start = await(login.start("/"));
        assertThat(await(login.finish(authorize(start), start.stateCookieValue())).user()).isEqualTo("bob");
    }

    /** Threat: the login used as an open redirect to another site after the provider sends the browser back. */
    @Test
    void nextMustBeAPathOnThisSite() {
        for (String next : List.of("//evil.example/", "https://evil.example/", "/\\evil.example", "/a\r\nSet-Cookie: x")) {
            assertRefused(() -> await(login.start(next)), OidcRefusal.Reason.BAD_REQUEST);
        }
    }

    /** Discovery is read once and kept; after an hour the next login triggers a background refresh. */
    @Test
    void providerMetadataIsCachedAndRefreshedHourly() throws Exception {
        await(login.start("/"));
        await(login.start("/"));
        assertThat(discoveryRequests()).isEqualTo(1);

        clock.advance(ProviderDirectory.REFRESH.plusMinutes(1));
        await(login.start("/"));
        RecordedRequest refresh = idp.takeRequest(10, TimeUnit.SECONDS);
        assertThat(refresh).as("a refresh after the hour").isNotNull();
        assertThat(refresh.getRequestUrl().encodedPath()).endsWith("/.well-known/openid-configuration");
    }

    /**
     * Counts the discovery requests among those the provider recorded (every login made its
     * requests before its future completed, so what is recorded is complete).
     */
    private int discoveryRequests() {
        int count = 0;
        while (true) {
            RecordedRequest r;
            try {
                r = idp.takeRequest(100, TimeUnit.MILLISECONDS);
            } catch (RuntimeException empty) {
                return count; // the mock server signals an empty queue this way
            }
            if (r.getRequestUrl().encodedPath().endsWith("/.well-known/openid-configuration")) {
                count++;
            }
        }
    }

    @Test
    void unreachableProviderIsRefusedAsUnavailable() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        OidcConfig config = new OidcConfig(URI.create("http://127.0.0.1:" + closed + "/default"), CLIENT, Optional.empty(),
                "sub", OidcConfig.DEFAULT_SCOPES, Optional.empty());
        OidcLogin nowhere = new OidcLogin(config, CALLBACK, Optional.empty(), executor, clock);

        assertRefused(() -> await(nowhere.start("/")), OidcRefusal.Reason.PROVIDER_UNAVAILABLE);
    }
}
