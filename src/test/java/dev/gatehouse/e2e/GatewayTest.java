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

    @BeforeAll
    final void startNodeAndGateway() {
        node = NodeSshd.start();
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
