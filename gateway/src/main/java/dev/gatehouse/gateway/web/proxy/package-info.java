/**
 * The app proxy's data path: {@link dev.gatehouse.gateway.web.proxy.AppProxyHandler} relays HTTP/1.1
 * (and, behind {@code Http2StreamFrameToHttpObjectCodec}, HTTP/2) requests from a client connection
 * to an app over an {@link dev.gatehouse.gateway.web.AppStream}, streaming and flow-controlled end
 * to end, and hands WebSocket upgrades to a raw byte relay. Identity, routing, TLS and cookies are
 * the web front's ({@code dev.gatehouse.gateway.web}); everything here is per connection and runs
 * on the client channel's event loop.
 */
package dev.gatehouse.gateway.web.proxy;
