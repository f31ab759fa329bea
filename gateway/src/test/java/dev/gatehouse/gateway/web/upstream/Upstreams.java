package dev.gatehouse.gateway.web.upstream;

import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.PolicyHolder;
import dev.gatehouse.gateway.ssh.Algorithms;
import dev.gatehouse.gateway.ssh.SharedIo;
import dev.gatehouse.gateway.ssh.UpstreamCredentials;
import dev.gatehouse.gateway.ssh.upstream.UpstreamConnector;
import dev.gatehouse.gateway.web.AppRoute;
import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.pki.testing.TestClock;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.Node;
import dev.gatehouse.policy.PolicyLoader;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.StoreOptions;
import dev.gatehouse.recorder.StoredEvent;
import java.net.URI;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The gateway's side of app tunnels, in process: a user CA (with a {@link TestClock} that tests
 * move), a real SQLite audit store, the shared SSH client to nodes, and a {@link SshAppConnector}
 * whose expiry runs only when a test calls {@code cleanUp()}.
 */
final class Upstreams implements AutoCloseable {
    static final Duration CERT_TTL = Duration.ofMinutes(5);

    final TestClock clock = new TestClock(Instant.now());
    final KeyPair caKey = SshKeys.generateEd25519();
    final PolicyHolder policy;
    final AuditStore store;
    final AuditTrail audit;
    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final SharedIo io = new SharedIo(1);
    final UpstreamConnector upstream;
    final SshAppConnector connector;
    final Identity alice = new Identity("alice", "SHA256:test", "203.0.113.5:50000");

    Upstreams(Path dir) throws Exception {
        String userKey = SshKeys.toLine(SshKeys.generateEd25519().getPublic());
        policy = new PolicyHolder(caKey, clock, PolicyLoader.parse("""
                users:
                  - {name: alice, keys: ["%s"], roles: [engineer]}
                nodes:
                  - {name: gpu-node-1, address: "127.0.0.1:22", host_key: "%s", labels: {tenant: team-a}}
                roles:
                  - {name: engineer, logins: [aiops], nodes: {tenant: team-a}}
                """.formatted(userKey, userKey), "policy.yaml"));
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        JwsSigner signer = JwsSigner.es256(ec.generateKeyPair());
        store = AuditStore.open(StoreOptions.defaults("jdbc:sqlite:" + dir.resolve("audit.db"), "gw-0000000000000003",
                CheckpointSigner.of(signer::sign, signer::verify), clock));
        audit = new AuditTrail(store, clock, true);
        upstream = new UpstreamConnector(Duration.ofSeconds(10), Algorithms.DEFAULT_UPSTREAM_KEX, timer, io);
        connector = new SshAppConnector(upstream, policy,
                new UpstreamCredentials.Minting(clock, new GatewayConfig.Certificates(CERT_TTL, List.of()), null, Runnable::run, audit),
                null);
    }

    private final java.util.List<SshAppConnector> others = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Another connector whose grant-bound certificates are recorded in {@code issued}, with writes on a pool thread. */
    SshAppConnector connector(dev.gatehouse.recorder.AccessLog issued) {
        SshAppConnector c = new SshAppConnector(upstream, policy, new UpstreamCredentials.Minting(clock,
                new GatewayConfig.Certificates(CERT_TTL, List.of()), issued, java.util.concurrent.ForkJoinPool.commonPool(), audit), null);
        others.add(c);
        return c;
    }

    /** gpu-node-1 at {@code port} on the loopback, pinned to {@code hostKey}. */
    static Node node(int port, String hostKey) {
        return new Node("gpu-node-1", "127.0.0.1", port, Optional.of(hostKey), Optional.empty(), Map.of("tenant", "team-a"));
    }

    /** App {@code jupyter} as login aiops on {@code node}, at {@code target}, under a standing allow. */
    static AppRoute route(Node node, String target) {
        return new AppRoute("jupyter", node, "aiops", URI.create(target), null, Decision.allow("engineer"));
    }

    List<AuditEvent> events(String type) {
        store.flush();
        return store.events(new EventQuery(type, null, null, null, Integer.MAX_VALUE)).stream().map(StoredEvent::event).toList();
    }

    @Override
    public void close() {
        others.forEach(SshAppConnector::close);
        connector.close();
        upstream.close();
        io.close();
        timer.shutdownNow();
        store.close();
    }
}
