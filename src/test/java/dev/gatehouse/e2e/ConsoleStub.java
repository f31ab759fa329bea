package dev.gatehouse.e2e;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.gatehouse.gateway.web.console.ClasspathUi;
import dev.gatehouse.gateway.web.console.ConsoleUi;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The console's pages as the gateway jar bundles them ({@link ClasspathUi}, the real classpath
 * bundle) in front of a scripted JSON API: a plain-http loopback server (JDK {@code HttpServer})
 * answering each {@code /api/v1} call from what the test registered with {@link #on}, and recording
 * every call (method, path with query, headers, body). It sends the console's contract headers
 * (the strict Content-Security-Policy, with a {@code report-uri} so that every violation the browser
 * finds is recorded in {@link #cspReports}). For the pages' own behaviour (what they send, how they
 * show what they get) without the gateway; the same pages against the real gateway are
 * {@code ConsoleBrowserIT}'s.
 */
final class ConsoleStub implements AutoCloseable {
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; font-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /** One API call the pages made. */
    record Call(String method, String path, Map<String, List<String>> headers, String body) {
        String header(String name) {
            for (var e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }

        JsonNode json() {
            return Json.parse(body);
        }
    }

    /** An answer: status and a JSON body (any value Jackson writes), or with a content type, that text as it is. */
    record Reply(int status, Object json, String contentType) {
        Reply(int status, Object json) {
            this(status, json, null);
        }

        static Reply ok(Object json) {
            return new Reply(200, json);
        }

        static Reply text(String contentType, String text) {
            return new Reply(200, text, contentType);
        }

        static Reply error(int status, String code, String message) {
            return new Reply(status, Map.of("error", code, "message", message));
        }
    }

    private final HttpServer server;
    private final ClasspathUi ui = new ClasspathUi();
    private final Map<String, Function<Call, Reply>> routes = new ConcurrentHashMap<>();
    private final Map<String, BlockingQueue<String>> streams = new ConcurrentHashMap<>();
    final List<Call> calls = new CopyOnWriteArrayList<>();
    final List<String> cspReports = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    private ConsoleStub(HttpServer server) {
        this.server = server;
    }

    static ConsoleStub start() {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            ConsoleStub stub = new ConsoleStub(s);
            s.createContext("/", stub::handle);
            s.setExecutor(Executors.newCachedThreadPool());
            s.start();
            if (!stub.ui.bundled()) {
                stub.close();
                throw new IllegalStateException("the gateway jar has no console bundle: build console/ first (bin/test does)");
            }
            return stub;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code http://127.0.0.1:PORT} */
    String origin() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String url(String path) {
        return origin() + path;
    }

    /** Answers {@code method path} (path under /api/v1, without the query) with {@code reply}. */
    ConsoleStub on(String method, String path, Function<Call, Reply> reply) {
        routes.put(method + " " + path, reply);
        return this;
    }

    ConsoleStub on(String method, String path, Object json) {
        return on(method, path, c -> Reply.ok(json));
    }

    /**
     * Answers {@code GET path} with a {@code text/event-stream} that sends whatever {@link #send}
     * puts on it, until {@link #end} or the client goes.
     */
    ConsoleStub stream(String path) {
        streams.put(path, new LinkedBlockingQueue<>());
        return this;
    }

    /** Sends one server-sent event on {@code path}'s stream. */
    void send(String path, String event, String data) {
        streams.get(path).add("event: " + event + "\ndata: " + data + "\n\n");
    }

    void end(String path) {
        send(path, "end", "{}");
        streams.get(path).add("");
    }

    /** The calls made to {@code method path} (the path's query included in {@link Call#path}). */
    List<Call> calls(String method, String path) {
        return calls.stream().filter(c -> c.method().equals(method) && c.path().split("\\?")[0].equals(path)).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String raw = ex.getRequestURI().getRawPath() + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery());
            String body = new String(ex.getRequestBody().readAllBytes(), UTF_8);
            ex.getResponseHeaders().set("X-Frame-Options", "DENY");
            ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
            ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
            if (path.equals("/csp-report")) {
                cspReports.add(body);
                ex.sendResponseHeaders(204, -1);
                return;
            }
            if (path.startsWith("/api/v1/")) {
                Call call = new Call(ex.getRequestMethod(), raw, Map.copyOf(ex.getRequestHeaders()), body);
                calls.add(call);
                ex.getResponseHeaders().set("Cache-Control", "no-store");
                BlockingQueue<String> stream = ex.getRequestMethod().equals("GET") ? streams.get(path.substring(7)) : null;
                if (stream != null) {
                    sse(ex, stream);
                    return;
                }
                Function<Call, Reply> route = routes.get(ex.getRequestMethod() + " " + path.substring(7));
                Reply reply = route == null ? Reply.error(404, "not_found", "no such endpoint in this stub") : route.apply(call);
                if (reply.contentType() != null) {
                    send(ex, reply.status(), reply.contentType(), String.valueOf(reply.json()).getBytes(UTF_8), Map.of());
                } else {
                    send(ex, reply.status(), "application/json", Json.MAPPER.writeValueAsBytes(reply.json()), Map.of());
                }
                return;
            }
            Optional<ConsoleUi.Resource> r = ui.resource(path, ex.getRequestHeaders().getFirst("If-None-Match"));
            if (r.isEmpty()) {
                send(ex, 404, "text/plain; charset=utf-8", "not found".getBytes(UTF_8), Map.of());
                return;
            }
            send(ex, r.get().body().status(), r.get().body().contentType(), r.get().body().bytes(), r.get().headers());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(HttpExchange ex, int status, String type, byte[] bytes, Map<String, String> headers) throws IOException {
        ex.getResponseHeaders().set("Content-Security-Policy", CSP + "; report-uri /csp-report");
        ex.getResponseHeaders().set("Content-Type", type);
        headers.forEach((k, v) -> ex.getResponseHeaders().set(k, k.equals("Content-Security-Policy") ? v + "; report-uri /csp-report" : v));
        ex.sendResponseHeaders(status, status == 304 || bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0 && status != 304) {
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private void sse(HttpExchange ex, BlockingQueue<String> stream) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        try {
            out.write(": open\n\n".getBytes(UTF_8));
            out.flush();
            while (!closed) {
                String next = stream.poll(100, TimeUnit.MILLISECONDS);
                if (next == null) {
                    out.write(":\n\n".getBytes(UTF_8)); // a comment: fails once the browser has gone
                    out.flush();
                    continue;
                }
                if (next.isEmpty()) {
                    break;
                }
                out.write(next.getBytes(UTF_8));
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException gone) {
            // the browser closed the stream
        } finally {
            out.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
    }
}
