package dev.gatehouse.gateway.shell;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.IdentityCheck;
import dev.gatehouse.policy.Permission;
import dev.gatehouse.policy.PolicyEvaluator;
import dev.gatehouse.policy.Printable;
import dev.gatehouse.policy.User;
import dev.gatehouse.recorder.Asciicast;
import dev.gatehouse.recorder.VerifyReport;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The gateway's own commands. Identity comes from the key; permissions from policy, re-read for
 * every command so a reload takes effect at once. Input is hostile until proven otherwise: length
 * and characters are checked before anything is parsed, and a refusal is one line with a non-zero
 * status.
 */
public final class ShellCommands {
    static final int MAX_LINE = 4096;

    private final GatewayServices services;
    private final Identity identity;

    public ShellCommands(GatewayServices services, Identity identity) {
        this.services = services;
        this.identity = identity;
    }

    /**
     * What a command left to do once its output is written: nothing, a recording to play, or a
     * live session to observe.
     *
     * @param status the exit status
     * @param playback frames to play (the {@code replay} command), or null
     * @param observe the id of the live session to observe (the {@code observe} command; the shell
     *     checks its terminal and starts the watch through {@link LiveCommands}), or null
     */
    public record Result(int status, Iterator<Asciicast.Frame> playback, String observe) {
        public Result(int status, Iterator<Asciicast.Frame> playback) {
            this(status, playback, null);
        }
    }

    /** Runs one command line; output goes to {@code out}, the refusal line to {@code err}. @return exit status */
    public int run(String line, PrintStream out, PrintStream err) {
        return execute(line, out, err).status();
    }

    /**
     * Runs one command line. Output goes to {@code out}, the refusal line to {@code err}; a replay
     * is returned as frames for the caller to play without holding a thread.
     */
    public Result execute(String line, PrintStream out, PrintStream err) {
        if (line.length() > MAX_LINE) {
            return done(refuse(err, "command line is longer than " + MAX_LINE + " characters"));
        }
        for (int i = 0; i < line.length(); ) {
            int cp = line.codePointAt(i);
            if (cp != '\t' && Printable.needsEscape(cp)) {
                return done(refuse(err, "command contains " + (Character.getType(cp) == Character.CONTROL
                        ? "control characters" : "an invisible or formatting character") + " (" + Printable.name(cp) + ")"));
            }
            i += Character.charCount(cp);
        }
        List<String> args;
        try {
            args = split(line);
        } catch (IllegalArgumentException e) {
            return done(refuse(err, e.getMessage()));
        }
        if (args.isEmpty()) {
            return done(0);
        }
        java.util.Optional<String> gone = IdentityCheck.problem(services.policy().current(), services.access().state(), identity);
        if (gone.isPresent()) {
            services.audit().append(services.audit().event(EventType.SHELL_REFUSED, "denied")
                    .withSource(identity.source()).withUser(identity.user()).with("command", line).with("reason", gone.get()));
            return done(refuse(err, gone.get()));
        }
        String name = args.get(0);
        List<String> rest = args.subList(1, args.size());
        services.audit().append(services.audit().event(EventType.SHELL_COMMAND, "info")
                .withSource(identity.source()).withUser(identity.user()).with("command", line));
        if (name.equals("replay")) {
            return replay(rest, out, err);
        }
        if (name.equals("observe")) {
            try {
                ShellUsage.operands("observe", rest, 1, "observe ID");
            } catch (IllegalArgumentException e) {
                return done(refuse(err, e.getMessage()));
            }
            return new Result(0, null, rest.get(0));
        }
        return done(switch (name) {
            case "help" -> help(out);
            case "whoami" -> whoami(rest, out, err);
            case "nodes" -> nodes(rest, out, err);
            case "sessions" -> sessions(rest, out, err);
            case "web-login" -> webLogin(rest, out, err);
            case "api-token" -> new ApiTokenCommand(services, identity).token(rest, out, err);
            case "api-tokens" -> new ApiTokenCommand(services, identity).list(rest, out, err);
            // web.app_cert_ttl is the default lifetime (the contract's 1 h unless configured)
            case "app-cert" -> new AppCertCommand(services, identity, services.config().web().appCertTtl()).run(rest, out, err);
            case "live", "terminate" -> new LiveCommands(services, identity).run(name, new ArrayList<>(rest), out, err);
            default -> {
                Integer status = new AccessCommands(services, identity).run(name, new ArrayList<>(rest), out, err);
                yield status != null ? status : refuse(err, "unknown command '" + Views.escape(name) + "' (try 'help')");
            }
        });
    }

