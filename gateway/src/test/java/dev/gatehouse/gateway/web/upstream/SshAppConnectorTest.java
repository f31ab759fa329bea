package dev.gatehouse.gateway.web.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.gatehouse.gateway.ssh.upstream.UpstreamException;
import dev.gatehouse.gateway.ssh.upstream.UpstreamStage;
import dev.gatehouse.gateway.web.AppRoute;
import dev.gatehouse.gateway.web.AppStream;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.Node;
import dev.gatehouse.recorder.AccessLog;
import dev.gatehouse.recorder.StoreUnavailableException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import dev.gatehouse.recorder.AuditEvent;
import io.netty.buffer.Unpooled;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * App tunnels through a node's sshd: a {@code direct-tcpip} channel on a connection authenticated
 * with a port-forwarding-only certificate, reused while the certificate is young, with flow
 * control end to end and failures named by their stage.
 */
class SshAppConnectorTest {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    java.nio.file.Path dir;

    private Upstreams gw;
    private AppNode node;
    private Node pinned;

    @BeforeEach
    void start() throws Exception {
        gw = new Upstreams(dir);
        node = new AppNode(gw.caKey.getPublic());
        pinned = Upstreams.node(node.port(), node.hostKeyLine());
    }

    @AfterEach
    void stop() throws Exception {
        gw.close();
        node.close();
    }

