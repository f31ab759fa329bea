package dev.gatehouse.gateway.shell;

import dev.gatehouse.recorder.SessionQuery;
import dev.gatehouse.recorder.TenantScope;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The gateway shell's {@code sessions} filters, the same as the console's
 * {@code GET /api/v1/sessions}: {@code --user}, {@code --node}, {@code --login}, {@code --kind},
 * {@code --from} and {@code --to} (RFC 3339), {@code --outcome}, {@code --command} (text of a
 * command the session ran), {@code --limit} (1-1000, default 1000).
 */
public final class SessionFilters {
    public static final Set<String> KINDS = Set.of("shell", "exec", "sftp", "scp", "subsystem", "app", "forward");
    /**
     * The outcomes a session can have: those its {@code session.end} or {@code app.session.end}
     * records ({@code success}, {@code failure}; {@code closed} when the client left first;
     * {@code terminated} when the gateway ended it: terminate, lock, revoke, policy, grant end;
     * {@code interrupted} when the gateway stopped or crashed under it), and {@code running} for a
     * session with no end yet. The console's Outcome field offers the same list.
     */
    public static final Set<String> OUTCOMES = Set.of("success", "failure", "closed", "terminated", "interrupted", "running");
    static final int MAX_LIMIT = 1000;
    static final String USAGE = "sessions [--json] [--user U] [--node N] [--login L] [--kind K] [--from T] [--to T]"
            + " [--outcome O] [--command TEXT] [--limit N]";
    private static final Set<String> OPTIONS = Set.of("--user", "--node", "--login", "--kind", "--from", "--to",
            "--outcome", "--command", "--limit");

    private SessionFilters() {}

    /** @throws IllegalArgumentException naming the bad option, for the shell's one-line refusal */
    static SessionQuery parse(List<String> args, TenantScope scope) {
        Map<String, String> v = new HashMap<>();
        for (int i = 0; i < args.size(); i++) {
            String name = args.get(i);
            if (!OPTIONS.contains(name)) {
                throw ShellUsage.unexpected("sessions", name, USAGE);
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException("sessions: " + name + " needs a value");
            }
            if (v.put(name, args.get(++i)) != null) {
                throw new IllegalArgumentException("sessions: " + name + " is given more than once");
            }
        }
        String kind = v.get("--kind");
        if (kind != null && !KINDS.contains(kind)) {
            throw new IllegalArgumentException("sessions: --kind must be one of " + String.join(", ", KINDS.stream().sorted().toList()));
        }
        String outcome = v.get("--outcome");
        if (outcome != null && !OUTCOMES.contains(outcome)) {
            throw new IllegalArgumentException("sessions: --outcome must be one of "
                    + String.join(", ", OUTCOMES.stream().sorted().toList()));
        }
        int limit = MAX_LIMIT;
        if (v.containsKey("--limit")) {
            try {
                limit = Integer.parseInt(v.get("--limit"));
            } catch (NumberFormatException e) {
                limit = 0;
            }
            if (limit < 1 || limit > MAX_LIMIT) {
                throw new IllegalArgumentException("sessions: --limit must be a whole number from 1 to " + MAX_LIMIT);
            }
        }
        return new SessionQuery(v.get("--user"), v.get("--node"), v.get("--login"), kind, time(v, "--from"),
                time(v, "--to"), outcome, v.get("--command"), scope, null, limit);
    }

    private static Instant time(Map<String, String> v, String name) {
        String t = v.get(name);
        if (t == null) {
            return null;
        }
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("sessions: " + name + " must be an RFC 3339 time such as 2026-03-01T10:00:00Z");
        }
    }
}
