package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Who may not get through, and that they are stopped at the gateway, before the node sees them. */
class AccessControlIT extends GatewayTest {

    /** Runs {@code id -u} as SSHUSER and asserts a one-line gatehouse denial with no upstream connection. */
    private Proc.Result assertDeniedBeforeUpstream(Gateway.User user, String sshUser) {
        long connections = node.connectionCount();
        Proc.Result r = gw.ssh(user, sshUser, "id -u");
        assertThat(r.exit()).as(r.describe()).isEqualTo(1);
        assertThat(r.stdout()).as("nothing ran").isEmpty();
        assertThat(r.stderr().lines().filter(l -> l.startsWith("gatehouse: ")).toList())
                .as("exactly one denial line\n" + r.describe()).hasSize(1);
        NodeSshd.sleep(300); // an upstream connect, had there been one, would be logged by now
        assertThat(node.connectionCount()).as("node connections\n" + node.log()).isEqualTo(connections);
        return r;
    }

    /** Threat: a user reaches uid 0 on a node by naming root as the login. */
    @Test
    void rootLoginIsRefusedBeforeUpstreamConnect() {
        List<JsonNode> before = gw.auditLog();
        Proc.Result r = assertDeniedBeforeUpstream(gw.alice(), "root@" + Gateway.NODE);
        assertThat(r.stderr()).contains("gatehouse: root login is not permitted");
        JsonNode denied = gw.awaitEvent("session.denied for root",
                e -> Json.type("session.denied").test(e) && "root".equals(Json.text(e, "login"))
                        && Json.since(before, List.of(e)).size() == 1);
        assertThat(Json.text(denied, "user")).isEqualTo("alice");
        assertThat(Json.text(denied, "node")).isEqualTo(Gateway.NODE);
        assertThat(Json.detail(denied, "reason")).isNotEmpty();
    }

    /**
     * Threat: root is smuggled past a string comparison through case, whitespace, a principal list,
     * a wildcard or an empty name that the node or CA would read differently.
     */
    @ParameterizedTest
    @ValueSource(strings = {"ROOT", "root ", " root", "aiops,root", "*", "", "toor"})
    void disguisedRootAndMalformedLoginsAreRefusedBeforeUpstreamConnect(String login) {
        List<JsonNode> before = gw.auditLog();
        assertDeniedBeforeUpstream(gw.alice(), login + "@" + Gateway.NODE);
        List<JsonNode> fresh = Json.since(before, gw.auditLog());
        assertThat(Json.filter(fresh, Json.type("session.denied"))).as(Json.tail(fresh, 10)).isNotEmpty();
        assertThat(Json.filter(fresh, Json.type("cert.issued"))).as("no certificate for a refused login").isEmpty();
    }

    @Test
    void commaInLoginIsNamedInTheDenial() {
        Proc.Result r = assertDeniedBeforeUpstream(gw.alice(), "aiops,root@" + Gateway.NODE);
        assertThat(r.stderr()).contains("gatehouse: login name 'aiops,root' contains ','");
    }

    @Test
    void unknownNodeIsRefused() {
        Proc.Result r = assertDeniedBeforeUpstream(gw.alice(), Accounts.AIOPS + "@nope");
        assertThat(r.stderr()).contains("gatehouse: unknown node 'nope'");
    }

    /** Threat: an engineer uses a login that no role grants them. */
    @Test
    void loginNotGrantedByAnyRoleIsRefused() {
        assertDeniedBeforeUpstream(gw.alice(), "mlops@" + Gateway.NODE);
    }

    /** Threat: an auditor (read-only role) gets a shell on a node. */
    @Test
    void auditorWithoutLoginsCannotReachNodes() {
        assertDeniedBeforeUpstream(gw.carol(), Gateway.TARGET);
    }

    /** Threat: a key that is in no policy gets in. */
    @Test
    void unknownKeyIsRefusedAtAuthentication() {
        List<JsonNode> before = gw.auditLog();
        long connections = node.connectionCount();
        Proc.Result r = gw.ssh(gw.stranger(), Gateway.TARGET, "id -u");
        assertThat(r.exit()).as(r.describe()).isEqualTo(255);
        assertThat(r.stderr()).contains("Permission denied (publickey)");
        assertThat(r.stdout()).isEmpty();
        assertThat(node.connectionCount()).isEqualTo(connections);
        gw.awaitEvent("auth.failure for the unknown key",
                e -> Json.type("auth.failure").test(e) && Json.since(before, List.of(e)).size() == 1);
    }

    /** Threat: a disabled (left, suspended) user keeps access with their old key. */
    @Test
    void disabledUserIsRefused() {
        long connections = node.connectionCount();
        Proc.Result r = gw.ssh(gw.dave(), Gateway.TARGET, "id -u");
        assertThat(r.exit()).as("refused at auth (255) or with a denial (1)\n" + r.describe()).isIn(1, 255);
        assertThat(r.stdout()).isEmpty();
        NodeSshd.sleep(300);
        assertThat(node.connectionCount()).isEqualTo(connections);
        Proc.Result shell = gw.ssh(gw.dave(), "dave", "whoami");
        assertThat(shell.exit()).as("no gateway shell either\n" + shell.describe()).isNotZero();
        assertThat(shell.stdout()).doesNotContain("dave");
    }

    /**
     * Threat: a user name with a second '@' or no node confuses parsing or the audit log. (Control
     * characters cannot be tested here: the OpenSSH client itself refuses to send them.)
     */
    @ParameterizedTest
    @ValueSource(strings = {"aiops@gpu-node-1@extra", "aiops@"})
    void malformedTargetsAreRefused(String sshUser) {
        assertDeniedBeforeUpstream(gw.alice(), sshUser);
    }
}
