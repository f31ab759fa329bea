package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * {@code ssh.proxy_protocol} with the real OpenSSH client: a {@code ProxyCommand} stands in for a
 * balancer in TCP mode with HAProxy's {@code send-proxy}, writing a PROXY v1 header with a client
 * address before relaying the connection (bash's {@code /dev/tcp} and two {@code cat}s). The
 * gateway trusts 127.0.0.1, where the command connects from.
 */
class ProxyProtocolIT extends GatewayTest {
    private static final String CLIENT = "198.51.100.20";
    private static final int CLIENT_PORT = 50022;
    /** ssh expands %h and %p (the gateway's host and port) before running it. */
    private static final String PROXY_COMMAND = "ProxyCommand=bash -c 'exec 3<>/dev/tcp/%h/%p;"
            + " printf \"PROXY TCP4 " + CLIENT + " %h " + CLIENT_PORT + " %p\\r\\n\" >&3; cat <&3 & cat >&3'";

    @Override
    Gateway.Options options() {
        return new Gateway.Options().ssh("proxy_protocol: {from: [\"127.0.0.1/32\"]}");
    }

    @Test
    void theClientAddressOfTheHeaderIsTheSessionsSourceInAuditShellAndListings() {
        Proc.Result r = gw.ssh(gw.alice(), Gateway.TARGET, "echo via-balancer", "-o", PROXY_COMMAND).requireSuccess();
        assertThat(r.stdout()).isEqualTo("via-balancer\n");

        Proc.Result whoami = gw.ssh(gw.alice(), "alice", "whoami", "-o", PROXY_COMMAND).requireSuccess();
        assertThat(whoami.stdout()).contains("from: " + CLIENT + ":" + CLIENT_PORT);

        JsonNode session = gw.awaitEvent("session.start of alice", e -> Json.type("session.start").test(e)
                && "alice".equals(Json.text(e, "user")));
        assertThat(Json.text(session, "source")).isEqualTo(CLIENT + ":" + CLIENT_PORT);
        JsonNode auth = gw.awaitEvent("auth.success of alice", e -> Json.type("auth.success").test(e)
                && "alice".equals(Json.text(e, "user")));
        assertThat(Json.text(auth, "source")).isEqualTo(CLIENT + ":" + CLIENT_PORT);
        JsonNode listed = gw.awaitSession("of alice", x -> "alice".equals(Json.text(x, "user")));
        assertThat(Json.text(listed, "source")).as("gatehouse sessions --json").isEqualTo(CLIENT + ":" + CLIENT_PORT);
    }

    /** Threat: a balancer left without send-proxy would make every client look like the balancer. */
    @Test
    void aConnectionFromTheTrustedAddressWithoutAHeaderIsRefused() {
        Proc.Result direct = gw.ssh(gw.alice(), "alice", "whoami");
        assertThat(direct.exit()).as(direct.describe()).isEqualTo(255);
        JsonNode refused = gw.awaitEvent("connection.refused without header", e -> Json.type("connection.refused").test(e)
                && Json.detail(e, "reason") != null && Json.detail(e, "reason").contains("no valid PROXY protocol header"));
        assertThat(Json.text(refused, "source")).startsWith("127.0.0.1:");
        assertThat(gw.log()).contains("closed: no valid PROXY protocol header");
    }
}
