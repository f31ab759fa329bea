package dev.gatehouse.gateway.shell;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.access.AccessService;
import dev.gatehouse.gateway.access.SecondFactor;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.policy.AccessRequest;
import dev.gatehouse.policy.Approval;
import dev.gatehouse.policy.Lock;
import dev.gatehouse.policy.NodeTarget;
import dev.gatehouse.policy.RequestState;
import dev.gatehouse.recorder.StoreUnavailableException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The elevation and kill-switch commands of the gateway shell; each refusal is one line. */
final class AccessCommands {
    private final GatewayServices services;
    private final Identity identity;

    AccessCommands(GatewayServices services, Identity identity) {
        this.services = services;
        this.identity = identity;
    }

    /** Runs an access command; returns null when {@code name} is not one. */
    Integer run(String name, List<String> args, PrintStream out, PrintStream err) {
        try {
            return switch (name) {
                case "request" -> request(args, out);
                case "requests" -> list(args, out, false);
                case "grants" -> list(args, out, true);
                case "approve" -> approve(args, out);
                case "deny" -> deny(args, out);
                case "cancel" -> simple(args, out, "cancel");
                case "revoke" -> simple(args, out, "revoke");
                case "lock" -> lock(args, out, true);
                case "unlock" -> lock(args, out, false);
                case "totp" -> totp(args, out);
                default -> null;
            };
        } catch (AccessService.Refused | IllegalArgumentException e) {
            return ShellCommands.refuse(err, e.getMessage());
        } catch (StoreUnavailableException e) {
            return ShellCommands.refuse(err, "the audit store is unavailable; nothing was changed, try again later");
        }
    }

    private int request(List<String> args, PrintStream out) {
        Map<String, String> opts = options(args, Set.of("--for", "--reason"));
        String usage = "request LOGIN@NODE|LOGIN@key=value,... --for DURATION [--reason TEXT]";
        ShellUsage.operands("request", args, 1, usage);
        if (!opts.containsKey("--for")) {
            throw new IllegalArgumentException("request: --for DURATION is required; usage: " + usage);
        }
        String spec = args.get(0);
        int at = spec.indexOf('@');
        if (at <= 0 || at == spec.length() - 1) {
            throw new IllegalArgumentException("say what you need as LOGIN@NODE or LOGIN@key=value,..., not '" + Views.escape(spec) + "'");
        }
        NodeTarget target = NodeTarget.parse(spec.substring(at + 1));
        Duration duration = duration(opts.get("--for"));
        AccessRequest r = services.access().request(identity.user(), spec.substring(0, at), target, duration, opts.get("--reason"));
        out.println("requested " + r.login() + "@" + r.target() + " for " + opts.get("--for") + "; an approver runs 'approve "
                + r.id() + "'; request id: " + r.id());
        return 0;
    }

    private int approve(List<String> args, PrintStream out) {
        Map<String, String> opts = options(args, Set.of("--comment"));
        ShellUsage.operands("approve", args, 1, "approve ID [--comment TEXT]");
        AccessRequest r = services.access().approve(identity.user(), args.get(0), opts.get("--comment"));
        if (r.state() == RequestState.ACTIVE) {
            out.println("approved " + r.id() + ": " + r.requester() + " may use " + r.login() + "@" + r.target() + " until " + r.windowEnd());
        } else {
            out.println("approved " + r.id() + "; more approvals are needed before the grant starts");
        }
        return 0;
    }

    private int deny(List<String> args, PrintStream out) {
        Map<String, String> opts = options(args, Set.of("--reason"));
        ShellUsage.operands("deny", args, 1, "deny ID --reason TEXT");
        if (opts.get("--reason") == null) {
            throw new IllegalArgumentException("deny: --reason TEXT is required; usage: deny ID --reason TEXT");
        }
        AccessRequest r = services.access().deny(identity.user(), args.get(0), opts.get("--reason"));
        out.println("denied " + r.id());
        return 0;
    }

    private int simple(List<String> args, PrintStream out, String verb) {
        options(args, Set.of());
        ShellUsage.operands(verb, args, 1, verb + " ID");
        AccessRequest r = verb.equals("cancel") ? services.access().cancel(identity.user(), args.get(0))
                : services.access().revoke(identity.user(), args.get(0));
        out.println((verb.equals("cancel") ? "cancelled " : "revoked ") + r.id());
        return 0;
    }

    private int list(List<String> args, PrintStream out, boolean grantsOnly) {
        Map<String, String> opts = options(args, Set.of("--json"));
        String command = grantsOnly ? "grants" : "requests";
        ShellUsage.operands(command, args, 0, command + " [--json]");
        Instant now = services.clock().instant();
        List<AccessRequest> rows = new ArrayList<>();
        for (AccessRequest r : services.access().visibleRequests(identity.user())) {
            if (!grantsOnly || r.activeAt(now)) {
                rows.add(r);
            }
        }
        if (opts.containsKey("--json")) {
            ArrayNode array = Views.json().createArrayNode();
            rows.forEach(r -> toJson(array.addObject(), r));
            out.println(Views.write(array));
            return 0;
        }
        out.printf("%-12s  %-10s  %-12s  %-32s  %-9s  %s%n", "ID", "STATE", "REQUESTER", "TARGET", "FOR", grantsOnly ? "UNTIL" : "REASON");
        for (AccessRequest r : rows) {
            out.printf("%-12s  %-10s  %-12s  %-32s  %-9s  %s%n", Views.escape(r.id()), r.state().name().toLowerCase(Locale.ROOT),
                    Views.escape(r.requester()), Views.escape(r.login() + "@" + r.target()), human(r.duration()),
                    grantsOnly ? r.windowEnd() : (r.reason() == null ? "" : Views.escape(r.reason())));
        }
        return 0;
    }

