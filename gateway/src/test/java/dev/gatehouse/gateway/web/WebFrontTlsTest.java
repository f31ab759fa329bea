package dev.gatehouse.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.gateway.config.GatewayConfig;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole browser path over real TLS on a loopback port: one-time login (HTTP/2, JDK HttpClient),
 * launch to the app host (HTTP/1.1 with SNI naming the app host, hostname verified), and an app
 * request that reaches the handler after the gate with its app session and a verifiable assertion.
 */
class WebFrontTlsTest {
    @TempDir
    Path dir;
    WebFixture f;
    TestTls tls;
    WebFront front;
    int port;
    final InMemoryApp app = new InMemoryApp();

    @BeforeEach
    void setUp() throws Exception {
        f = new WebFixture(dir);
        tls = new TestTls("localhost");
        GatewayConfig.Web d = GatewayConfig.Web.defaults();
        GatewayConfig.Web config = new GatewayConfig.Web(true, new InetSocketAddress("127.0.0.1", 0), "localhost",
                d.tlsCert(), d.tlsKey(), false, d.sessionTtl(), d.loginTicketTtl(), d.appCertTtl(), java.util.Optional.empty());
        // real time here: TLS handshakes check certificate validity with the JDK's own clock
        front = new WebFront(new WebFront.Parts(config, tls.serverContext(), f.site, f.login, new PolicyApps(f.holder), f.holder,
                f.state::get, f.audit, f.registry, f.clock, s -> new AssertionSigner(TestTls.ec(), s.consoleOrigin(), f.clock),
                ClientCertificate.Reader.none(), new byte[32],
                () -> new dev.gatehouse.gateway.web.proxy.AppProxyHandler(app, f.audit, f.clock, "localhost", f.site.port()), 1, s -> java.util.Optional.empty()));
        port = front.start().getPort();
    }

    @AfterEach
    void tearDown() {
        front.close();
        f.close();
    }

    @Test
    void loginLaunchAndAppRequestOverTls() throws Exception {
        assertThat(f.site.port()).isEqualTo(port);
        String line = f.login.issue(f.identity("alice"));
        String url = line.substring(line.lastIndexOf(' ') + 1);
        assertThat(url).startsWith("https://localhost:" + port + "/login?ticket=");

        HttpClient browser = HttpClient.newBuilder().sslContext(tls.clientContext()).version(HttpClient.Version.HTTP_2)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> login = browser.send(java.net.http.HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.version()).as("ALPN chose h2").isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(login.statusCode()).isEqualTo(302);
        String console = login.headers().firstValue("set-cookie").orElseThrow();
        console = console.substring(0, console.indexOf(';'));

        HttpResponse<String> launch = browser.send(java.net.http.HttpRequest.newBuilder(
                URI.create("https://localhost:" + port + "/launch?to=jupyter--gpu-node-1&path=%2Ftree")).header("Cookie", console)
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(launch.statusCode()).isEqualTo(302);
        URI own = URI.create(launch.headers().firstValue("location").orElseThrow());
        assertThat(own.getHost()).isEqualTo(WebFixture.APP_HOST);

        // *.localhost does not resolve here: connect to 127.0.0.1 with the app host as SNI and Host, hostname verified
        Map<String, List<String>> set = http1(WebFixture.APP_HOST, own.getRawPath() + "?" + own.getRawQuery(), null).headers();
        String appCookie = set.get("set-cookie").get(0);
        appCookie = appCookie.substring(0, appCookie.indexOf(';'));
        assertThat(set.get("location")).containsExactly("/tree");

        Https1.Answer answer = http1(WebFixture.APP_HOST, "/tree?x=1", appCookie + "; _xsrf=abc");
        assertThat(answer.status()).isEqualTo(200);
        // what the app received: the request, its own cookie, an assertion, never the gateway's cookie
        assertThat(answer.body()).startsWith("GET /tree?x=1 HTTP/1.1").contains("_xsrf=abc").doesNotContain("__Host-gatehouse");
        String assertion = answer.body().lines().filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("gatehouse-jwt-assertion:"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElseThrow();
        assertThat(app.opened).hasSize(1);

        // the assertion verifies with the console host's JWKS and names the user and the app host
        HttpResponse<String> jwks = browser.send(java.net.http.HttpRequest.newBuilder(
                URI.create("https://localhost:" + port + "/.well-known/jwks.json")).GET().build(), HttpResponse.BodyHandlers.ofString());
        ECKey key = JWKSet.parse(jwks.body()).getKeys().get(0).toECKey();
        SignedJWT jwt = SignedJWT.parse(assertion);
        assertThat(jwt.verify(new ECDSAVerifier(key))).isTrue();
        assertThat(jwt.getHeader().getKeyID()).isEqualTo(key.getKeyID());
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("alice");
        assertThat(jwt.getJWTClaimsSet().getAudience()).containsExactly(WebFixture.APP_HOST);
        assertThat(jwt.getJWTClaimsSet().getIssuer()).isEqualTo("https://localhost:" + port);

        assertThat(f.events("app.session.start")).singleElement().satisfies(e -> assertThat(e.details()).containsEntry("via", "cookie"));
        assertThat(f.events("app.request")).singleElement().satisfies(e -> assertThat(e.details())
                .containsEntry("path", "/tree").containsEntry("status", "200").containsKey("query_sha256"));
    }

    /** Threat: HTTP/2 connection reuse sends a request for one host down a connection whose TLS named another. */
    @Test
    void requestForAnotherHostOnTheConnectionIsMisdirected() throws Exception {
        Https1.Answer a = http1Raw("localhost", WebFixture.APP_HOST, "/", null);
        assertThat(a.status()).isEqualTo(421);
    }

    @Test
    void oversizedHeadersGet431() throws Exception {
        Https1.Answer a = http1Raw("localhost", "localhost", "/", "x=" + "a".repeat(WebFront.MAX_HEADERS + 10));
        assertThat(a.status()).isEqualTo(431);
    }

    private Https1.Answer http1(String host, String pathAndQuery, String cookie) throws Exception {
        return Https1.get(tls.clientContext(), port, host, host, pathAndQuery, cookie);
    }

    private Https1.Answer http1Raw(String sni, String host, String pathAndQuery, String cookie) throws Exception {
        return Https1.get(tls.clientContext(), port, sni, host, pathAndQuery, cookie);
    }
}
