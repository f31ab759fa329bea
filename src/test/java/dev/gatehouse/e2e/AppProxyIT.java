package dev.gatehouse.e2e;

import static dev.gatehouse.e2e.WebApps.event;
import static dev.gatehouse.e2e.WebApps.field;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The app proxy with non-browser clients: {@code curl --cert} with an {@code app-cert} client
 * certificate against {@link AppEcho} on the node's loopback, reached through the node's sshd.
 * Apps: {@code echo} (alice's role lists it), {@code echo-ml} (login mlops: only through an
 * approved elevation, so its sessions rest on a grant), {@code vault} (no role lists it).
 */
class AppProxyIT extends GatewayTest {
    private static final String ECHO = "echo@" + Gateway.NODE;
    private AppEcho echo;
    private Web web;
    private Path aliceCert;

    @Override
    Gateway.Options options() {
        echo = AppEcho.start();
        Map<String, String> apps = new LinkedHashMap<>();
        apps.put("echo", echo.target());
        apps.put("echo-ml", echo.target());
        apps.put("vault", echo.target());
        return WebApps.options(apps);
    }

    @BeforeAll
    void web() {
        web = Web.of(gw);
        aliceCert = web.appCert(gw, gw.alice(), ECHO);
    }

    @AfterEach
    void unlock() {
        gw.shell(gw.user("bob"), "unlock user alice"); // refused when not locked; fine
    }

    @AfterAll
    void stopEcho() {
        if (echo != null) {
            echo.close();
        }
    }

    private String echoUrl(String path) {
        return web.appUrl("echo", Gateway.NODE, path);
    }

    /** Token streams must not be buffered: curl -N prints the first event long before the app sends the last. */
    @Test
    void sseEventsArriveBeforeTheStreamEnds() {
        int before = echo.sseSentNanos("proxied").size();
        try (Web.Stream s = web.stream(echoUrl("/sse?n=5&gap_ms=300&tag=proxied"), "--cert", aliceCert.toString())) {
            List<Web.Line> first = s.awaitLines(1, Duration.ofSeconds(20));
            assertThat(first.get(0).text()).isEqualTo("data: 1");
            assertThat(s.awaitExit(Duration.ofSeconds(20))).as(s.describe()).isZero();
            assertThat(s.lines()).extracting(Web.Line::text).containsExactly("data: 1", "data: 2", "data: 3", "data: 4", "data: 5");
            long lastSent = echo.sseSentNanos("proxied").get(before + 4);
            assertThat(Duration.ofNanos(lastSent - first.get(0).nanos()).toMillis())
                    .as("the first event was read at least 600 ms before the app sent the last (1200 ms after the first)")
                    .isGreaterThan(600);
        }
    }

    /** WebSocket (RFC 6455) through the gateway: text and binary frames echo, and the socket is audited. */
    @Test
    void webSocketEchoesThroughTheGatewayAndIsAudited() {
        URI uri = URI.create("wss://" + web.appHost("echo", Gateway.NODE) + ":" + gw.webPort() + "/ws");
        try (WsClient ws = WsClient.connect(uri, web.caPem(), aliceCert)) {
            ws.sendText("über the gateway");
            assertThat(ws.next(Duration.ofSeconds(10)).text()).isEqualTo("über the gateway");
            byte[] bin = new byte[70_000];
            new java.util.Random(7).nextBytes(bin);
            ws.sendBinary(bin);
            assertThat(ws.next(Duration.ofSeconds(10)).binary()).isEqualTo(bin);
            ws.closeNormally();
        }
        gw.awaitEvent("app.websocket open", event("app.websocket", "user", "alice", "app", "echo", "path", "/ws", "phase", "open"));
        JsonNode close = gw.awaitEvent("app.websocket close",
                event("app.websocket", "user", "alice", "app", "echo", "path", "/ws", "phase", "close"));
        assertThat(Long.parseLong(field(close, "frames_in"))).isGreaterThanOrEqualTo(2);
        assertThat(Long.parseLong(field(close, "frames_out"))).isGreaterThanOrEqualTo(2);
        assertThat(Long.parseLong(field(close, "bytes_in"))).isGreaterThanOrEqualTo(70_000);
        assertThat(field(close, "node")).isEqualTo(Gateway.NODE);
    }

