package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two gateway processes on one fresh PostgreSQL database, set up as the README tells operators:
 * the second instance's data folder gets a copy of the first's {@code data/keys/} and nothing
 * else. Each keeps its own {@code instance-id} and so writes its own audit chain, while both
 * sign user certificates with the same CA and show the same host key (one fleet to users and
 * nodes), and {@code audit verify} from either instance passes over both chains. No
 * {@code instance:} block: the instances are named by their chain ids (the default).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoInstancesIT {
    private PostgresDatabase db;
    private NodeSshd node;
    private Gateway a;
    private Gateway b;

    @BeforeAll
    void start() {
        db = PostgresDatabase.create("gh_multi");
        node = NodeSshd.start();
        a = Gateway.start(node, new Gateway.Options().store(db.url()));
        b = Gateway.startPeer(a, new Gateway.Options().store(db.url()));
    }

    @AfterAll
    void stop() {
        Closing.all(b, a, node, db);
    }

    /**
     * Threat: a second instance made by copying the first's data folder whole shares its chain id,
     * so two writers interleave one hash chain (verify then fails, or one instance's records pass
     * as the other's); or one made from scratch has its own CA, so nodes reject its certificates.
     */
    @Test
    void copiedKeysGiveOneCaAndHostKeyButEachInstanceItsOwnChainAndVerifyPassesOnBoth() throws SQLException {
        String chainA = Keys.read(a.dataDir().resolve("instance-id")).strip();
        String chainB = Keys.read(b.dataDir().resolve("instance-id")).strip();
        assertThat(chainA).matches("gw-[0-9a-f]{16}");
        assertThat(chainB).matches("gw-[0-9a-f]{16}").isNotEqualTo(chainA);
        assertThat(b.cli("ca", "show", "ssh-host").requireSuccess().stdout())
                .isEqualTo(a.cli("ca", "show", "ssh-host").requireSuccess().stdout());
        assertThat(b.cli("ca", "show", "ssh-user").requireSuccess().stdout())
                .isEqualTo(a.cli("ca", "show", "ssh-user").requireSuccess().stdout());

        // the node trusts the one CA it was given (a's): a certificate from either instance works
        String marker = "two-" + Keys.token();
        assertThat(a.ssh(a.alice(), Gateway.TARGET, "echo " + marker + "-a").requireSuccess().stdout()).isEqualTo(marker + "-a\n");
        assertThat(b.ssh(b.alice(), Gateway.TARGET, "echo " + marker + "-b").requireSuccess().stdout()).isEqualTo(marker + "-b\n");

        // the shared store lists both instances' sessions to either instance's CLI
        a.awaitEndedSession(marker + "-a");
        a.awaitEndedSession(marker + "-b");
        b.awaitEndedSession(marker + "-a");

        Map<String, Long> starts = new HashMap<>();
        try (Connection c = db.connect(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT chain_id::text, count(*) FROM audit_events"
                        + " WHERE type = 'session.start' GROUP BY chain_id")) {
            while (rs.next()) {
                starts.put(rs.getString(1), rs.getLong(2));
            }
        }
        assertThat(starts).as("each instance wrote its own session into its own chain")
                .containsOnlyKeys(chainA, chainB).containsEntry(chainA, 1L).containsEntry(chainB, 1L);

        assertThat(b.stop()).as(b.log()).isZero();
        assertThat(a.stop()).as(a.log()).isZero();
        for (Gateway gw : new Gateway[] {a, b}) {
            Proc.Result verify = gw.cli("audit", "verify");
            assertThat(verify.exit()).as(verify.describe()).isZero();
            assertThat(verify.stdout()).as(verify.describe()).contains(chainA).contains(chainB);
        }
    }
}
