package dev.gatehouse.gateway.web;

import dev.gatehouse.gateway.access.AccessService;
import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.session.SessionRegistry;
import dev.gatehouse.gateway.web.console.AccessApi;
import dev.gatehouse.gateway.web.console.ApiTokens;
import dev.gatehouse.gateway.web.console.ApiTokensApi;
import dev.gatehouse.gateway.web.console.ConsoleModule;
import dev.gatehouse.gateway.web.console.ConsoleSetup;
import dev.gatehouse.gateway.web.console.ConsoleUi;
import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.pki.testing.TestClock;
import dev.gatehouse.policy.PolicyLoader;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.StoreOptions;
import dev.gatehouse.recorder.StoredEvent;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The console API over the real HTTPS listener on a loopback port (TLS from {@link TestTls}, the
 * JDK HttpClient trusting its CA), a real SQLite store, a real {@link AccessService} and api-token
 * issuer, a fake clock. Two tenants: alice (requester), bob (approver) and erin (admin) in team-a;
 * zed (approver and admin) in team-b.
 */
final class ConsoleHarness implements AutoCloseable {
    static final String HOST = "localhost";

    final TestClock clock = new TestClock(Instant.parse("2026-11-29T12:00:00Z"));
    final AuditStore store;
    final AuditTrail audit;
    final PolicyHolder holder;
    final SessionRegistry registry = new SessionRegistry();
    final AccessService access;
    final WebSite site = new WebSite(HOST, 0);
    final WebLogin login;
    final ApiTokens tokens;
    final KeyPair tokenKey;
    final Map<String, KeyPair> keys;
    final TestTls tls;
    final WebFront front;
    final ExecutorService pool = Executors.newCachedThreadPool();
    final int port;
    final HttpClient client;

    /**
     * What the instances of one fleet share (issue 13): the database, the API-token key, the TLS CA
     * and its certificate, the users' keys.
     */
    record Fleet(String jdbcUrl, KeyPair tokenKey, TestTls tls, Map<String, KeyPair> keys) {
        static Fleet of(String jdbcUrl) throws Exception {
            return new Fleet(jdbcUrl, TestTls.ec(), new TestTls(HOST), new ConcurrentHashMap<>());
        }
    }

    ConsoleHarness(Path dir, ConsoleModule... extra) throws Exception {
        this(dir, null, "gw-0000000000000001", p -> p, extra);
    }

    /**
     * One instance of {@code fleet} (or, with null, a lone gateway on SQLite in {@code dir}), chain
     * {@code chainId}, its policy the usual one edited by {@code policyEdit}.
     */
    ConsoleHarness(Path dir, Fleet fleet, String chainId, java.util.function.UnaryOperator<String> policyEdit,
            ConsoleModule... extra) throws Exception {
        tokenKey = fleet == null ? TestTls.ec() : fleet.tokenKey();
        keys = fleet == null ? new ConcurrentHashMap<>() : fleet.keys();
        KeyPair auditKey = TestTls.ec();
        JwsSigner signer = JwsSigner.es256(auditKey);
        store = AuditStore.open(StoreOptions.defaults(fleet == null ? "jdbc:sqlite:" + dir.resolve("audit.db") : fleet.jdbcUrl(),
                chainId, CheckpointSigner.of(signer::sign, signer::verify), clock));
        audit = new AuditTrail(store, clock, true);
        for (String user : List.of("alice", "bob", "erin", "zed", "dan")) {
            keys.computeIfAbsent(user, u -> SshKeys.generateEd25519());
        }
        holder = new PolicyHolder(SshKeys.generateEd25519(), clock, PolicyLoader.parse(policyEdit.apply(policy()), "policy.yaml"));
        access = new AccessService(holder, store.accessLog(), audit, registry, signer, clock, Duration.ofHours(1), n -> { });
        access.load();
        login = new WebLogin(site, audit, clock, Duration.ofSeconds(60));
        tokens = new ApiTokens(tokenKey, site::consoleOrigin, store.accessLog(), audit, clock);
        List<ConsoleModule> modules = new ArrayList<>(List.of(new AccessApi(access, holder, clock), new ApiTokensApi(tokens, clock)));
        modules.addAll(List.of(extra));
        ConsoleUi ui = path -> Optional.empty();
        tls = fleet == null ? new TestTls(HOST) : fleet.tls();
        GatewayConfig.Web d = GatewayConfig.Web.defaults();
        GatewayConfig.Web config = new GatewayConfig.Web(true, new InetSocketAddress("127.0.0.1", 0), HOST,
                d.tlsCert(), d.tlsKey(), false, d.sessionTtl(), d.loginTicketTtl(), d.appCertTtl(), Optional.empty());
        front = new WebFront(new WebFront.Parts(config, tls.serverContext(), site, login, new PolicyApps(holder), holder,
                access::state, audit, registry, clock, s -> new AssertionSigner(TestTls.ec(), s.consoleOrigin(), clock),
                ClientCertificate.Reader.none(), new byte[32], ChannelInboundHandlerAdapter::new, 1, s -> Optional.empty(),
                new ConsoleSetup(modules, ui, pool, tokens)));
        port = front.start().getPort();
        client = client(HttpClient.Version.HTTP_2);
    }