    /**
     * Threat: a client forges the identity header the app trusts. The gateway strips every copy the
     * client sends and adds exactly one, an ES256 JWS that verifies against its JWKS, naming alice
     * for this app's host only, valid for minutes.
     */
    @Test
    void clientSentAssertionIsReplacedByOneThatVerifiesAgainstTheJwks() throws Exception {
        Web.Response r = web.get(echoUrl("/headers"), aliceCert,
                "-H", "Gatehouse-Jwt-Assertion: forged.by.client", "-H", "gatehouse-jwt-assertion: second.forged.copy");
        assertThat(r.status()).as(r.describe()).isEqualTo(200);
        JsonNode assertions = Json.parse(r.body()).get("gatehouse-jwt-assertion");
        assertThat(assertions).as(r.body()).isNotNull().hasSize(1);
        String jws = assertions.get(0).asText();
        assertThat(jws).doesNotContain("forged");

        Web.Response jwks = web.request(web.consoleUrl("/.well-known/jwks.json"));
        assertThat(jwks.status()).as(jwks.describe()).isEqualTo(200);
        JWKSet keys = JWKSet.parse(jwks.body());
        SignedJWT jwt = SignedJWT.parse(jws);
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        JWK key = keys.getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(key).as("kid " + jwt.getHeader().getKeyID() + " is in the JWKS " + jwks.body()).isNotNull();
        assertThat(key.isPrivate()).as("the JWKS publishes no private key").isFalse();
        assertThat(jwt.verify(new ECDSAVerifier((ECKey) key))).as("signature verifies").isTrue();
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertThat(claims.getSubject()).isEqualTo("alice");
        assertThat(claims.getAudience()).containsExactly(web.appHost("echo", Gateway.NODE));
        assertThat(claims.getIssuer()).isEqualTo(web.console());
        Instant iat = claims.getIssueTime().toInstant();
        Instant exp = claims.getExpirationTime().toInstant();
        assertThat(exp).isAfter(Instant.now());
        assertThat(Duration.between(iat, exp)).isLessThanOrEqualTo(Duration.ofMinutes(5));
    }

    /** Threat: the upstream's own address leaks to the client, or its cookie is scoped to a host the browser should not trust. */
    @Test
    void locationAndSetCookieAreRewrittenToTheAppHost() {
        Web.Response moved = web.get(echoUrl("/redirect"), aliceCert);
        assertThat(moved.status()).as(moved.describe()).isEqualTo(302);
        String location = moved.header("location");
        assertThat(location).doesNotContain("127.0.0.1");
        assertThat(URI.create(echoUrl("/redirect")).resolve(location).toString()).isEqualTo(echoUrl("/target"));

        Web.Response cookie = web.get(echoUrl("/cookie"), aliceCert);
        assertThat(cookie.status()).as(cookie.describe()).isEqualTo(200);
        for (String c : cookie.headers("set-cookie")) {
            assertThat(c.toLowerCase(java.util.Locale.ROOT)).as("Set-Cookie " + c).doesNotContain("domain=127.0.0.1");
        }
    }

    /** No body cap, no corruption: 200 MiB up and down through the tunnel keep their SHA-256. */
    @Test
    void twoHundredMebibytesUpAndDownKeepTheirSha256() {
        long n = 200L * 1024 * 1024;
        Path file = gw.dir().resolve("upload-200m.bin");
        try (var out = java.nio.file.Files.newOutputStream(file); var in = AppEcho.bigBody(n)) {
            in.transferTo(out);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            Web.Response up = web.upload(echoUrl("/upload"), aliceCert, file);
            assertThat(up.status()).as(up.describe()).isEqualTo(200);
            String expected = Keys.sha256(file);
            assertThat(up.body().strip()).isEqualTo(expected);
            assertThat(web.downloadSha256(echoUrl("/big?bytes=" + n), aliceCert)).isEqualTo(expected);
        } finally {
            file.toFile().delete();
        }
    }

