package dev.gatehouse.gateway.web.console;

/**
 * A group of API endpoints (requests, sessions, audit, ...). The console's front controller calls
 * {@link #register} once at start with the shared routing table.
 */
public interface ConsoleModule {
    void register(ApiRoutes routes);
}
