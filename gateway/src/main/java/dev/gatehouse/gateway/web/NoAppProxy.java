package dev.gatehouse.gateway.web;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;

/** Stands in for the app proxy where none is wired: every admitted request gets a 502 page saying so. */
public final class NoAppProxy extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest) {
                ctx.writeAndFlush(Html.page(ctx.alloc(), HttpResponseStatus.BAD_GATEWAY, "No app proxy",
                        "<p>This gateway was started without its app proxy.</p>"));
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }
}
