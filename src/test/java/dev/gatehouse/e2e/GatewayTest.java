package dev.gatehouse.e2e;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** A test class sharing one real sshd node and one gateway in front of it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class GatewayTest {
    NodeSshd node;
    Gateway gw;

    /** The gateway's options; override for another policy, store or JVM. */
    Gateway.Options options() {
        return new Gateway.Options();
    }

    /** The node; override for one with other sshd_config lines. */
    NodeSshd startNode() {
        return NodeSshd.start();
    }

    @BeforeAll
    final void startNodeAndGateway() {
        node = startNode();
        gw = Gateway.start(node, options());
    }

    @AfterAll
    final void stopNodeAndGateway() {
        if (gw != null) {
            gw.close();
        }
        if (node != null) {
            node.close();
        }
    }
}
