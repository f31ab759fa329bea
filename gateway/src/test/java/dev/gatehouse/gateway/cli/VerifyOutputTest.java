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

/** What {@code audit verify} prints, whatever the store it distrusts holds. */
class VerifyOutputTest {
    @TempDir
    Path dir;

    /**
     * Threat: someone who tampers with the database (the very case verify exists for) chooses a
     * chain id that moves the cursor up, erases the FAILED verdict and prints a fake OK over it.
     */
    @Test
    void aChainIdThatWouldRepaintTheVerdictIsPrintedEscaped() throws Exception {
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
        VerifyOutput.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), new AuditVerification.Result(report, 0), jws.thumbprint(), false);
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).as("audit verify output:\n" + printed).doesNotContain("\u001b").doesNotContain("\r");
        assertThat(printed).startsWith("audit verify: FAILED: ")
                .contains("\\x1b[1A\\x1b[2K\\raudit verify: OK: 1 chain(s)\\x1b[8m");
    }

    /** Threat: the same text in a chain no checkpoint covers, or in what a gateway found at its start, passes verify and is printed anyway. */
    @Test
    void chainIdsInTailsAndNotesOfAnIntactReportArePrintedEscaped() {
        String hostile = "gw-2\u001b]52;c;cm0gLXJmIH4K\u0007";
        VerifyReport report = new VerifyReport(true, 2, 10, 1, 0, 0, List.of(), List.of("chain " + hostile
                + " seq 3: 1 record(s) dated ..."), List.of(new VerifyReport.Tail(hostile, 0, 1, Instant.EPOCH,
                        java.time.Duration.ZERO, false)), List.of(), java.time.Duration.ofSeconds(45));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        VerifyOutput.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), new AuditVerification.Result(report, 0), "thumb", true);
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).startsWith("audit verify: OK: ").doesNotContain("\u001b").doesNotContain("\u0007")
                .contains("  chain gw-2\\x1b]52;c;cm0gLXJmIH4K\\x07: 1 record(s) after seq 0")
                .contains("  chain gw-2\\x1b]52;c;cm0gLXJmIH4K\\x07 seq 3: 1 record(s) dated");
    }
}
