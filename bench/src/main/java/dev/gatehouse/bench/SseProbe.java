package dev.gatehouse.bench;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Per-event delay of server-sent events (WHATWG HTML "Server-sent events") from {@link WebOrigin}
 * to this client, through a proxy or directly: each event's data is the origin's wall clock when
 * it sent it (µs since the epoch); the delay is this process's wall clock when the chunk holding
 * the event arrived, minus that. Both run on one machine, so they read the same clock. The added
 * latency of a proxy is its delay minus the direct delay, measured in the same run.
 *
 * <p>Usage: {@code SseProbe URL OUT [--ca PEM] [--cookie VALUE] [--connect ADDRESS]} with URL
 * {@code https://HOST:PORT/sse?n=N&gap_ms=G}. Writes one delay per event (µs, in order) to OUT,
 * prints {@code events=N median_us=.. p99_us=.. max_us=..} and exits 0; exits 1 with the reason
 * when the response is not a 200 event stream, ends early or takes longer than N×G ms + 60 s.
 */
public final class SseProbe {
    private SseProbe() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: SseProbe URL OUT [--ca PEM] [--cookie VALUE] [--connect ADDRESS]");
            System.exit(2);
        }
        BenchTarget target = BenchTarget.parse(args[0], List.of(args).subList(2, args.length));
        long[] delays;
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            delays = run(group, target).get(budgetMillis(target), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            System.err.println("SseProbe: " + args[0] + ": " + e.getCause().getMessage());
            System.exit(1);
            return;
        } catch (java.util.concurrent.TimeoutException e) {
            System.err.println("SseProbe: " + args[0] + ": no complete stream within " + budgetMillis(target) + " ms");
            System.exit(1);
            return;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
        StringBuilder out = new StringBuilder();
        for (long d : delays) {
            out.append(d).append('\n');
        }
        Files.writeString(Path.of(args[1]), out);
        long[] sorted = delays.clone();
        Arrays.sort(sorted);
        System.out.printf("events=%d median_us=%d p99_us=%d max_us=%d%n", sorted.length,
                percentile(sorted, 50), percentile(sorted, 99), sorted.length == 0 ? 0 : sorted[sorted.length - 1]);
    }

    private static long budgetMillis(BenchTarget target) {
        var q = new io.netty.handler.codec.http.QueryStringDecoder(target.uri()).parameters();
        long n = Long.parseLong(q.getOrDefault("n", List.of("1")).get(0));
        long gap = Long.parseLong(q.getOrDefault("gap_ms", List.of("0")).get(0));
        return n * gap + 60_000;
    }

    /** Nearest-rank percentile of sorted values (0 when empty). */
    static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Wall clock now in µs since the epoch, as {@link OriginHandler#event} writes it. */
    static long nowMicros() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
    }

    private static CompletableFuture<long[]> run(EventLoopGroup group, BenchTarget target) {
        CompletableFuture<long[]> done = new CompletableFuture<>();
        target.open(group, done, new HttpClientCodec(), new EventReader(target, done));
        return done;
    }

    /** Sends the GET, checks the head, splits the body into events and times each on arrival. */
    static final class EventReader extends SimpleChannelInboundHandler<HttpObject> {
        private final BenchTarget target;
        private final CompletableFuture<long[]> done;
        private final StringBuilder pending = new StringBuilder();
        private final List<Long> delays = new ArrayList<>();
        private boolean ok;

        EventReader(BenchTarget target, CompletableFuture<long[]> done) {
            this.target = target;
            this.done = done;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET,
                    target.requestTarget(), Unpooled.EMPTY_BUFFER);
            req.headers().set(HttpHeaderNames.HOST, target.hostHeader())
                    .set(HttpHeaderNames.ACCEPT, "text/event-stream");
            if (target.cookie() != null) {
                req.headers().set(HttpHeaderNames.COOKIE, target.cookie());
            }
            ctx.writeAndFlush(req);
            ctx.fireChannelActive();
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            long arrived = nowMicros();
            if (msg instanceof HttpResponse res) {
                String type = res.headers().get(HttpHeaderNames.CONTENT_TYPE, "");
                ok = res.status().code() == 200 && type.startsWith("text/event-stream");
                if (!ok) {
                    pending.append("HTTP ").append(res.status()).append(", Content-Type ").append(type).append(": ");
                }
            }
            if (msg instanceof HttpContent content) {
                pending.append(content.content().toString(StandardCharsets.UTF_8));
                if (ok) {
                    int end;
                    while ((end = pending.indexOf("\n\n")) >= 0) {
                        for (String line : pending.substring(0, end).split("\n")) {
                            if (line.startsWith("data: ")) {
                                delays.add(arrived - Long.parseLong(line.substring(6).trim()));
                            }
                        }
                        pending.delete(0, end + 2);
                    }
                }
                if (msg instanceof LastHttpContent) {
                    if (ok) {
                        done.complete(delays.stream().mapToLong(Long::longValue).toArray());
                    } else {
                        String body = pending.length() > 300 ? pending.substring(0, 300) + "…" : pending.toString();
                        done.completeExceptionally(new IllegalStateException("not an event stream: " + body.strip()));
                    }
                    ctx.close();
                }
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new IllegalStateException(
                    "connection closed after " + delays.size() + " events, before the stream ended"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
        }
    }
}
