package dev.gatehouse.gateway.web.proxy;

import dev.gatehouse.gateway.web.AppStream;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/** A test-only {@link AppStream} over a plain TCP connection: the "direct" path without TLS or SSH. */
final class TcpAppStream extends ChannelInboundHandlerAdapter implements AppStream {
    private Channel channel;
    private volatile Reader reader;

    static CompletableFuture<AppStream> connect(EventLoopGroup group, InetSocketAddress to) {
        TcpAppStream stream = new TcpAppStream();
        CompletableFuture<AppStream> done = new CompletableFuture<>();
        new Bootstrap().group(group).channel(NioSocketChannel.class).option(ChannelOption.AUTO_READ, false)
                .handler(stream).connect(to).addListener(f -> {
                    if (f.isSuccess()) {
                        done.complete(stream);
                    } else {
                        done.completeExceptionally(f.cause());
                    }
                });
        return done;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public CompletableFuture<Void> write(ByteBuf data) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        channel.writeAndFlush(data).addListener(f -> {
            if (f.isSuccess()) {
                done.complete(null);
            } else {
                done.completeExceptionally(f.cause());
            }
        });
        return done;
    }

    @Override
    public void read(Reader reader) {
        this.reader = reader;
        channel.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        reader.onData((ByteBuf) msg, channel::read);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (reader != null) {
            reader.onEnd();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (reader != null) {
            reader.onFailure(cause);
        }
        ctx.close();
    }

    @Override
    public void shutdownOutput() {
        ((NioSocketChannel) channel).shutdownOutput();
    }

    @Override
    public void close() {
        channel.close();
    }

    @Override
    public String describe() {
        return "tcp " + channel.remoteAddress();
    }
}
