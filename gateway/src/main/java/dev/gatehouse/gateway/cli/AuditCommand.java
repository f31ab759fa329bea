package dev.gatehouse.gateway.cli;

import dev.gatehouse.gateway.GatewayKeys;
import dev.gatehouse.gateway.config.GatewayConfig;
import dev.gatehouse.gateway.shell.Views;
import dev.gatehouse.pki.JwsVerifier;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.Witness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Verifies and reads the audit log. */
@Command(name = "audit", description = "Verify or read the audit log.", subcommands = {AuditCommand.Verify.class, AuditCommand.Log.class})
final class AuditCommand extends CommandGroup {
    @Override
    String usage() {
        return "usage: gatehouse audit verify|log";
    }

    @Command(name = "verify", description = "Check every hash chain, signed checkpoint, witness, recording and the"
            + " access chain; exit 1 naming the first bad record.")
    static final class Verify implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Option(names = "--witness", paramLabel = "FILE", description = "also check against this copy of a witness"
                + " file, e.g. one fetched from another host (repeatable)")
        List<Path> copies = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            GatewayConfig cfg = config.load();
            List<Witness> witnesses = AuditVerification.liveWitnesses(cfg);
            for (Path copy : copies) {
                if (!Files.isRegularFile(copy)) {
                    throw new Main.UsageException("--witness " + copy + ": no such file");
                }
                witnesses.add(Witness.copy(copy.toAbsolutePath().normalize(), "--witness"));
            }
            GatewayKeys keys = GatewayKeys.forTools(cfg);
            JwsVerifier auditKey = keys.auditVerifier();
            try (AuditStore store = config.openStore(auditKey)) {
                AuditVerification.Result result = AuditVerification.run(store, witnesses,
                        keys.existingChainId().orElse(null), auditKey);
                VerifyOutput.print(System.out, result, auditKey.thumbprint(),
                        cfg.keys().passphraseEnv().isPresent() || cfg.keys().passphraseFile().isPresent());
                return result.ok() ? Main.OK : Main.FAILED;
            }
        }
    }

    @Command(name = "log", description = "Print audit events, oldest first.")
    static final class Log implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Option(names = "--json", description = "print a JSON array")
        boolean json;

        @Option(names = "--type", description = "only this type, or a prefix ending in '.' (session.)")
        String type;

        @Option(names = "--user", description = "only events of this user")
        String user;

        @Option(names = "--session", description = "only events of this session")
        String session;

        @Option(names = "--limit", defaultValue = "10000", description = "at most this many (default ${DEFAULT-VALUE})")
        int limit;

        @Override
        public Integer call() throws Exception {
            try (AuditStore store = config.openStore()) {
                var events = store.events(new EventQuery(type, user, session, null, limit));
                System.out.print(json ? Views.eventsJson(events) + "\n" : Views.eventsText(events));
            }
            return Main.OK;
        }
    }
}
