package dev.gatehouse.gateway.web.console;

/**
 * One API operation. Runs on the gateway's command pool (it may block on the store), never on a
 * Netty event loop. Throws {@link ApiError} for refusals; any other exception is a 500 whose text
 * is not shown to the caller.
 */
@FunctionalInterface
public interface ApiEndpoint {
    ApiResponse handle(ApiRequest request);
}
