package dev.gatehouse.gateway;

import static dev.gatehouse.gateway.Forwards.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.session.ClientSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Opening an elevated forward records its certificate with the grant (R02) off the I/O thread, as
 * the session path does ({@code SessionPath#storeWrites}): the client connection's other traffic is
 * not held up while the store is slow or locked.
 */
@org.junit.jupiter.api.Timeout(60)
class ForwardStoreWriteThreadTest {
    @TempDir
    Path dir;

    /**
     * Threat: a slow or locked audit store (up to its 5 s lock timeout per write) freezes an I/O
     * thread and every packet of the client's connection each time an elevated forward opens.
     */
    @Test
    void openingAnElevatedForwardWhileTheStoreIsLockedDoesNotStallTheConnection() throws Exception {
        try (Forwards.Elevation f = Forwards.Elevation.start(dir)) {
            Forwards.grantMlops(f.gw);

            ClientSession alice = f.gw.connect("alice", "mlops@gpu-node-1");
            String url = "jdbc:sqlite:" + dir.resolve("data").resolve("audit.db");
            try (java.sql.Connection locker = java.sql.DriverManager.getConnection(url)) {
                locker.setAutoCommit(false);
                try (java.sql.Statement st = locker.createStatement()) {
                    // a writer holds the database, as a long checkpoint or another process may
                    st.execute("CREATE TABLE review_lock (x INTEGER)");
                }
                ChannelDirectTcpip ch = Forwards.channel(alice, "localhost", f.echo.port());
                ch.open();
                long start = System.nanoTime();
                org.apache.sshd.common.util.buffer.Buffer ping = alice.createBuffer(org.apache.sshd.common.SshConstants.SSH_MSG_GLOBAL_REQUEST);
                ping.putString("keepalive@openssh.com");
                ping.putBoolean(true);
                alice.request("keepalive@openssh.com", ping, WAIT);
                Duration answered = Duration.ofNanos(System.nanoTime() - start);
                locker.rollback();
                assertThat(answered).as("time to answer a keepalive sent right after the forward's open").isLessThan(Duration.ofSeconds(1));
            }
        }
    }
}
