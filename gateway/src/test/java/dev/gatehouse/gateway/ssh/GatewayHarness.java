package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.InProcessGateway;
import dev.gatehouse.gateway.auth.Totp;
import dev.gatehouse.gateway.auth.TotpSecret;
import dev.gatehouse.pki.testing.TestClock;
import dev.gatehouse.policy.AccessRequest;
import dev.gatehouse.policy.NodeTarget;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.StoredEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientConnectionServiceFactory;

/**
 * The real gateway ({@link InProcessGateway}: SSH front on port 0, a SQLite store, policy, CA,
 * elevation and TOTP services) in this JVM, with a clock the test moves and key pairs for the
 * people of its policy. Nodes point at a closed local port, so a session that gets as far as
 * the upstream connection ends there with an {@code upstream.failure} event that names its user.
 *
 * <p>People: alice and eve (engineers: {@code aiops} on the gpu nodes; elevation to {@code mlops}
 * with one approval and a TOTP second factor), bob (approver), dave (engineer, disabled),
 * mallory (a key pair in no policy).
 */
final class GatewayHarness implements AutoCloseable {
    static final String NODE = "gpu-node-1";
    /** The standing login every engineer has on the node: its SSH user name is shared by all of them. */
    static final String STANDING = "aiops@" + NODE;
    /** The elevated login that needs a grant and a TOTP code. */
    static final String ELEVATED = "mlops@" + NODE;
    /** Failures a source may have in a minute in this harness ({@code ssh.auth_failures_per_minute}). */
    static final int FAILURES_PER_MINUTE = 10;
    /** Refused key queries a source may have in a minute ({@code ssh.refused_key_queries_per_minute}). */
    static final int REFUSED_QUERIES_PER_MINUTE = 30;
    /** Connections a source may hold open before authenticating ({@code ssh.max_unauthenticated_per_source}). */
    static final int UNAUTHENTICATED_PER_SOURCE = 8;

    final TestClock clock = new TestClock(Instant.parse("2026-11-25T10:00:00Z"));
    private final InProcessGateway gateway;
    private final PublicKey hostKey;
    private final Map<String, TotpSecret> secrets = new LinkedHashMap<>();
    private SshClient client;
    private SshClient rawClient;

    GatewayHarness(Path dir) throws IOException {
        String ssh = String.join("\n",
                "  max_auth_attempts: 3",
                "  auth_failures_per_minute: " + FAILURES_PER_MINUTE,
                "  refused_key_queries_per_minute: " + REFUSED_QUERIES_PER_MINUTE,
                "  max_unauthenticated_per_source: " + UNAUTHENTICATED_PER_SOURCE,
                "  upstream_connect_timeout: 5s");
        gateway = InProcessGateway.start(dir, clock, ssh, keys -> String.join("\n",
                "users:",
                "  - {name: alice, keys: [\"" + keys.get("alice") + "\"], roles: [engineer]}",
                "  - {name: eve, keys: [\"" + keys.get("eve") + "\"], roles: [engineer]}",
                "  - {name: bob, keys: [\"" + keys.get("bob") + "\"], roles: [approver]}",
                "  - {name: dave, keys: [\"" + keys.get("dave") + "\"], roles: [engineer], disabled: true}",
                "nodes:",
                "  - {name: " + NODE + ", address: \"127.0.0.1:1\", host_key: \"" + keys.get("mallory")
                        + "\", labels: {gpu: h100}}",
                "roles:",
                "  - {name: engineer, logins: [aiops], nodes: {gpu: h100}}",
                "  - {name: approver}",
                "elevations:",
                "  - {login: mlops, nodes: {gpu: h100}, max_duration: 1h, approvals: 1, requesters: [engineer],"
                        + " approvers: [approver], second_factor: totp}",
                ""), "alice", "eve", "bob", "dave", "mallory");
        hostKey = gateway.hostKey();
    }

    /** The key pair of a person of the policy (or of mallory, who is in none). */
    KeyPair key(String name) {
        return gateway.key(name);
    }