    private int lock(List<String> args, PrintStream out, boolean on) {
        Map<String, String> opts = options(args, Set.of("--reason"));
        String command = on ? "lock" : "unlock";
        ShellUsage.operands(command, args, 2, command + " user|node|login|tenant NAME [--reason TEXT]");
        Lock.Kind kind;
        try {
            kind = Lock.Kind.valueOf(args.get(0).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("lock what? user, node, login or tenant, not '" + Views.escape(args.get(0)) + "'");
        }
        String name = args.get(1);
        if (on) {
            services.access().lock(identity.user(), kind, name, opts.get("--reason"));
            out.println("locked " + kind.name().toLowerCase(Locale.ROOT) + " " + Views.escape(name));
        } else {
            services.access().unlock(identity.user(), kind, name, opts.get("--reason"));
            out.println("unlocked " + kind.name().toLowerCase(Locale.ROOT) + " " + Views.escape(name));
        }
        return 0;
    }

    private int totp(List<String> args, PrintStream out) {
        Map<String, String> opts = options(args, Set.of("--code"));
        String usage = "totp enroll [--code CURRENT-CODE]";
        if (!args.isEmpty() && !args.get(0).equals("enroll")) {
            throw ShellUsage.unexpected("totp", args.get(0), usage);
        }
        ShellUsage.operands("totp", args, 1, usage);
        SecondFactor totp = services.totp();
        // re-enrolment needs the current code: a stolen SSH key alone must not replace the second factor
        if (totp.enrolled(identity.user()) && (opts.get("--code") == null || totp.verify(identity.user(), opts.get("--code")).isEmpty())) {
            services.audit().append(services.audit().event(EventType.TOTP_ENROLL, "denied").withUser(identity.user())
                    .withSource(identity.source()).with("reason", "already enrolled, current code missing or wrong"));
            throw new IllegalArgumentException("you are already enrolled; to replace your TOTP secret run 'totp enroll --code CURRENT-CODE'");
        }
        SecondFactor.Enrolment enrolment = totp.enroll(identity.user());
        services.audit().append(services.audit().event(EventType.TOTP_ENROLL, "success").withUser(identity.user()).withSource(identity.source()));
        out.println("TOTP secret for " + identity.user() + " (shown once; add it to your authenticator app):");
        out.println("secret: " + enrolment.secretBase32());
        out.println("uri: " + enrolment.otpauthUri());
        return 0;
    }

    private static void toJson(ObjectNode o, AccessRequest r) {
        o.put("id", r.id());
        o.put("requester", r.requester());
        o.put("tenant", r.tenant());
        o.put("login", r.login());
        o.put("target", r.target().toString());
        o.put("state", r.state().name().toLowerCase(Locale.ROOT));
        o.put("duration_seconds", r.duration().toSeconds());
        o.put("reason", r.reason());
        o.put("created", r.createdAt().toString());
        o.put("pending_until", r.pendingUntil().toString());
        ArrayNode approvals = o.putArray("approvals");
        for (Approval a : r.approvals()) {
            approvals.addObject().put("approver", a.approver()).put("at", a.at().toString()).put("comment", a.comment());
        }
        o.put("window_start", r.windowStart() == null ? null : r.windowStart().toString());
        o.put("window_end", r.windowEnd() == null ? null : r.windowEnd().toString());
        o.put("closed_by", r.closedBy());
        o.put("close_reason", r.closeReason());
    }

    /** Removes {@code --name value} (or a bare {@code --json}) options from {@code args}. */
    static Map<String, String> options(List<String> args, Set<String> known) {
        Map<String, String> found = new HashMap<>();
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (!a.startsWith("--")) {
                rest.add(a);
                continue;
            }
            if (!known.contains(a)) {
                throw new IllegalArgumentException("unknown option '" + Views.escape(a) + "'");
            }
            if (found.containsKey(a)) {
                throw new IllegalArgumentException("option " + a + " given twice");
            }
            if (a.equals("--json")) {
                found.put(a, "");
                continue;
            }
            if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            found.put(a, args.get(++i));
        }
        args.clear();
        args.addAll(rest);
        return found;
    }

    static Duration duration(String text) {
        return dev.gatehouse.gateway.access.Durations.parse(text);
    }

    /** 2h, 30m or 90s: the way it was asked for. */
    static String human(Duration d) {
        return dev.gatehouse.gateway.access.Durations.human(d);
    }
}
