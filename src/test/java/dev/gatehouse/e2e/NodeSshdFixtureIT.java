package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Proves the node fixture on its own, without the gateway: a certificate signed by a trusted CA
 * logs in as the non-root account, and the node-side settings we ship refuse what they must.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeSshdFixtureIT {
    private NodeSshd node;

    @BeforeAll
    void startNode() {
        node = NodeSshd.start();
    }

    @AfterAll
    void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void certificateFromTrustedCaLogsInAsNonRootAccount() {
        Proc.Result r = node.direct(Accounts.AIOPS, Map.of(), List.of(), "id -un; id -u").requireSuccess();
        String[] lines = r.stdout().trim().split("\n");
        assertThat(lines[0]).isEqualTo(Accounts.AIOPS);
        assertThat(lines[1]).isNotEqualTo("0");
        assertThat(node.log()).contains("ID direct-control (serial 1)");
    }

    /** Threat: a certificate that names root (from a compromised or buggy CA) yields uid 0 on the node. */
    @Test
    void nodeRefusesRootEvenWithValidRootCertificate() {
        List<String> cmd = node.directSsh("root", "root");
        cmd.add("id -u");
        Proc.Result r = Proc.run(cmd);
        assertThat(r.exit()).as(r.describe()).isEqualTo(255);
        assertThat(r.stdout()).isEmpty();
        assertThat(r.stderr()).contains("Permission denied");
    }

    /** Threat: a key in an account's authorized_keys bypasses the gateway and its certificates. */
    @Test
    void nodeAcceptsNoPlainKeysEvenFromAuthorizedKeys() throws Exception {
        Path ak = Path.of(Accounts.home(Accounts.AIOPS), ".ssh", "authorized_keys");
        boolean existed = Files.exists(ak);
        boolean dirExisted = Files.exists(ak.getParent());
        if (!existed) {
            Keys.write(ak, node.directPublicKey() + "\n");
        }
        try {
            List<String> cmd = node.directSshPlainKey(Accounts.AIOPS);
            cmd.add("true");
            Proc.Result r = Proc.run(cmd);
            assertThat(r.exit()).as(r.describe()).isEqualTo(255);
            assertThat(r.stderr()).contains("Permission denied");
        } finally {
            if (!existed) {
                Files.deleteIfExists(ak);
            }
            if (!dirExisted) {
                Files.deleteIfExists(ak.getParent());
            }
        }
    }
}