    InetSocketAddress address() {
        return gateway.gateway().address();
    }

    GatewayServices services() {
        return gateway.gateway().services();
    }

    /** One MINA client for the whole harness, trusting only this gateway's host key. */
    synchronized SshClient client() {
        if (client == null) {
            client = SshClient.setUpDefaultClient();
            client.setServerKeyVerifier(pinned());
            client.start();
        }
        return client;
    }

    /** The client under {@link RawUserAuth}: MINA's transport with an inbox in place of its user authentication. */
    synchronized SshClient rawClient() {
        if (rawClient == null) {
            rawClient = SshClient.setUpDefaultClient();
            rawClient.setServerKeyVerifier(pinned());
            rawClient.setServiceFactories(List.of(new RawUserAuth.InboxFactory(), ClientConnectionServiceFactory.INSTANCE));
            rawClient.start();
        }
        return rawClient;
    }

    ServerKeyVerifier pinned() {
        return (session, remote, key) -> key.equals(hostKey);
    }

    /** A connection that speaks user authentication packet by packet, from {@code 127.0.0.1}. */
    RawUserAuth raw() throws IOException {
        return RawUserAuth.connect(this, "127.0.0.1");
    }

    /** A connection from another loopback address: another source, as far as the gateway can tell. */
    RawUserAuth rawFrom(String localAddress) throws IOException {
        return RawUserAuth.connect(this, localAddress);
    }

    /** Enrols {@code user} for TOTP; returns the secret their authenticator app would hold. */
    TotpSecret enrollTotp(String user) {
        TotpSecret secret = TotpSecret.fromBase32(services().totp().enroll(user).secretBase32());
        secrets.put(user, secret);
        return secret;
    }

    /** The code {@code user}'s authenticator app shows now (by the harness clock). */
    String totpCode(String user) {
        TotpSecret secret = secrets.get(user);
        if (secret == null) {
            throw new IllegalStateException(user + " is not enrolled; call enrollTotp first");
        }
        return new Totp(clock).codeAt(secret, clock.instant());
    }

    /** A six-digit code that {@code user}'s secret does not accept now (none of the steps within the allowed skew). */
    String wrongTotpCode(String user) {
        String now = totpCode(user);
        Totp totp = new Totp(clock);
        TotpSecret secret = secrets.get(user);
        java.util.Set<String> valid = java.util.Set.of(now, totp.codeAt(secret, clock.instant().minusSeconds(30)),
                totp.codeAt(secret, clock.instant().plusSeconds(30)));
        for (int minutes = 10; ; minutes += 10) {
            String candidate = totp.codeAt(secret, clock.instant().plus(Duration.ofMinutes(minutes)));
            if (!valid.contains(candidate)) {
                return candidate;
            }
        }
    }

    /** Enrols each person for TOTP and gives them an active grant for {@link #ELEVATED}. */
    void enrollAndGrant(String... people) {
        for (String person : people) {
            enrollTotp(person);
            grantElevation(person);
        }
    }

    /** Gives {@code user} an active 30-minute grant for {@link #ELEVATED}, approved by bob. */
    String grantElevation(String user) {
        AccessRequest r = services().access().request(user, "mlops", NodeTarget.node(NODE), Duration.ofMinutes(30), "harness");
        services().access().approve("bob", r.id(), "ok");
        return r.id();
    }

    /** Every audit event so far of {@code type} (or of every type when null), oldest first, after the store's queue drained. */
    List<StoredEvent> events(String type) {
        services().audit().store().flush();
        return services().audit().store().events(new EventQuery(type, null, null, null, Integer.MAX_VALUE));
    }

    List<StoredEvent> events(String type, Predicate<StoredEvent> match) {
        return events(type).stream().filter(match).toList();
    }

    @Override
    public void close() {
        try {
            for (SshClient c : new SshClient[] {client, rawClient}) {
                if (c != null) {
                    c.stop();
                }
            }
        } finally {
            gateway.close();
        }
    }
}
