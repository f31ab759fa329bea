package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A gateway listening on the IPv6 loopback, reached by the real {@code ssh -6}: every address it
 * prints or audits is {@code [::1]:PORT}, never Java's {@code 0:0:0:0:0:0:0:1:PORT}.
 */
class Ipv6IT extends GatewayTest {
    @Override
    Gateway.Options options() {
        return new Gateway.Options().listen("[::1]:0");
    }

    @Test
    void addressesAreBracketedInTheListeningLineAuditAndShell() {
        assertThat(gw.log()).contains("gatehouse: listening on [::1]:" + gw.port()).doesNotContain("0:0:0:0:0:0:0:1");

        List<String> cmd = gw.sshPrefix(gw.alice());
        cmd.addAll(List.of("-6", "-l", Gateway.TARGET, "::1", "echo via-ipv6"));
        Proc.Result r = Proc.run(cmd).requireSuccess();
        assertThat(r.stdout()).isEqualTo("via-ipv6\n");

        List<String> whoami = gw.sshPrefix(gw.alice());
        whoami.addAll(List.of("-6", "-l", "alice", "::1", "whoami"));
        assertThat(Proc.run(whoami).requireSuccess().stdout()).containsPattern("from: \\[::1\\]:\\d+");

        JsonNode start = gw.awaitEvent("gateway.start", Json.type("gateway.start"));
        assertThat(Json.detail(start, "listen")).isEqualTo("[::1]:" + gw.port());
        JsonNode session = gw.awaitEvent("session.start of alice", e -> Json.type("session.start").test(e)
                && "alice".equals(Json.text(e, "user")));
        assertThat(Json.text(session, "source")).matches("\\[::1\\]:\\d+");
        JsonNode listed = gw.awaitSession("of alice", x -> "alice".equals(Json.text(x, "user")));
        assertThat(Json.text(listed, "source")).as("gatehouse sessions --json").matches("\\[::1\\]:\\d+");
    }
}