    private static Result done(int status) {
        return new Result(status, null);
    }

    private int help(PrintStream out) {
        out.println("Gatehouse gateway shell. Commands:");
        out.println("  whoami [--json]           who you are and what you may do");
        out.println("  nodes [--json]            nodes you can reach, with the logins allowed");
        out.println("  request LOGIN@NODE --for 30m [--reason TEXT]   ask for an elevated login (also LOGIN@key=value,...)");
        out.println("  requests [--json]         requests you may see (yours, or ones you may approve)");
        out.println("  approve ID [--comment T]  approve a request (never your own)");
        out.println("  deny ID --reason TEXT     deny a request");
        out.println("  cancel ID                 withdraw your pending request");
        out.println("  grants [--json]           active grants you may see");
        out.println("  revoke ID                 end a grant now; its sessions are cut");
        out.println("  app-cert APP@NODE [--for 1h]   client certificate and key (PEM) for an app, for curl --cert");
        out.println("  totp enroll               set up the TOTP second factor (shown once)");
        out.println("  web-login                 a one-time link that logs your browser in (works once, for a minute)");
        out.println("  api-token --for 1h [--name T]   a bearer token for the console API (at most 24h; last line)");
        out.println("  api-tokens [--json]       your API tokens;  api-token revoke ID  ends one now");
        Set<Permission> permissions = permissions();
        if (permissions.contains(Permission.ADMIN)) {
            out.println("  lock user|node|login|tenant NAME [--reason T]   kill switch: end sessions, refuse new ones");
            out.println("  unlock user|node|login|tenant NAME [--reason T]");
            out.println("  terminate ID --reason TEXT   end a live session now; the user sees the reason");
        }
        if (permissions.contains(Permission.AUDIT) || permissions.contains(Permission.ADMIN)) {
            out.println("  live [--json]             live sessions on this gateway, with bytes so far");
            out.println("  observe ID                watch a live shell read-only (needs ssh -t); q or Ctrl-C stops");
        }
        if (permissions.contains(Permission.AUDIT)) {
            out.println("  sessions [--json] [--user U] [--node N] [--login L] [--kind K] [--from T] [--to T]");
            out.println("           [--outcome O] [--command TEXT] [--limit N]   recorded sessions, newest first (auditors)");
            out.println("  replay ID [--speed N]     play a recorded session (auditors)");
        }
        out.println("  help                      this list");
        out.println("Reach a node with: ssh -p PORT LOGIN@NODE@GATEWAY");
        return 0;
    }

    /** Prints a one-time browser login link for this identity; its last word is the URL. */
    private int webLogin(List<String> args, PrintStream out, PrintStream err) {
        if (!args.isEmpty()) {
            return refuse(err, ShellUsage.unexpected("web-login", args.get(0), "web-login").getMessage());
        }
        if (services.webLogin().isEmpty()) {
            return refuse(err, "the gateway's HTTPS listener is off (web.enabled: false)");
        }
        out.println(services.webLogin().get().issue(identity));
        return 0;
    }

    private int whoami(List<String> args, PrintStream out, PrintStream err) {
        boolean json = flag(args, "--json");
        if (!args.isEmpty()) {
            return refuse(err, ShellUsage.unexpected("whoami", args.get(0), "whoami [--json]").getMessage());
        }
        User user = services.policy().current().policy().user(identity.user()).orElse(null);
        List<String> roles = user == null ? List.of() : user.roles();
        if (json) {
            var o = Views.json().createObjectNode();
            o.put("id", identity.user());
            o.put("user", identity.user());
            o.putPOJO("roles", roles);
            o.putPOJO("permissions", permissions().stream().map(p -> p.name().toLowerCase(java.util.Locale.ROOT)).sorted().toList());
            o.put("key", identity.keyFingerprint());
            o.put("source", identity.source());
            out.println(Views.write(o));
        } else {
            out.println(identity.user());
            out.println("roles: " + String.join(", ", roles));
            out.println("key: " + identity.keyFingerprint());
            out.println("from: " + identity.source());
        }
        return 0;
    }

    private int nodes(List<String> args, PrintStream out, PrintStream err) {
        boolean json = flag(args, "--json");
        if (!args.isEmpty()) {
            return refuse(err, ShellUsage.unexpected("nodes", args.get(0), "nodes [--json]").getMessage());
        }
        List<PolicyEvaluator.NodeAccess> nodes = services.policy().current().evaluator().reachableNodes(identity.user());
        if (json) {
            var array = Views.json().createArrayNode();
            for (PolicyEvaluator.NodeAccess n : nodes) {
                var o = array.addObject();
                o.put("id", n.node());
                o.put("node", n.node());
                o.putPOJO("logins", n.logins());
            }
            out.println(Views.write(array));
        } else {
            for (PolicyEvaluator.NodeAccess n : nodes) {
                out.println(n.node() + "  logins: " + String.join(", ", n.logins()));
            }
        }
        return 0;
    }