    /** Threat: an app no role lists is reachable by anyone logged in. Both ways in are refused and audited. */
    @Test
    void anAppNoRoleListsIsDeniedWith403AndAudited() {
        Proc.Result cert = gw.shell(gw.alice(), "app-cert vault@" + Gateway.NODE);
        assertThat(cert.exit()).as(cert.describe()).isNotZero();
        assertThat(cert.stdout()).as("no certificate printed").doesNotContain("BEGIN");
        assertThat(cert.stderr()).startsWith("gatehouse: ");

        String console = WebApps.consoleCookie(gw, web, gw.alice());
        Web.Response r = web.request(web.consoleUrl("/launch?to=vault--" + Gateway.NODE + "&path=%2F"), "-H", "Cookie: " + console);
        assertThat(r.status()).as(r.describe()).isEqualTo(403);
        JsonNode denied = gw.awaitEvent("app.denied for vault",
                event("app.denied", "user", "alice", "app", "vault", "node", Gateway.NODE));
        assertThat(Json.text(denied, "outcome")).isEqualTo("denied");
        assertThat(field(denied, "reason")).isNotEmpty();
    }

    /** Threat: a name the gateway does not serve falls through to some default upstream. Also: nothing from the request is echoed unescaped. */
    @Test
    void anUnknownAppHostIs404WithAnEscapedPage() {
        Web.Response r = web.get(web.appUrl("nosuch", Gateway.NODE, "/%3Cscript%3Ealert(1)%3C/script%3E"), aliceCert);
        assertThat(r.status()).as(r.describe()).isEqualTo(404);
        assertThat(r.header("content-type")).startsWith("text/html");
        assertThat(r.body()).doesNotContain("<script>");
        Web.Response wrongNode = web.get(web.appUrl("echo", "no-such-node", "/headers"), aliceCert);
        assertThat(wrongNode.status()).as(wrongNode.describe()).isEqualTo(404);
    }

