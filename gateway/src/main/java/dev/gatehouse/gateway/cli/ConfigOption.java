package dev.gatehouse.gateway.cli;

import dev.gatehouse.gateway.GatewayKeys;
import dev.gatehouse.gateway.config.ConfigLoader;
import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.StoreOptions;
import java.io.IOException;
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

    /** The audit key's JWS signer (verifies checkpoints and signed decisions). */
    dev.gatehouse.pki.JwsSigner signer() throws IOException {
        return dev.gatehouse.pki.JwsSigner.es256(GatewayKeys.open(load()).auditKey());
    }

    /**
     * Opens the store read-only, with the audit key to verify checkpoints and the configured
     * checkpoint cadence (what verify allows an unsigned tail).
     */
    AuditStore openStore() throws IOException {
        GatewayConfig config = load();
        GatewayKeys keys = GatewayKeys.open(config);
        StoreOptions defaults = StoreOptions.defaults(config.store().url(), null, keys.checkpointSigner(), Clock.systemUTC());
        return AuditStore.open(defaults.withCheckpoints(config.store().checkpointEvery(),
                config.store().checkpointInterval()));
    }
}
