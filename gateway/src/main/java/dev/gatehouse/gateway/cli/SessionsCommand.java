package dev.gatehouse.gateway.cli;

import dev.gatehouse.gateway.shell.Views;
import dev.gatehouse.recorder.AuditStore;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Lists recorded sessions, newest first. */
@Command(name = "sessions", description = "List recorded sessions, newest first.")
final class SessionsCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Option(names = "--json", description = "print a JSON array")
    boolean json;

    @Option(names = "--limit", defaultValue = "1000", description = "at most this many (default ${DEFAULT-VALUE})")
    int limit;

    @Override
    public Integer call() throws Exception {
        if (limit < 1) {
            throw new Main.UsageException("--limit must be at least 1");
        }
        try (AuditStore store = config.openStore()) {
            var sessions = store.sessions(limit);
            System.out.print(json ? Views.sessionsJson(sessions) + "\n" : Views.sessionsTable(sessions));
        }
        return Main.OK;
    }
}