    /** Threat: a locked user keeps a live stream (a token stream, a dashboard) open; it is cut within 2 s and new requests fail. */
    @Test
    void lockingTheUserCutsALiveStreamWithinTwoSecondsAndRefusesNewRequests() {
        try (Web.Stream s = web.stream(echoUrl("/sse?n=1000&gap_ms=100"), "--cert", aliceCert.toString())) {
            s.awaitLines(2, Duration.ofSeconds(20));
            assertThat(sshConnectionsToNode()).as("the stream rides on an SSH tunnel to the node").isPositive();
            gw.shell(gw.user("bob"), "lock user alice --reason 'e2e incident'").requireSuccess();
            long locked = System.nanoTime();
            // the node login kept for alice's apps (a certificate of alice) ends with the lock, not after its 30 s idle limit
            org.awaitility.Awaitility.await("the gateway's SSH connections to the node closed after the lock")
                    .atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(100)).until(() -> sshConnectionsToNode() == 0);
            s.awaitExit(Duration.ofSeconds(10));
            long millis = Duration.ofNanos(s.endedAtNanos() - locked).toMillis();
            assertThat(millis).as("stream cut within 2 s of the lock (took " + millis + " ms)\n" + s.describe())
                    .isLessThanOrEqualTo(2000);
            assertThat(s.lines()).hasSizeLessThan(1000);
        }
        Web.Response r = web.get(echoUrl("/headers"), aliceCert);
        assertThat(r.status()).as(r.describe()).isEqualTo(403);
        gw.awaitEvent("app.denied while locked", event("app.denied", "user", "alice", "app", "echo"));
        JsonNode end = WebApps.awaitSessionEnd(gw, "alice", "echo");
        assertThat(field(end, "reason")).isNotEmpty();
    }

    /** Established TCP connections from this host to the node's sshd (only alice's app tunnels in this class). */
    private long sshConnectionsToNode() {
        Proc.Result r = Proc.run("ss", "-Htn", "state", "established", "( dport = :" + node.port() + " )");
        assertThat(r.exit()).as(r.toString()).isZero();
        return r.stdout().lines().filter(l -> !l.isBlank()).count();
    }

    /** Threat: revoking an elevation leaves the app session it opened running. */
    @Test
    void revokingTheGrantCutsTheAppSessionThatRestedOnIt() {
        Gateway.User bob = gw.user("bob");
        String id = Elevations.request(gw, gw.alice(), Elevations.ELEVATED, "30m");
        Elevations.approve(gw, bob, id).requireSuccess();
        Path mlCert = web.appCert(gw, gw.alice(), "echo-ml@" + Gateway.NODE);
        try (Web.Stream s = web.stream(web.appUrl("echo-ml", Gateway.NODE, "/sse?n=1000&gap_ms=100"), "--cert", mlCert.toString())) {
            s.awaitLines(2, Duration.ofSeconds(20));
            JsonNode start = gw.awaitEvent("app.session.start on the grant", event("app.session.start", "app", "echo-ml"));
            assertThat(field(start, "grant_id")).isEqualTo(id);
            assertThat(field(start, "login")).isEqualTo(Accounts.MLOPS);
            gw.shell(bob, "revoke " + id).requireSuccess();
            long revoked = System.nanoTime();
            s.awaitExit(Duration.ofSeconds(10));
            long millis = Duration.ofNanos(s.endedAtNanos() - revoked).toMillis();
            assertThat(millis).as("cut within 2 s of the revoke (took " + millis + " ms)\n" + s.describe()).isLessThanOrEqualTo(2000);
        }
        Web.Response after = web.get(web.appUrl("echo-ml", Gateway.NODE, "/headers"), mlCert);
        assertThat(after.status()).as(after.describe()).isEqualTo(403);
    }

    /**
     * Each request is on the hash chain with its method, path without the query (queries may hold
     * secrets: only their SHA-256), status and byte counts; the session start says who, from where,
     * how identified.
     */
    @Test
    void requestsAndSessionsAreAuditedWithoutTheQueryString() throws Exception {
        Web.Response r = web.get(echoUrl("/headers?api_key=s3cr3t-e2e"), aliceCert);
        assertThat(r.status()).as(r.describe()).isEqualTo(200);
        JsonNode req = gw.awaitEvent("app.request GET /headers with a query", e -> event("app.request", "user", "alice",
                "app", "echo", "method", "GET", "path", "/headers").test(e) && !field(e, "query_sha256").isEmpty());
        assertThat(Json.text(req, "outcome")).isEqualTo("success");
        assertThat(field(req, "status")).isEqualTo("200");
        assertThat(field(req, "node")).isEqualTo(Gateway.NODE);
        assertThat(field(req, "session_id")).isNotEmpty();
        assertThat(field(req, "query_sha256")).matches("[0-9a-f]{64}");
        assertThat(Long.parseLong(field(req, "bytes_out"))).isGreaterThan(0);
        assertThat(field(req, "duration_ms")).matches("\\d+");
        assertThat(gw.auditLog().toString()).as("the query string itself is never stored").doesNotContain("s3cr3t-e2e");

        JsonNode start = gw.awaitEvent("app.session.start of that request's session",
                event("app.session.start", "session_id", field(req, "session_id")));
        assertThat(Json.text(start, "outcome")).isEqualTo("success");
        assertThat(field(start, "user")).isEqualTo("alice");
        assertThat(field(start, "app")).isEqualTo("echo");
        assertThat(field(start, "node")).isEqualTo(Gateway.NODE);
        assertThat(field(start, "via")).isEqualTo("client_cert");
        assertThat(field(start, "login")).isEqualTo(Accounts.AIOPS);
        assertThat(field(start, "source")).startsWith("127.0.0.1");

        JsonNode issued = gw.awaitEvent("app.cert.issued for alice", event("app.cert.issued", "user", "alice", "app", "echo"));
        assertThat(field(issued, "cert_serial")).isNotEmpty();
        assertThat(field(issued, "not_after")).isNotEmpty();
    }
}
