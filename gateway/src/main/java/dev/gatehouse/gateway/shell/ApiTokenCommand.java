package dev.gatehouse.gateway.shell;

import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.web.console.ApiTokens;
import dev.gatehouse.recorder.StoreUnavailableException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The console API's bearer tokens from the shell, where the user has just proven their SSH key:
 * {@code api-token --for 1h [--name TEXT]} prints the token (its last line; at most
 * {@link ApiTokens#MAX_LIFETIME}), {@code api-tokens [--json]} lists the user's own, and
 * {@code api-token revoke ID} ends one at once. Issues and revocations are audited
 * ({@code api.token.issued}, {@code api.token.revoked}).
 */
final class ApiTokenCommand {
    private final GatewayServices services;
    private final Identity identity;

    ApiTokenCommand(GatewayServices services, Identity identity) {
        this.services = services;
        this.identity = identity;
    }

    /** {@code api-token ...}. @return exit status */
    int token(List<String> arguments, PrintStream out, PrintStream err) {
        if (services.apiTokens().isEmpty()) {
            return ShellCommands.refuse(err, "the gateway's HTTPS listener is off (web.enabled: false), so there is no API");
        }
        ApiTokens tokens = services.apiTokens().get();
        List<String> args = new ArrayList<>(arguments);
        try {
            if (!args.isEmpty() && args.get(0).equals("revoke")) {
                AccessCommands.options(args, Set.of());
                ShellUsage.operands("api-token", args, 2, "api-token revoke ID");
                ApiTokens.Token t = tokens.revoke(identity.user(), identity.source(), args.get(1));
                out.println("revoked " + t.id());
                return 0;
            }
            Map<String, String> opts = AccessCommands.options(args, Set.of("--for", "--name"));
            String usage = "api-token --for DURATION [--name TEXT] (at most " + ApiTokens.MAX_LIFETIME.toHours()
                    + "h), or api-token revoke ID";
            ShellUsage.operands("api-token", args, 0, usage);
            if (!opts.containsKey("--for")) {
                return ShellCommands.refuse(err, "api-token: --for DURATION is required; usage: " + usage);
            }
            Duration lifetime = AccessCommands.duration(opts.get("--for"));
            ApiTokens.Issued issued = tokens.issue(identity, lifetime, opts.get("--name"));
            out.println("API token " + issued.token().id() + " for " + identity.user() + ", valid until " + issued.token().expires()
                    + "; send it as 'Authorization: Bearer TOKEN'; revoke with 'api-token revoke " + issued.token().id() + "':");
            out.println(issued.jwt());
            return 0;
        } catch (IllegalArgumentException | IllegalStateException e) {
            return ShellCommands.refuse(err, e.getMessage());
        } catch (StoreUnavailableException e) {
            return ShellCommands.refuse(err, "the audit store is unavailable; nothing was changed, try again later");
        }
    }

    /** {@code api-tokens [--json]}. @return exit status */
    int list(List<String> arguments, PrintStream out, PrintStream err) {
        if (services.apiTokens().isEmpty()) {
            return ShellCommands.refuse(err, "the gateway's HTTPS listener is off (web.enabled: false), so there is no API");
        }
        List<String> args = new ArrayList<>(arguments);
        Map<String, String> opts;
        try {
            opts = AccessCommands.options(args, Set.of("--json"));
        } catch (IllegalArgumentException e) {
            return ShellCommands.refuse(err, e.getMessage());
        }
        if (!args.isEmpty()) {
            return ShellCommands.refuse(err, ShellUsage.unexpected("api-tokens", args.get(0), "api-tokens [--json]").getMessage());
        }
        List<ApiTokens.Token> list;
        try {
            list = services.apiTokens().get().list(identity.user());
        } catch (StoreUnavailableException e) {
            return ShellCommands.refuse(err, "the audit store is unavailable; try again later");
        }
        Instant now = services.clock().instant();
        if (opts.containsKey("--json")) {
            ArrayNode array = Views.json().createArrayNode();
            list.forEach(t -> array.addPOJO(t.json(now)));
            out.println(Views.write(array));
            return 0;
        }
        out.printf("%-12s  %-8s  %-20s  %-20s  %s%n", "ID", "STATE", "ISSUED", "EXPIRES", "NAME");
        for (ApiTokens.Token t : list) {
            out.printf("%-12s  %-8s  %-20s  %-20s  %s%n", Views.escape(t.id()), t.json(now).get("state"), t.issued(), t.expires(),
                    t.name() == null ? "" : Views.escape(t.name()));
        }
        return 0;
    }
}
