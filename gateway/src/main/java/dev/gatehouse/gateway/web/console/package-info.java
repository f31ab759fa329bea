/**
 * The console and its JSON API on the HTTPS listener's console host ({@code https://HOST:PORT/},
 * {@code /api/v1/}): who is calling ({@link dev.gatehouse.gateway.web.console.ConsoleViewer}), the
 * routing table, and the endpoint modules. Every action calls the same services as the gateway
 * shell (AccessService, SessionRegistry, the audit store), with the same permission and tenant rules.
 */
package dev.gatehouse.gateway.web.console;
