package dev.gatehouse.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Threat: one user's idle gateway shell (or a hundred of them) delays an admin's kill switch, so
 * a lock, revoke or denial takes effect only when somebody else logs out.
 */
class KillSwitchTest extends InProcessGatewayTest {
    private static final int IDLE_SHELLS = 100;

    private final List<InProcessGateway.Shell> shells = new ArrayList<>();

    @AfterEach
    void closeShells() throws Exception {
        for (InProcessGateway.Shell s : shells) {
            s.close();
        }
    }

    @Test
    void lockRevokeDenyAndApproveApplyWithinASecondWhileAHundredShellsIdle() throws Exception {
        for (int c = 0; c < 10; c++) {
            ClientSession connection = gw.connect("idler", "idler");
            for (int i = 0; i < IDLE_SHELLS / 10; i++) {
                shells.add(gw.shell(connection, true));
            }
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> shells.stream().allMatch(s -> s.output().contains("gatehouse> ")));
        String first = requestId(gw.exec("alice", "request mlops@gpu-node-1 --for 30m --reason driver"));
        String second = requestId(gw.exec("alice", "request mlops@gpu-node-1 --for 30m --reason again"));

        try (ClientSession admin = gw.connect("admin", "admin")) {
            assertWithinASecond(admin, "approve " + first, "approved " + first);
            assertWithinASecond(admin, "deny " + second + " --reason no", "denied " + second);
            assertWithinASecond(admin, "revoke " + first, "revoked " + first);
            assertWithinASecond(admin, "lock user idler --reason incident", "locked user idler");
        }
        // the lock reaches the gateway shells too: all hundred end with the reason on the terminal
        await().atMost(Duration.ofSeconds(5)).until(() -> shells.stream().allMatch(InProcessGateway.Shell::closed));
        assertThat(shells).allSatisfy(s -> assertThat(s.output()).contains("gatehouse: user 'idler' was locked by admin"));
    }

    @Test
    void anInteractiveShellRunsCommandsAndEditsItsLine() throws Exception {
        InProcessGateway.Shell shell = gw.shell("alice", true);
        shells.add(shell);
        await().atMost(Duration.ofSeconds(10)).until(() -> shell.output().contains("gatehouse> "));
        shell.type("whoamx\u007f\u007fmi\r");
        await().atMost(Duration.ofSeconds(10)).until(() -> shell.output().contains("roles: engineer"));
        shell.type("nodes\rexit\r");
        await().atMost(Duration.ofSeconds(10)).until(shell::closed);
        assertThat(shell.output()).as("typing is echoed, DEL rubs out a character, lines end in CR LF")
                .contains("gatehouse> whoamx\b \b\b \bmi\r\nalice\r\nroles: engineer\r\n")
                .contains("gatehouse> nodes\r\ngpu-node-1  logins: aiops\r\n");
    }

    private void assertWithinASecond(ClientSession admin, String command, String expected) throws Exception {
        long start = System.nanoTime();
        InProcessGateway.Result r = gw.exec(admin, command);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertThat(r.stdout()).as(r.stderr()).contains(expected);
        assertThat(took).as("'%s' took %s with %d idle shells open", command, took, IDLE_SHELLS)
                .isLessThan(Duration.ofSeconds(1));
    }

    private static String requestId(InProcessGateway.Result r) {
        assertThat(r.status()).as(r.stderr()).isZero();
        String[] words = r.stdout().trim().split("\\s+");
        return words[words.length - 1];
    }
}
