package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;

/**
 * Threat: a person removed from the policy (disabled, or their key taken away) keeps working
 * through a connection they opened before: an admin who was just disabled still runs {@code lock}
 * and {@code approve} from an open gateway shell (R28).
 */
class AccessRemovalTest extends InProcessGatewayTest {


    @Test
    void disablingAUserEndsTheirOpenShellAndConnectionWithTheReason() throws Exception {
        InProcessGateway.Shell shell = gw.shell("admin", true);
        await().atMost(Duration.ofSeconds(10)).until(() -> shell.output().contains("gatehouse> "));

        gw.reload(keys -> POLICY.apply(keys).replace("roles: [approver, admin]}", "roles: [approver, admin], disabled: true}"));

        await().atMost(Duration.ofSeconds(2)).until(shell::closed);
        assertThat(shell.output()).contains("gatehouse: your access was removed: user 'admin' is disabled");
        await("the connection goes at the second pass after its channels").atMost(Duration.ofSeconds(4)).until(() -> shell.session.isClosed());
        assertThat(events("access.removed", "admin")).extracting(e -> e.event().details().get("kind")).contains("gateway-shell");
        assertThat(events("connection.closed", "admin")).isNotEmpty();
        assertThatThrownBy(() -> gw.connect("admin", "admin")).as("and cannot come back").isInstanceOf(Exception.class);
    }

    @Test
    void removingAUsersKeyEndsTheShellsProvenWithIt() throws Exception {
        InProcessGateway.Shell shell = gw.shell("alice", false);
        await().atMost(Duration.ofSeconds(10)).until(() -> shell.output().contains("gatehouse> "));

        gw.reload(keys -> POLICY.apply(keys).replace("{name: alice, keys: [\"" + keys.get("alice") + "\"]",
                "{name: alice, keys: []"));

        await().atMost(Duration.ofSeconds(2)).until(shell::closed);
        assertThat(shell.output()).contains("no longer belongs to user 'alice'");
    }

    @Test
    void aCommandFromAConnectionWhoseUserWasDisabledIsRefused() throws Exception {
        // the check runs before every command, not only once a second
        try (ClientSession admin = gw.connect("admin", "admin")) {
            gw.gateway().services().policy().replace(dev.gatehouse.policy.PolicyLoader.parse(
                    POLICY.apply(gw.publicLines()).replace("roles: [approver, admin]}", "roles: [approver, admin], disabled: true}"),
                    "policy.yaml"));
            InProcessGateway.Result r = gw.exec(admin, "lock user alice");
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.stderr()).isEqualTo("gatehouse: user 'admin' is disabled\n");
            assertThat(gw.gateway().services().access().state().locks()).isEmpty();
        }
    }

    @Test
    void aPolicyThatStillAllowsTheSessionLeavesItAlone() throws Exception {
        InProcessGateway.Shell shell = gw.shell("alice", false);
        await().atMost(Duration.ofSeconds(10)).until(() -> shell.output().contains("gatehouse> "));
        gw.reload(keys -> POLICY.apply(keys).replace("max_duration: 1h", "max_duration: 2h"));
        // one enforcement pass runs right after the reload; then the shell must still answer
        shell.type("whoami\n");
        await().atMost(Duration.ofSeconds(5)).until(() -> shell.output().contains("roles: engineer"));
        assertThat(shell.closed()).isFalse();
    }
}
