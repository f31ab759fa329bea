package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A real sshd past its MaxStartups closes the gateway's connection before its banner: the user and
 * the {@code upstream.failure} event say so (stage {@code banner}) instead of blaming the gateway
 * certificate, which sent operators to check the CA of a node that was merely busy.
 */
class UpstreamStagesIT extends GatewayTest {
    @Override
    NodeSshd startNode() {
        // one unauthenticated connection at a time; the next is dropped with probability 100 %
        return NodeSshd.start(List.of("MaxStartups 1:100:1"));
    }

    @Test
    void aNodePastItsMaxStartupsIsReportedAsClosingBeforeItsBanner() throws Exception {
        long seen = node.connectionCount();
        try (Socket startup = new Socket()) {
            // holds the node's one startup slot: connected, never identifying itself
            startup.connect(new InetSocketAddress("127.0.0.1", node.port()), 5_000);
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (node.connectionCount() == seen && System.nanoTime() < until) {
                NodeSshd.sleep(50);
            }
            Proc.Result r = gw.ssh(gw.alice(), Gateway.TARGET, "echo reached-the-node");
            assertThat(r.exit()).as(r.describe()).isEqualTo(255);
            assertThat(r.stdout()).doesNotContain("reached-the-node");
            assertThat(r.stderr()).as(r.describe())
                    .contains("gatehouse: node 'gpu-node-1' at 127.0.0.1:" + node.port() + " closed the connection before its SSH banner")
                    .doesNotContain("certificate");
            assertThat(node.log()).contains("past MaxStartups");
        }
        var event = gw.awaitEvent("upstream.failure at stage banner", e -> "upstream.failure".equals(Json.text(e, "type")));
        assertThat(Json.detail(event, "stage")).isEqualTo("banner");
        assertThat(Json.detail(event, "reason")).doesNotContain("certificate");

        // the slot is free again: the same session now works, so the failure was the node's load, not the CA
        Proc.Result ok = gw.ssh(gw.alice(), Gateway.TARGET, "echo reached-the-node");
        assertThat(ok.exit()).as(ok.describe()).isZero();
        assertThat(ok.stdout()).contains("reached-the-node");
    }
}