    private int sessions(List<String> args, PrintStream out, PrintStream err) {
        if (!permissions().contains(Permission.AUDIT)) {
            return refuse(err, "sessions needs the audit permission");
        }
        boolean json = flag(args, "--json");
        dev.gatehouse.recorder.SessionQuery query;
        try {
            query = SessionFilters.parse(args, dev.gatehouse.gateway.session.TenantScopes.of(
                    services.policy().current().policy(), policyTenant()));
        } catch (IllegalArgumentException e) {
            return refuse(err, Views.escape(e.getMessage()));
        }
        var list = services.audit().store().searchSessions(query).items().stream()
                .map(dev.gatehouse.recorder.FoundSession::session).filter(this::visible).toList();
        out.print(json ? Views.sessionsJson(list) + "\n" : Views.sessionsTable(list));
        return 0;
    }

    /** The caller's tenant under the current policy, or null. */
    private String policyTenant() {
        return services.policy().current().policy().user(identity.user()).flatMap(dev.gatehouse.policy.User::tenant)
                .orElse(null);
    }

    private Result replay(List<String> args, PrintStream out, PrintStream err) {
        if (!permissions().contains(Permission.AUDIT)) {
            return done(refuse(err, "replay needs the audit permission"));
        }
        double speed = 1.0;
        List<String> rest = new ArrayList<>(args);
        int at = rest.indexOf("--speed");
        if (at >= 0) {
            if (at + 1 >= rest.size()) {
                return done(refuse(err, "--speed needs a number"));
            }
            try {
                speed = Double.parseDouble(rest.get(at + 1));
            } catch (NumberFormatException e) {
                return done(refuse(err, "--speed needs a number, not '" + Views.escape(rest.get(at + 1)) + "'"));
            }
            if (!(speed > 0 && speed <= 10_000)) {
                return done(refuse(err, "--speed must be between 0 and 10000"));
            }
            rest.remove(at + 1);
            rest.remove(at);
        }
        if (rest.size() > 1) {
            return done(refuse(err, ShellUsage.unexpected("replay", rest.get(1), "replay ID [--speed N]").getMessage()));
        }
        if (rest.size() != 1) {
            return done(refuse(err, "usage: replay ID [--speed N]"));
        }
        String id = rest.get(0);
        if (services.audit().store().session(id).filter(this::visible).isEmpty()) {
            return done(refuse(err, "no session '" + Views.escape(id) + "'"));
        }
        VerifyReport report = services.audit().store().verifyRecording(id);
        if (!report.intact()) {
            return done(refuse(err, "recording of session " + id + " failed verification: " + report.firstProblem()));
        }
        return new Result(0, Asciicast.frames(services.audit().store().recording(id), speed));
    }

    /** Tenants never see each other's sessions (R19): a session belongs to its node's tenant. */
    private boolean visible(dev.gatehouse.recorder.SessionSummary session) {
        var policy = services.policy().current().policy();
        if (!policy.multiTenant()) {
            return true;
        }
        String mine = policy.user(identity.user()).flatMap(dev.gatehouse.policy.User::tenant).orElse(null);
        String nodeTenant = session.node() == null ? null
                : policy.node(session.node()).flatMap(dev.gatehouse.policy.Node::tenant).orElse(null);
        return java.util.Objects.equals(mine, nodeTenant);
    }

    private Set<Permission> permissions() {
        return services.policy().current().evaluator().permissions(identity.user());
    }

    private static boolean flag(List<String> args, String name) {
        boolean present = args.contains(name);
        if (present) {
            args.removeIf(name::equals);
        }
        return present;
    }

    /** The one-line refusal every command prints: {@code gatehouse: WHY}. @return exit status 1 */
    static int refuse(PrintStream err, String why) {
        err.println("gatehouse: " + why);
        err.flush();
        return 1;
    }

    /** Splits on blanks, honouring single and double quotes. */
    static List<String> split(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean inWord = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == ' ' || c == '\t') {
                if (inWord) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unbalanced quote in command");
        }
        if (inWord) {
            out.add(cur.toString());
        }
        return new ArrayList<>(out);
    }
}
