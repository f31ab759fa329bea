package dev.gatehouse.gateway.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.JwsSigner;
import dev.gatehouse.recorder.AuditEvent;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.StoreOptions;
import dev.gatehouse.recorder.VerifyReport;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (issue 9): {@code audit verify} prints what it read from the store it distrusts. Someone
 * who tampers with the database (the very case verify exists for) can choose the text of a chain
 * id, a session id, an access row key; verify names those in its problem lines, and
 * {@link VerifyOutput} prints them raw, so terminal control sequences reach the auditor's terminal
 * (here: erase the line, go up, and print a fake "OK" over the "FAILED" verdict).
 */
class ReviewVerifyOutputEscapingTest {
    @TempDir
    Path dir;

    @Test
    void storedStringsInVerifyProblemsReachTheTerminalEscaped() throws Exception {
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        JwsSigner jws = JwsSigner.es256(ec.generateKeyPair());
        CheckpointSigner signer = CheckpointSigner.of(jws::sign, jws::verify);
        String url = "jdbc:sqlite:" + dir.resolve("audit.db");
        try (AuditStore store = AuditStore.open(StoreOptions.defaults(url, "gw-1", signer, Clock.systemUTC()))) {
            for (int i = 0; i < 3; i++) {
                store.append(AuditEvent.of("auth.success", Instant.now(), "success").withUser("alice"));
            }
        }
        String hostile = "\u001b[1A\u001b[2K\raudit verify: OK: 1 chain(s)\u001b[8m";
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            st.executeUpdate("DROP TRIGGER IF EXISTS audit_events_no_update");
            st.executeUpdate("UPDATE audit_events SET chain_id = '" + hostile + "' WHERE seq = 3");
        }
        VerifyReport report;
        try (AuditStore reader = AuditStore.open(StoreOptions.defaults(url, null, signer, Clock.systemUTC()))) {
            report = reader.verify(List.of(), "gw-1");
        }
        assertThat(report.intact()).isFalse();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        VerifyOutput.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), report, 0, jws.thumbprint(), false);
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).as("audit verify output:\n" + printed).doesNotContain("\u001b");
    }
}
