package dev.gatehouse.gateway.web.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.web.AppConnector;
import dev.gatehouse.gateway.web.AppRoute;
import dev.gatehouse.gateway.web.AppStream;
import dev.gatehouse.policy.Decision;
import dev.gatehouse.policy.Node;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which path an app target takes: the node's sshd for the node itself, a direct connection for the node's network. */
class AppConnectorsTest {
    private static final Node NODE = new Node("gpu-node-1", "192.0.2.10", 22, Optional.of("ssh-ed25519 AAAA"), Optional.empty(),
            Map.of());

    /** A connector that only notes the targets it was asked for. */
    static final class Noting implements AppConnector {
        final List<URI> targets = new ArrayList<>();

        @Override
        public CompletableFuture<AppStream> open(AppRoute route, Identity who, String appSessionId) {
            targets.add(route.target());
            return new CompletableFuture<>();
        }

        @Override
        public void close() {
        }
    }

    /** Threat: a node-local spelling sent down the direct path dials the gateway's own loopback. */
    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8888", "http://localhost:8888/lab", "http://LOCALHOST.:8888", "http://[::1]:8888",
            "http://127.0.1.1:80", "http://0.0.0.0:8888", "http://[::]:8888", "http://app.localhost:8888",
            "https://[0:0:0:0:0:0:0:1]:8443"})
    void nodeLocalTargetsGoThroughTheNodesSshd(String target) {
        assertThat(AppConnectors.isNodeLocal(URI.create(target))).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://10.0.0.5:3000", "https://grafana.internal:443", "http://[fd00::5]:80", "http://128.0.0.1:80",
            "http://localhost.example.com:80", "http://127.0.0.1.example.com:80"})
    void otherTargetsAreDirect(String target) {
        assertThat(AppConnectors.isNodeLocal(URI.create(target))).isFalse();
    }

    @Test
    void eachTargetGoesToItsConnector() {
        Noting tunnels = new Noting();
        Noting direct = new Noting();
        AppConnectors connectors = new AppConnectors(tunnels, direct);
        Identity alice = new Identity("alice", "SHA256:x", "203.0.113.5:1");
        connectors.open(new AppRoute("jupyter", NODE, "aiops", URI.create("http://127.0.0.1:8888"), null, Decision.allow("r")), alice, "a");
        connectors.open(new AppRoute("grafana", NODE, "aiops", URI.create("http://10.0.0.5:3000"), null, Decision.allow("r")), alice, "b");
        assertThat(tunnels.targets).containsExactly(URI.create("http://127.0.0.1:8888"));
        assertThat(direct.targets).containsExactly(URI.create("http://10.0.0.5:3000"));
    }

    @Test
    void aTargetThatIsNotHttpIsRefusedWithAClearError() {
        Noting tunnels = new Noting();
        Noting direct = new Noting();
        CompletableFuture<AppStream> f = new AppConnectors(tunnels, direct).open(new AppRoute("db", NODE, "aiops",
                URI.create("postgres://10.0.0.5:5432"), null, Decision.allow("r")), new Identity("alice", "x", "y"), "a");
        assertThat(f).failsWithin(java.time.Duration.ZERO).withThrowableOfType(java.util.concurrent.ExecutionException.class)
                .havingCause().isInstanceOf(IllegalArgumentException.class).withMessageContaining("not an http:// or https:// URL");
        assertThat(tunnels.targets).isEmpty();
        assertThat(direct.targets).isEmpty();
    }
}
