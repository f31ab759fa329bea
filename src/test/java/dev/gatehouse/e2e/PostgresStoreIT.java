package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The same gateway on PostgreSQL (the multi-instance store): sessions are recorded, the chain
 * verifies, and an edit is caught. Each run uses its own schema, dropped afterwards.
 * The server comes from GATEHOUSE_TEST_PG_URL (bin/test provides one).
 */
class PostgresStoreIT extends GatewayTest {
    /** Creates this run's schema before the gateway starts on it. */
    @Override
    Gateway.Options options() {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create schema " + schema + ": " + e.getMessage(), e);
        }
        return new Gateway.Options().store(storeUrl());
    }
    static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";

    private final String baseUrl = System.getenv().getOrDefault("GATEHOUSE_TEST_PG_URL", DEFAULT_URL);
    private final String schema = "gatehouse_e2e_" + Keys.token();

    @AfterAll
    void stop() throws SQLException {
        if (gw != null) {
            gw.close(); // drain into the schema before it goes
        }
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
    }

    private String storeUrl() {
        return baseUrl + (baseUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** Connects to the test database, creating it on first use. */
    private Connection connect() throws SQLException {
        try {
            return DriverManager.getConnection(baseUrl);
        } catch (SQLException e) {
            if (!"3D000".equals(e.getSQLState())) { // invalid_catalog_name: the database is missing
                throw new SQLException("PostgreSQL at " + baseUrl + " is not reachable; bin/test starts one"
                        + " (or set GATEHOUSE_TEST_PG_URL)", e);
            }
            String db = baseUrl.replaceAll("^jdbc:postgresql://[^/]+/([^?]+).*$", "$1");
            try (Connection admin = DriverManager.getConnection(baseUrl.replace("/" + db, "/postgres"));
                    Statement st = admin.createStatement()) {
                st.execute("CREATE DATABASE " + db);
            }
            return DriverManager.getConnection(baseUrl);
        }
    }

    @Test
    void sessionsAreRecordedVerifiedAndTamperingIsCaught() throws SQLException {
        String marker = "pg-marker-" + Keys.token();
        Proc.Result r = gw.ssh(gw.alice(), Gateway.TARGET, "echo " + marker).requireSuccess();
        assertThat(r.stdout()).isEqualTo(marker + "\n");
        JsonNode session = gw.awaitEndedSession(marker);
        String id = Json.text(session, "id");
        List<JsonNode> events = gw.auditLog();
        assertThat(events).anySatisfy(e -> {
            assertThat(Json.text(e, "type")).isEqualTo("session.start");
            assertThat(Json.text(e, "session_id")).isEqualTo(id);
        });
        assertThat(gw.cli("replay", id, "--speed", "1000").requireSuccess().stdout()).contains(marker);
        assertThat(gw.stop()).as(gw.log()).isZero();

        Proc.Result clean = gw.cli("audit", "verify");
        assertThat(clean.exit()).as(clean.describe()).isZero();

        String chain;
        long seq;
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("SET search_path TO " + schema);
            try (var rs = st.executeQuery("SELECT chain_id, min(seq) + (max(seq) - min(seq)) / 2 FROM audit_events"
                    + " GROUP BY chain_id ORDER BY count(*) DESC LIMIT 1")) {
                assertThat(rs.next()).isTrue();
                chain = rs.getString(1);
                seq = rs.getLong(2);
            }
            // the attacker switches the append-only guard off first
            st.execute("ALTER TABLE audit_events DISABLE TRIGGER USER");
            try (var ps = c.prepareStatement("UPDATE audit_events SET user_name = 'mallory' WHERE chain_id::text = ? AND seq = ?")) {
                ps.setString(1, chain);
                ps.setLong(2, seq);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
        }
        Proc.Result tampered = gw.cli("audit", "verify");
        assertThat(tampered.exit()).as(tampered.describe()).isEqualTo(1);
        assertThat(tampered.stdout() + tampered.stderr()).as(tampered.describe())
                .contains("chain " + chain + " seq " + seq + ":");

        // Issue 9: the records after it cut off together with the checkpoint rows that covered them
        long last;
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("SET search_path TO " + schema);
            try (var rs = st.executeQuery("SELECT max(seq) FROM checkpoints WHERE chain_id = '" + chain + "'")) {
                assertThat(rs.next()).isTrue();
                last = rs.getLong(1);
            }
            st.execute("ALTER TABLE checkpoints DISABLE TRIGGER USER");
            st.executeUpdate("DELETE FROM audit_events WHERE chain_id = '" + chain + "' AND seq > " + seq);
            st.executeUpdate("DELETE FROM checkpoints WHERE chain_id = '" + chain + "' AND seq > " + seq);
        }
        Proc.Result truncated = gw.cli("audit", "verify");
        assertThat(truncated.exit()).as(truncated.describe()).isEqualTo(1);
        assertThat(truncated.stdout()).as(truncated.describe()).contains("chain " + chain + " seq " + (seq + 1)
                + ": missing record: checkpoint at seq " + last + " (witness " + gw.dataDir().resolve("checkpoints.jsonl")
                + " line ");
    }
}
