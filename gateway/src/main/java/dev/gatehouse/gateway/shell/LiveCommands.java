package dev.gatehouse.gateway.shell;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.access.LiveSessions;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.LiveSession;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The gateway shell's live-session commands, on the same {@link LiveSessions} service as the
 * console API: {@code live [--json]} (auditors and admins), {@code terminate ID --reason TEXT}
 * (admins), and the service calls behind {@code observe ID} (auditors and admins; streamed by
 * {@link GatewayShell} through {@link ShellObservation}). Each refusal is one line.
 */
final class LiveCommands {
    /**
     * One row of {@code live}: the id column fits a session id (26 characters, {@code SessionIds});
     * start times are shown to the microsecond, as the store keeps them for other instances' sessions.
     */
    static final String LIST_ROW = "%-26s  %-12s  %-32s  %-13s  %-27s  %10d  %10d  %-16s  %s%n";
    static final String LIST_HEADER = "%-26s  %-12s  %-32s  %-13s  %-27s  %10s  %10s  %-16s  %s%n";

    private final LiveSessions live;
    private final LiveSessions.Actor actor;

    LiveCommands(GatewayServices services, Identity identity) {
        this.live = LiveSessions.of(services);
        this.actor = new LiveSessions.Actor(identity.user(), identity.source(), "shell", identity.keyFingerprint());
    }

    /** Runs {@code live} or {@code terminate}; returns null when {@code name} is neither. */
    Integer run(String name, List<String> args, PrintStream out, PrintStream err) {
        try {
            return switch (name) {
                case "live" -> list(args, out);
                case "terminate" -> terminate(args, out);
                default -> null;
            };
        } catch (LiveSessions.Refused | IllegalArgumentException e) {
            return ShellCommands.refuse(err, e.getMessage());
        }
    }

    /**
     * The live session {@code id} of this instance the caller may observe, refused (audited as
     * {@code observe.refused}) as the console refuses it: see {@link LiveSessions#find}.
     */
    LiveSession target(String id) {
        return live.find(actor, id);
    }

    /** Starts watching {@code id} for the caller ({@code via shell}): see {@link LiveSessions#observe}. */
    LiveSessions.Watch watch(String id, dev.gatehouse.gateway.session.TerminalObserver observer) {
        return live.observe(actor, id, observer);
    }

    private int list(List<String> args, PrintStream out) {
        Map<String, String> opts = AccessCommands.options(args, Set.of("--json"));
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("live takes no arguments besides --json");
        }
        List<LiveSession> sessions = live.list(actor);
        if (opts.containsKey("--json")) {
            var array = Views.json().createArrayNode();
            sessions.forEach(s -> array.addPOJO(live.describe(s)));
            out.println(Views.write(array));
            return 0;
        }
        out.printf(LIST_HEADER, "ID", "USER", "TARGET", "KIND", "STARTED", "IN", "OUT", "INSTANCE",
                "STATE");
        for (LiveSession s : sessions) {
            Map<String, Object> d = live.describe(s);
            out.printf(LIST_ROW, Views.escape(s.id()), Views.escape(s.user()),
                    s.node() == null ? "(gateway)" : Views.escape(s.login() + "@" + s.node()), Views.escape(s.kindName()),
                    s.start().truncatedTo(java.time.temporal.ChronoUnit.MICROS), s.bytesIn(), s.bytesOut(), Views.escape((String) d.get("instance")), d.get("state"));
        }
        return 0;
    }

    private int terminate(List<String> args, PrintStream out) {
        Map<String, String> opts = AccessCommands.options(args, Set.of("--reason"));
        String usage = "terminate ID --reason TEXT";
        ShellUsage.operands("terminate", args, 1, usage);
        if (opts.get("--reason") == null) {
            throw new IllegalArgumentException("terminate: --reason TEXT is required; usage: " + usage);
        }
        LiveSession s = live.terminate(actor, args.get(0), opts.get("--reason"));
        out.println("terminated " + s.id() + " (" + Views.escape(s.user()) + ", " + s.kindName() + ")");
        return 0;
    }
}
