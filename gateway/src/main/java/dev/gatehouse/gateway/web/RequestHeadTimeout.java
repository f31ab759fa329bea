package dev.gatehouse.gateway.web;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Closes an HTTP/1.1 connection whose next request head does not arrive in time: counted from
 * the connection's start, or from the moment the previous exchange ended (request read whole and
 * response written whole), until the head is decoded. Against slowloris (a head trickled a byte at
 * a time, which the idle limit alone never ends) and idle keep-alive connections. While an
 * exchange is open (a streamed upload, server-sent events) no clock runs; after a
 * {@code 101 Switching Protocols} (WebSocket) this handler leaves the pipeline.
 *
 * <p>Goes after the HTTP codec; both its inbound request objects and outbound response objects pass it.
 */
final class RequestHeadTimeout extends ChannelDuplexHandler {
    private final Duration timeout;
    private ScheduledFuture<?> timer;
    private boolean requestOpen;
    private boolean responseOpen;

    /** @param timeout how long a request head may take, positive */
    RequestHeadTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        arm(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        disarm();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (msg instanceof HttpRequest) {
            disarm();
            requestOpen = true;
            responseOpen = true;
        }
        if (msg instanceof LastHttpContent) {
            requestOpen = false;
            idleCheck(ctx);
        }
        super.channelRead(ctx, msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof HttpResponse res && res.status().code() == 101) {
            ctx.pipeline().remove(this); // the connection is no longer HTTP
        } else if (msg instanceof LastHttpContent && !(msg instanceof HttpResponse res && res.status().codeClass()
                == io.netty.handler.codec.http.HttpStatusClass.INFORMATIONAL)) {
            responseOpen = false;
            idleCheck(ctx);
        }
        super.write(ctx, msg, promise);
    }

    private void idleCheck(ChannelHandlerContext ctx) {
        if (!requestOpen && !responseOpen) {
            arm(ctx);
        }
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        timer = ctx.executor().schedule(() -> {
            if (!requestOpen && !responseOpen && ctx.channel().isActive()) {
                ctx.close();
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }
}
