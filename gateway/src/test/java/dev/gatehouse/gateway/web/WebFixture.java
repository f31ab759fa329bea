package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.pki.testing.TestClock;
import dev.gatehouse.policy.AccessState;
import dev.gatehouse.policy.PolicyLoader;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.StoreOptions;
import dev.gatehouse.recorder.StoredEvent;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The web front's handlers on a fake clock, a real audit store (SQLite in a temporary folder), a
 * real policy (alice and bob with keys; carol, disabled; node gpu-node-1) and a hand-written app
 * policy ({@link #allow}), without sockets: requests go into {@link EmbeddedChannel}s.
 */
final class WebFixture implements AutoCloseable {
    static final String HOST = "localhost";
    static final String APP_HOST = "jupyter--gpu-node-1.apps.localhost";

    final TestClock clock = new TestClock(Instant.parse("2026-11-29T12:00:00Z"));
    final AuditStore store;
    final AuditTrail audit;
    final PolicyHolder holder;
    final AtomicReference<AccessState> state = new AtomicReference<>(AccessState.empty());
    final SessionRegistry registry = new SessionRegistry();
    final WebSite site = new WebSite(HOST, 8443);
    final WebLogin login;
    /** What the fixture's handlers were built from (a test may build the listener's pipelines from it). */
    final WebFront.Parts parts;
    final WebContext web;
    final Map<String, KeyPair> keys = new ConcurrentHashMap<>();
    /** The apps the engineer role (alice) may open; bob's role has none. */
    volatile String engineerApps = "[jupyter, other]";
    /** What the fake "proxy" after the gate received, per channel. */
    final List<Object> passed = new ArrayList<>();
    ClientCertificate.Reader certificates = ClientCertificate.Reader.none();

    WebFixture(Path dir) throws Exception {
        KeyPair auditKey = ec();
        KeyPair assertionKey = ec();
        JwsSigner signer = JwsSigner.es256(auditKey);
        store = AuditStore.open(StoreOptions.defaults("jdbc:sqlite:" + dir.resolve("audit.db"), "gw-0000000000000001",
                CheckpointSigner.of(signer::sign, signer::verify), clock));
        audit = new AuditTrail(store, clock, true);
        for (String user : List.of("alice", "bob", "carol")) {
            keys.put(user, SshKeys.generateEd25519());
        }
        holder = new PolicyHolder(SshKeys.generateEd25519(), clock, PolicyLoader.parse(policy(), "policy.yaml"));
        login = new WebLogin(site, audit, clock, Duration.ofSeconds(60));
        GatewayConfig.Web config = GatewayConfig.Web.defaults();
        parts = new WebFront.Parts(config, null, site, login, new PolicyApps(holder), holder, state::get, audit,
                registry, clock, s -> new AssertionSigner(assertionKey, s.consoleOrigin(), clock), leaf -> certificates.read(leaf), new byte[32], ChannelInboundHandlerAdapter::new, 1,
                s -> java.util.Optional.empty());
        web = WebFront.context(parts);
    }

    String policy() {
        return """
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                  - {name: bob, keys: ["%s"], roles: [viewer]}
                  - {name: carol, keys: ["%s"], roles: [engineer], disabled: true}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:22", host_key: "%s", labels: {tenant: team-a}}
                apps:
                  - {name: jupyter, nodes: {tenant: team-a}, target: "http://127.0.0.1:8888", login: aiops}
                  - {name: other, nodes: {tenant: team-a}, target: "http://127.0.0.1:9999", login: aiops}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}, apps: %s}
                  - {name: viewer, logins: [aiops], nodes: {tenant: team-a}}
                """.formatted(line("alice"), line("bob"), line("carol"), line("alice"), engineerApps);
    }

    String line(String user) {
        return SshKeys.toLine(keys.get(user).getPublic());
    }

    Identity identity(String user) {
        return new Identity(user, SshKeys.fingerprint(keys.get(user).getPublic()), "192.0.2.7:50000");
    }

    /** Lets the engineer role open {@code apps} (a YAML list) and reloads the policy, as a policy file change would. */
    void engineerApps(String apps) {
        engineerApps = apps;
        holder.replace(PolicyLoader.parse(policy(), "policy.yaml"));
    }

    /** A channel as the listener sets it up after TLS: the SNI name recorded, then the handlers under test. */
    EmbeddedChannel channel(String sni) {
        EmbeddedChannel ch = new EmbeddedChannel();
        if (sni != null) {
            ch.attr(WebRequests.SNI).set(sni);
        }
        ch.pipeline().addLast(new WebRequests(web), capture());
        return ch;
    }

    private ChannelHandler capture() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                passed.add(msg);
                ReferenceCountUtil.release(msg);
            }
        };
    }

    static FullHttpRequest get(String uri, String host, String... cookies) {
        FullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
        if (host != null) {
            r.headers().set(HttpHeaderNames.HOST, host);
        }
        if (cookies.length > 0) {
            r.headers().set(HttpHeaderNames.COOKIE, String.join("; ", cookies));
        }
        return r;
    }

    /** Sends {@code request} on a fresh channel for {@code sni} and returns the gateway's answer (null when passed on). */
    FullHttpResponse send(String sni, FullHttpRequest request) {
        EmbeddedChannel ch = channel(sni);
        ch.writeInbound(request);
        FullHttpResponse res = ch.readOutbound();
        ch.finishAndReleaseAll();
        return res;
    }

    static String body(FullHttpResponse r) {
        return r.content().toString(StandardCharsets.UTF_8);
    }

    /** The {@code name=value} part of the response's Set-Cookie for {@code name}. */
    static String cookie(FullHttpResponse r, String name) {
        for (String c : r.headers().getAll(HttpHeaderNames.SET_COOKIE)) {
            if (c.startsWith(name + "=")) {
                return c.substring(0, c.indexOf(';'));
            }
        }
        throw new AssertionError("no Set-Cookie " + name + " in " + r.headers());
    }

    /** Logs {@code user} in through a fresh ticket; returns the console cookie ({@code name=value}). */
    String consoleCookie(String user) {
        String line = login.issue(identity(user));
        String url = line.substring(line.lastIndexOf(' ') + 1);
        FullHttpResponse res = send(HOST, get(url.substring(url.indexOf("/login")), HOST + ":8443"));
        try {
            return cookie(res, SessionCookies.CONSOLE);
        } finally {
            res.release();
        }
    }

    /** Launches {@code user} into the jupyter app host; returns the app cookie ({@code name=value}). */
    String appCookie(String user) {
        String console = consoleCookie(user);
        FullHttpResponse launch = send(HOST, get("/launch?to=jupyter--gpu-node-1&path=/tree", HOST, console));
        String location = launch.headers().get(HttpHeaderNames.LOCATION);
        launch.release();
        String own = location.substring(location.indexOf("/.gatehouse/"));
        FullHttpResponse set = send(APP_HOST, get(own, APP_HOST + ":8443"));
        try {
            return cookie(set, SessionCookies.APP);
        } finally {
            set.release();
        }
    }

    List<AuditEvent> events(String type) {
        store.flush();
        return store.events(new EventQuery(type, null, null, null, 1000)).stream().map(StoredEvent::event).toList();
    }

    @Override
    public void close() {
        store.close();
    }

    private static KeyPair ec() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }
}
