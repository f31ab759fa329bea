package dev.gatehouse.gateway.web.console;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * What the console's front controller is built from, once per listener.
 *
 * @param modules the endpoint groups; each registers its routes once, in this order (first added, first matched)
 * @param ui the pages and assets
 * @param pool where endpoints run (the gateway's command pool: they may block on the store); never an event loop
 * @param tokens the api-token verifier, or null when bearer tokens are not set up (every bearer call is then 401)
 */
public record ConsoleSetup(List<ConsoleModule> modules, ConsoleUi ui, Executor pool, ApiTokens tokens) {

    public ConsoleSetup {
        modules = List.copyOf(modules);
    }

    /** No API modules, no pages of its own (today's home page stays), no tokens; endpoints on {@code pool}. */
    public static ConsoleSetup none(Executor pool) {
        return new ConsoleSetup(List.of(), path -> Optional.empty(), pool, null);
    }
}
