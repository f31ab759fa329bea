package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Threat: a machine impersonating the node (stolen address, DNS or ARP spoofing) receives the
 * session and its certificate because the gateway trusts whatever host key it is shown.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostKeyPinIT {
    private NodeSshd node;
    private Gateway gw;

    @BeforeAll
    void start() throws Exception {
        node = NodeSshd.start();
        Path other = Files.createTempDirectory("gatehouse-otherkey-");
        String wrongKey = Keys.generate(other.resolve("impostor"), "not-the-node");
        Keys.deleteTree(other);
        gw = Gateway.start(node, new Gateway.Options().pinHostKey(wrongKey));
    }

    @AfterAll
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (node != null) {
            node.close();
        }
    }

    @Test
    void sessionToNodeWithUnpinnedHostKeyIsRefused() {
        List<JsonNode> before = gw.auditLog();
        long logins = node.loginCount();
        Proc.Result r = gw.ssh(gw.alice(), Gateway.TARGET, "echo reached-the-node");
        assertThat(r.exit()).as(r.describe()).isNotZero();
        assertThat(r.stdout()).doesNotContain("reached-the-node");
        assertThat(r.stderr().lines().filter(l -> l.startsWith("gatehouse: ")).toList())
                .as("one clear line\n" + r.describe()).hasSize(1)
                .first().asString().containsIgnoringCase("host key");
        NodeSshd.sleep(300);
        assertThat(node.loginCount()).as("no login on the node\n" + node.log()).isEqualTo(logins);

        gw.awaitEvent("a failure event for gpu-node-1 mentioning the host key",
                e -> Json.since(before, List.of(e)).size() == 1
                        && Gateway.NODE.equals(Json.text(e, "node"))
                        && !"success".equals(Json.text(e, "outcome"))
                        && String.valueOf(e.get("details")).toLowerCase().contains("host key"));
    }
}
