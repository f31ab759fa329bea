package dev.gatehouse.gateway.cli;

import dev.gatehouse.gateway.shell.Views;
import dev.gatehouse.recorder.AuditStore;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.VerifyReport;
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

    @Command(name = "verify", description = "Check every hash chain, signed checkpoint and recording; exit 1 naming the first bad record.")
    static final class Verify implements Callable<Integer> {
        @Mixin
        ConfigOption config;

        @Override
        public Integer call() throws Exception {
            try (AuditStore store = config.openStore()) {
                VerifyReport chains = store.verify();
                java.util.List<String> decisionProblems = SignedDecisions.verify(store.accessLog(), config.signer());
                java.util.List<String> problems = new java.util.ArrayList<>(chains.problems());
                problems.addAll(decisionProblems);
                VerifyReport report = new VerifyReport(problems.isEmpty(), chains.chains(), chains.events(), chains.checkpoints(),
                        chains.recordings(), problems);
                String summary = report.chains() + " chain(s), " + report.events() + " event(s), " + report.checkpoints()
                        + " signed checkpoint(s), " + report.recordings() + " recording(s), "
                        + SignedDecisions.count(store.accessLog()) + " signed decision(s)";
                if (report.intact()) {
                    System.out.println("audit verify: OK: " + summary);
                    return Main.OK;
                }
                System.out.println("audit verify: FAILED: " + report.firstProblem());
                for (int i = 1; i < Math.min(report.problems().size(), 20); i++) {
                    System.out.println("  also: " + report.problems().get(i));
                }
                System.out.println("checked " + summary);
                return Main.FAILED;
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