    String policy() {
        return """
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer], tenant: team-a}
                  - {name: bob, keys: ["%s"], roles: [approver], tenant: team-a}
                  - {name: erin, keys: ["%s"], roles: [admin, approver], tenant: team-a}
                  - {name: zed, keys: ["%s"], roles: [approver, admin], tenant: team-b}
                  - {name: dan, keys: ["%s"], roles: [engineer], tenant: team-a}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:9", host_key: "%s", labels: {tenant: team-a}}
                  - {name: cpu-node-9, address: "127.0.0.1:9", host_key: "%s", labels: {tenant: team-b}}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: approver, logins: [aiops], nodes: {tenant: team-a}}
                  - {name: admin, permissions: [admin]}
                elevations:
                  - {login: mlops, nodes: {tenant: team-a}, max_duration: 1h, approvals: 1, requesters: [engineer], approvers: [approver]}
                  - {login: mlops, nodes: {tenant: team-b}, max_duration: 1h, approvals: 1, requesters: [engineer], approvers: [approver]}
                """.formatted(line("alice"), line("bob"), line("erin"), line("zed"), line("dan"), line("alice"), line("alice"));
    }

    String line(String user) {
        return SshKeys.toLine(keys.get(user).getPublic());
    }

    Identity identity(String user) {
        return new Identity(user, SshKeys.fingerprint(keys.get(user).getPublic()), "192.0.2.7:50000");
    }

    String origin() {
        return "https://" + HOST + ":" + port;
    }

    HttpClient client(HttpClient.Version version) throws Exception {
        return HttpClient.newBuilder().sslContext(tls.clientContext()).version(version)
                .followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(10)).build();
    }

    /** Logs {@code user} in through a one-time ticket, as a browser does; returns the console cookie ({@code name=value}). */
    String cookie(String user) throws Exception {
        String line = login.issue(identity(user));
        String url = line.substring(line.lastIndexOf(' ') + 1);
        HttpResponse<String> res = client.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
        String set = res.headers().allValues("set-cookie").stream().filter(c -> c.startsWith(SessionCookies.CONSOLE + "="))
                .findFirst().orElseThrow(() -> new AssertionError("no console cookie: " + res.statusCode() + " " + res.body()));
        return set.substring(0, set.indexOf(';'));
    }

    /** An api-token of {@code user} for {@code lifetime}, as {@code ssh GATEWAY api-token} prints it. */
    ApiTokens.Issued token(String user, Duration lifetime) {
        return tokens.issue(identity(user), lifetime, "test");
    }

    /** A request to {@code path} on the console host (not yet sent). */
    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(origin() + path)).timeout(Duration.ofSeconds(20));
    }

    HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    List<AuditEvent> events(String type) {
        store.flush();
        // this instance's chain only: a fleet's database holds every instance's
        return store.events(new EventQuery(type, null, null, null, 1000)).stream()
                .filter(e -> e.chainId().equals(store.chainId())).map(StoredEvent::event).toList();
    }

    @Override
    public void close() {
        front.close();
        pool.shutdownNow();
        store.close();
    }

    /** The next line of a streamed answer read into {@code lines}, waiting at most 10 s (fails the test otherwise). */
    static String nextLine(java.util.concurrent.BlockingQueue<String> lines) throws InterruptedException {
        String line = lines.poll(10, java.util.concurrent.TimeUnit.SECONDS);
        org.assertj.core.api.Assertions.assertThat(line).as("an event line within 10 s").isNotNull();
        return line;
    }
}
