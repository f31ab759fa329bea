package dev.gatehouse.gateway.cli;

import dev.gatehouse.gateway.config.ConfigLoader;
import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.pki.JwsVerifier;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.CheckpointSigner;
import dev.gatehouse.recorder.StoreOptions;
import java.nio.file.Path;
import java.time.Clock;
import picocli.CommandLine.Option;

/** The {@code --config} option every command shares, and what it opens. */
final class ConfigOption {
    @Option(names = "--config", paramLabel = "FILE", description = "gateway configuration (default: ${DEFAULT-VALUE})",
            defaultValue = "config/gatehouse.yaml")
    Path file;

    GatewayConfig load() {
        return ConfigLoader.load(file);
    }

    /** Opens the store read-only, for commands that verify no checkpoint (no audit key needed). */
    AuditStore openStore() {
        return openStore(null);
    }

    /**
     * Opens the store read-only, with the configured checkpoint cadence (what verify allows an
     * unsigned tail).
     *
     * @param auditKey verifies checkpoints ({@code audit verify}); null when none is verified
     */
    AuditStore openStore(JwsVerifier auditKey) {
        GatewayConfig config = load();
        StoreOptions defaults = StoreOptions.defaults(config.store().url(), null,
                auditKey == null ? null : CheckpointSigner.verifyOnly(auditKey::verify), Clock.systemUTC());
        return AuditStore.open(defaults.withCheckpoints(config.store().checkpointEvery(),
                config.store().checkpointInterval()));
    }
}