    private AppStream open(AppRoute route, String appSession) throws Exception {
        return gw.connector.open(route, gw.alice, appSession).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static void write(AppStream stream, String text) throws Exception {
        stream.write(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static int closedPort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void bytesRoundTripBothWaysAndTheEofReachesTheApp() throws Exception {
        try (LoopbackApp app = LoopbackApp.echo()) {
            AppStream stream = open(Upstreams.route(pinned, "http://127.0.0.1:" + app.port()), "app-1");
            Collect reader = Collect.eager();
            stream.read(reader);
            write(stream, "GET / HTTP/1.1\r\n");
            write(stream, "Host: jupyter\r\n\r\n");
            // the echo app closes its side only after ours: the EOF went through the tunnel
            stream.shutdownOutput();
            reader.end.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(reader.text()).isEqualTo("GET / HTTP/1.1\r\nHost: jupyter\r\n\r\n");
            assertThat(stream.describe()).startsWith("ssh direct-tcpip 127.0.0.1:" + app.port() + " via gpu-node-1 (cert ");
            stream.close();
        }
    }

    /** Threat: an app that streams faster than the browser reads fills the gateway's memory. */
    @Test
    void aSlowReaderIsNeverHandedMoreThanOneChunkItDidNotAskFor() throws Exception {
        long total = 16L << 20;
        try (LoopbackApp app = LoopbackApp.source(total)) {
            AppStream stream = open(Upstreams.route(pinned, "http://127.0.0.1:" + app.port()), "app-1");
            Collect reader = Collect.held();
            stream.read(reader);
            long received = reader.takePattern(chunk -> assertThat(chunk.bytes().length)
                    .as("one chunk is at most 1 MiB (and the channel's window)").isLessThanOrEqualTo(1 << 20));
            assertThat(received).isEqualTo(total);
            assertThat(reader.mostUnasked.get()).isEqualTo(1);
            stream.close();
        }
    }

    @Test
    void aLocalhostTargetIsOpenedAs127001SoThatTheNodesPermitOpenSeesOneSpelling() throws Exception {
        try (LoopbackApp app = LoopbackApp.echo()) {
            AppStream stream = open(Upstreams.route(pinned, "http://LocalHost:" + app.port() + "/lab"), "app-1");
            assertThat(stream.describe()).startsWith("ssh direct-tcpip 127.0.0.1:" + app.port() + " via gpu-node-1");
            Collect reader = Collect.eager();
            stream.read(reader);
            write(stream, "hi");
            await().atMost(WAIT).until(() -> reader.text().equals("hi"));
            stream.close();
        }
    }

    /** Threat: a target such as 127.0.1.1 or 0.0.0.0 that the node might resolve or route elsewhere than its loopback. */
    @Test
    void aNodeLocalTargetOtherThanTheLoopbackIsRefusedBeforeAnyConnection() throws Exception {
        for (String target : new String[] {"http://127.0.1.1:8888", "http://0.0.0.0:8888", "http://jupyter.localhost:8888"}) {
            var opening = gw.connector.open(Upstreams.route(pinned, target), gw.alice, "app-1");
            assertThat(opening).as(target).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                    .havingCause().isInstanceOf(IllegalArgumentException.class).withMessageContaining("not the node's loopback");
        }
        assertThat(node.connections.get()).isZero();
        assertThat(gw.events("cert.issued")).isEmpty();
    }

    /** Threat: an app tunnel's certificate that also allowed a shell or agent forwarding would be a login to the node. */
    @Test
    void theCertificateIsForTheAppLoginAndAllowsPortForwardingOnly() throws Exception {
        try (LoopbackApp app = LoopbackApp.echo()) {
            open(Upstreams.route(pinned, "http://127.0.0.1:" + app.port()), "app-7").close();
            assertThat(node.certificates).hasSize(1);
            OpenSshCertificate cert = node.certificates.get(0);
            assertThat(cert.getPrincipals()).containsExactly("aiops");
            assertThat(cert.getExtensionsMap()).containsOnlyKeys("permit-port-forwarding");
            assertThat(cert.getCriticalOptions()).isEmpty();
            assertThat(cert.getId()).isEqualTo("user=alice;session=app-7");
            AuditEvent issued = gw.events("cert.issued").get(0);
            assertThat(issued.details()).containsEntry("extensions", "permit-port-forwarding");
            assertThat(issued.sessionId()).isEqualTo("app-7");
            assertThat(issued.login()).isEqualTo("aiops");
        }
    }

    @Test
    void twoStreamsOfOneUserToOneNodeShareOneConnectionAndCertificate() throws Exception {
        try (LoopbackApp app = LoopbackApp.echo()) {
            AppRoute route = Upstreams.route(pinned, "http://127.0.0.1:" + app.port());
            AppStream first = open(route, "app-1");
            AppStream second = open(route, "app-2");
            Collect one = Collect.eager();
            Collect two = Collect.eager();
            first.read(one);
            second.read(two);
            write(first, "one");
            write(second, "two");
            await().atMost(WAIT).until(() -> one.text().equals("one") && two.text().equals("two"));

            assertThat(node.connections.get()).as("SSH connections the node accepted").isEqualTo(1);
            assertThat(gw.events("cert.issued")).hasSize(1);
            assertThat(gw.connector.connections()).isEqualTo(1);
            first.close();
            second.close();
        }
    }

    @Test
    void aCertificateNearItsEndTakesNoNewStreamsAndItsConnectionClosesAfterItsLastStream() throws Exception {
        try (LoopbackApp app = LoopbackApp.echo()) {
            AppRoute route = Upstreams.route(pinned, "http://127.0.0.1:" + app.port());
            // the first certificate is issued in the past, so that the second, issued when the first is
            // near its end, is valid now for the SSH client (which checks validity by the real clock)
            gw.clock.set(Instant.now().minus(Upstreams.CERT_TTL).plusSeconds(30));
            AppStream old = open(route, "app-1");
            Instant validBefore = Instant.ofEpochSecond(node.certificates.get(0).getValidBefore());
            gw.clock.set(validBefore.minus(Tunnels.RENEW_BEFORE).plusSeconds(1));
            AppStream fresh = open(route, "app-2");

            assertThat(node.connections.get()).isEqualTo(2);
            assertThat(gw.events("cert.issued")).hasSize(2);
            assertThat(node.live.get()).as("the old connection still carries its stream").isEqualTo(2);
            old.close();
            await().atMost(WAIT).until(() -> node.live.get() == 1);
            Collect reader = Collect.eager();
            fresh.read(reader);
            write(fresh, "still here");
            await().atMost(WAIT).until(() -> reader.text().equals("still here"));
            fresh.close();
        }
    }

    /** Threat: a login left open on the node long after the app session that needed it. */
    @Test
    void aConnectionWithoutStreamsClosesAfterThirtySecondsIdle() throws Exception {
        try (LoopbackApp app = LoopbackApp.echo()) {
            AppRoute route = Upstreams.route(pinned, "http://127.0.0.1:" + app.port());
            open(route, "app-1").close();
            await().atMost(WAIT).until(() -> gw.connector.connections() == 1);
            gw.clock.advance(Tunnels.IDLE.minusSeconds(1));
            gw.connector.cleanUp();
            assertThat(node.live.get()).as("idle for less than 30 s").isEqualTo(1);
            // reused while it waits: no second certificate
            open(route, "app-2").close();
            assertThat(gw.events("cert.issued")).hasSize(1);

            gw.clock.advance(Tunnels.IDLE.plusSeconds(1));
            gw.connector.cleanUp();
            await().atMost(WAIT).until(() -> node.live.get() == 0);
            assertThat(gw.connector.connections()).isZero();
        }
    }

    /** Threat: a locked user's tunnel survives the lock and keeps carrying requests. */
    @Test
    void closeForEndsTheMatchingConnectionsAndTheirStreamsNow() throws Exception {
        try (LoopbackApp app = LoopbackApp.echo()) {
            AppRoute route = Upstreams.route(pinned, "http://127.0.0.1:" + app.port());
            AppStream stream = open(route, "app-1");
            Collect reader = Collect.eager();
            stream.read(reader);
            gw.connector.closeFor(key -> key.user().equals("bob"));
            assertThat(node.live.get()).as("another user's key matches nothing").isEqualTo(1);

            gw.connector.closeFor(key -> key.user().equals("alice"));
            await().atMost(WAIT).until(() -> reader.end.isDone() && node.live.get() == 0);
            assertThat(gw.connector.connections()).isZero();
            open(route, "app-2").close();
            assertThat(gw.events("cert.issued")).as("the next stream connects anew").hasSize(2);
        }
    }

    /**
     * Threat: a lock ends the user's app session, but the node login it used (a certificate of the
     * locked user) stays open for up to 30 s. The app sessions call this when their last one ends.
     */
    @Test
    void theLastSessionsEndClosesTheUsersTunnelToThatNodeLoginAndGrantAtOnce() throws Exception {
        try (LoopbackApp app = LoopbackApp.echo()) {
            AppConnectors connectors = new AppConnectors(gw.connector, new AppConnectorsTest.Noting());
            AppRoute route = Upstreams.route(pinned, "http://127.0.0.1:" + app.port());
            AppStream stream = open(route, "app-1");
            stream.close();
            await().atMost(WAIT).until(() -> node.live.get() == 1);

            connectors.closeFor("alice", "gpu-node-1", "aiops", "req-1");
            connectors.closeFor("alice", "gpu-node-1", "root", null);
            connectors.closeFor("alice", "gpu-node-2", "aiops", null);
            assertThat(node.live.get()).as("another grant, login or node matches nothing").isEqualTo(1);

            connectors.closeFor("alice", "gpu-node-1", "aiops", null);
            // no clock moved: gone now, not after the 30 s idle limit
            await().atMost(WAIT).until(() -> node.live.get() == 0);
            assertThat(gw.connector.connections()).isZero();
        }
    }

    /** An {@link AccessLog} that only takes issued-certificate rows: kept, or refused as by a store that is down. */
    private static AccessLog issuedLog(List<AccessLog.IssuedRow> rows, Runnable whenRecorded, boolean down) {
        return (AccessLog) Proxy.newProxyInstance(AccessLog.class.getClassLoader(), new Class<?>[] {AccessLog.class}, (proxy, method, args) -> {
            if (!method.getName().equals("recordIssued")) {
                throw new UnsupportedOperationException(method.getName());
            }
            if (down) {
                throw new StoreUnavailableException("the store is down");
            }
            whenRecorded.run();
            rows.add((AccessLog.IssuedRow) args[0]);
            return null;
        });
    }

    private static AppRoute viaGrant(AppRoute route, String grantId, Instant end) {
        return new AppRoute(route.app(), route.node(), route.login(), route.target(), route.targetCa(), Decision.allowGrant(grantId, end));
    }

    /** Threat (R02): an elevated certificate reaches the node before it is on record with the grant it rests on. */
    @Test
    void aCertificateUnderAGrantIsRecordedWithItBeforeTheNodeSeesItAndItsConnectionIsItsOwn() throws Exception {
        List<AccessLog.IssuedRow> rows = new CopyOnWriteArrayList<>();
        List<Integer> seenByNodeWhenRecorded = new CopyOnWriteArrayList<>();
        SshAppConnector connector = gw.connector(issuedLog(rows, () -> seenByNodeWhenRecorded.add(node.certificates.size()), false));
        try (LoopbackApp app = LoopbackApp.echo()) {
            AppRoute standing = Upstreams.route(pinned, "http://127.0.0.1:" + app.port());
            AppRoute elevated = viaGrant(standing, "req-42", gw.clock.instant().plus(Duration.ofMinutes(2)));
            connector.open(standing, gw.alice, "app-1").get(WAIT.toSeconds(), TimeUnit.SECONDS).close();
            connector.open(elevated, gw.alice, "app-2").get(WAIT.toSeconds(), TimeUnit.SECONDS).close();

            assertThat(node.connections.get()).as("a grant's certificate never rides on a standing connection").isEqualTo(2);
            assertThat(rows).singleElement().satisfies(row -> {
                assertThat(row.requestId()).isEqualTo("req-42");
                assertThat(row.sessionId()).isEqualTo("app-2");
                assertThat(row.serial()).isEqualTo(node.certificates.get(1).getSerial());
            });
            assertThat(seenByNodeWhenRecorded).as("certificates the node had seen when the row was written").containsExactly(1);
            assertThat(node.certificates.get(1).getId()).isEqualTo("user=alice;session=app-2;grant=req-42");
            assertThat(Instant.ofEpochSecond(node.certificates.get(1).getValidBefore()))
                    .as("the certificate ends with its grant").isBeforeOrEqualTo(gw.clock.instant().plus(Duration.ofMinutes(2)));
        }
    }

    /** Threat (R02, fail closed): with the store down, an elevated certificate would be used without any record. */
    @Test
    void aGrantCertificateThatCannotBeRecordedIsNeverShownToTheNode() throws Exception {
        SshAppConnector connector = gw.connector(issuedLog(new CopyOnWriteArrayList<>(), () -> { }, true));
        AppRoute elevated = viaGrant(Upstreams.route(pinned, "http://127.0.0.1:8888"), "req-42", gw.clock.instant().plus(Duration.ofMinutes(2)));
        var opening = connector.open(elevated, gw.alice, "app-1");
        assertThat(opening).failsWithin(WAIT).withThrowableOfType(ExecutionException.class)
                .havingCause().isInstanceOf(StoreUnavailableException.class);
        assertThat(node.connections.get()).isZero();
        assertThat(connector.connections()).isZero();
    }

    /** Threat: a man in the middle answers for the node and reads the app's traffic. */
    @Test
    void aHostKeyThatIsNotThePinnedOneFailsAtHostKey() throws Exception {
        Node impostor = Upstreams.node(node.port(), SshKeys.toLine(SshKeys.generateEd25519().getPublic()));
        UpstreamException e = Openings.failure(gw.connector.open(Upstreams.route(impostor, "http://127.0.0.1:8888"), gw.alice, "app-1"));
        assertThat(e.stage()).isEqualTo(UpstreamStage.HOST_KEY);
        assertThat(e.getMessage()).contains("does not match the pinned key");
        assertThat(node.certificates).as("the certificate was never shown").isEmpty();
    }

    @Test
    void aNodeNobodyListensOnFailsAtTcpConnect() throws Exception {
        Node gone = Upstreams.node(closedPort(), node.hostKeyLine());
        UpstreamException e = Openings.failure(gw.connector.open(Upstreams.route(gone, "http://127.0.0.1:8888"), gw.alice, "app-1"));
        assertThat(e.stage()).isEqualTo(UpstreamStage.TCP_CONNECT);
        assertThat(e.getMessage()).contains("gpu-node-1");
    }

    @Test
    void aNodeThatDoesNotTrustTheGatewayCaFailsAtAuthentication() throws Exception {
        try (AppNode stranger = new AppNode(SshKeys.generateEd25519().getPublic())) {
            Node other = Upstreams.node(stranger.port(), stranger.hostKeyLine());
            UpstreamException e = Openings.failure(gw.connector.open(Upstreams.route(other, "http://127.0.0.1:8888"), gw.alice, "app-1"));
            assertThat(e.stage()).isEqualTo(UpstreamStage.AUTHENTICATION);
        }
    }

    @Test
    void anAppThatIsNotListeningFailsAtChannelOpenWithTheNodesWords() throws Exception {
        UpstreamException e = Openings.failure(gw.connector.open(Upstreams.route(pinned, "http://127.0.0.1:" + closedPort()), gw.alice, "app-1"));
        assertThat(e.stage()).isEqualTo(UpstreamStage.CHANNEL_OPEN);
        assertThat(e.nodeMessage()).startsWith("connect failed");
        assertThat(e.getMessage()).contains("direct-tcpip channel to 127.0.0.1:");
        // the connection is not poisoned: the next stream to a listening app uses it
        try (LoopbackApp app = LoopbackApp.echo()) {
            open(Upstreams.route(pinned, "http://127.0.0.1:" + app.port()), "app-2").close();
            assertThat(node.connections.get()).isEqualTo(1);
        }
    }

    @Test
    void writingToAClosedStreamFails() throws Exception {
        try (LoopbackApp app = LoopbackApp.echo()) {
            AppStream stream = open(Upstreams.route(pinned, "http://127.0.0.1:" + app.port()), "app-1");
            stream.close();
            assertThatThrownBy(() -> write(stream, "late")).isInstanceOf(Exception.class);
        }
    }
}
