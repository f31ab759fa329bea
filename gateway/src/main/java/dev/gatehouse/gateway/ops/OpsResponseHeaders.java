package dev.gatehouse.gateway.ops;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Adds {@code Cache-Control: no-store} (RFC 9111 section 5.2.2.5: no cache keeps a scrape) and
 * {@code X-Content-Type-Options: nosniff} (WHATWG Fetch section 3.5: a browser never reads the
 * plain text as script or HTML) to every final answer of the operations listener that lacks them,
 * including those the HTTP codec and aggregator write themselves (413, 417, 500). It sits between
 * the codec and the aggregator, so it sees every response on its way out.
 */
@ChannelHandler.Sharable
final class OpsResponseHeaders extends ChannelOutboundHandlerAdapter {
    private static final String X_CONTENT_TYPE_OPTIONS = "X-Content-Type-Options";

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse response && response.status().code() >= 200) {
            HttpHeaders h = response.headers();
            if (!h.contains(HttpHeaderNames.CACHE_CONTROL)) {
                h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
            }
            if (!h.contains(X_CONTENT_TYPE_OPTIONS)) {
                h.set(X_CONTENT_TYPE_OPTIONS, "nosniff");
            }
        }
        super.write(ctx, msg, promise);
    }
}
