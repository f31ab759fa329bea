package dev.gatehouse.gateway.web.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The console's pages and assets from the classpath folder {@code console-ui/}, which the build
 * fills from {@code console/dist} (the {@code console/} npm project: {@code npm ci && npm run build}).
 *
 * <p>Paths: the page paths {@code /}, {@code /requests}, {@code /grants}, {@code /locks},
 * {@code /live}, {@code /sessions}, {@code /sessions/{id}}, {@code /audit}, {@code /me} answer
 * their HTML shell ({@code console-ui/pages/NAME.html}, {@code Cache-Control: no-cache}); assets
 * answer {@code /assets/DIR/.../NAME.EXT} from {@code console-ui/assets/} with a strong ETag (the
 * first 128 bits of the SHA-256 of the bytes, base64url) and {@code Cache-Control: no-cache}, so a
 * browser revalidates and gets a 304 while the jar is the same. Only the extensions in
 * {@link #TYPES} are served, each with its media type. Anything else, and any path with a segment
 * that starts with a dot, a backslash, a NUL or a colon (path traversal, CWE-22), is empty (404).
 *
 * <p>When the jar was built without the console bundle (Maven alone, without {@code npm run build}),
 * page paths answer 503 with a page that says so, and assets are empty.
 */
public final class ClasspathUi implements ConsoleUi {
    /** The classpath folder the bundle is under. */
    public static final String ROOT = "console-ui/";

    /** Served extensions and their media types (RFC 9239 for JavaScript, RFC 8081 for fonts). */
    static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/vnd.microsoft.icon"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("txt", "text/plain; charset=utf-8"));

    /**
     * The session page's policy ({@link ConsoleHeaders#PLAYER_CSP}): the terminal player renders
     * with a WebAssembly module, which the console's default policy refuses to compile. Only the
     * page that runs the player gets it.
     */
    public static final String PLAYER_CSP = ConsoleHeaders.PLAYER_CSP;

    private static final Map<String, String> PAGES = Map.of(
            "/", "index", "/requests", "requests", "/grants", "grants", "/locks", "locks", "/live", "live",
            "/sessions", "sessions", "/audit", "audit", "/me", "me");
    private static final String SESSION_PAGE = "session";
    /** A session id as the shell prints them: one path segment of letters, digits, {@code - _ .}, not starting with a dot. */
    private static final Pattern SESSION_PATH = Pattern.compile("/sessions/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}");
    /** {@code /assets/} then segments of letters, digits, {@code - _ .} that never start with a dot, the last with an extension. */
    private static final Pattern ASSET_PATH = Pattern.compile(
            "/assets/(?:[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}/){0,4}[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}\\.([A-Za-z0-9]{1,8})");

    static final String MISSING_BUNDLE = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Console not built · Gatehouse</title></head>
            <body><main><h1>The console's pages are not in this build</h1>
            <p>This gateway jar was built without the console bundle (console/dist). Build it with
            <code>bin/run</code> or <code>bin/test</code>, or by hand: <code>cd console &amp;&amp; npm ci &amp;&amp; npm run build</code>,
            then <code>mvn -B package</code>. The JSON API under /api/v1/ works without it.</p></main></body></html>
            """;

    private final ClassLoader loader;
    private final Map<String, Resource> loaded = new ConcurrentHashMap<>();
    private final boolean bundled;

    /** Serves the bundle from this class's own class loader (the gateway jar). */
    public ClasspathUi() {
        this(ClasspathUi.class.getClassLoader());
    }

    /** Serves the bundle under {@link #ROOT} of {@code loader}. */
    public ClasspathUi(ClassLoader loader) {
        this.loader = loader;
        this.bundled = loader.getResource(ROOT + "pages/index.html") != null;
    }

    /** Whether the jar holds the console bundle (else pages say how to build it). */
    public boolean bundled() {
        return bundled;
    }

    @Override
    public Optional<ApiResponse.Body> get(String path) {
        return resource(path, null).map(Resource::body);
    }

    @Override
    public Optional<Resource> resource(String path, String ifNoneMatch) {
        Optional<String> name = resourceName(path);
        if (name.isEmpty()) {
            return Optional.empty();
        }
        boolean page = name.get().startsWith("pages/");
        if (!bundled) {
            return page ? Optional.of(new Resource(new ApiResponse.Body(503, TYPES.get("html"),
                    MISSING_BUNDLE.getBytes(StandardCharsets.UTF_8), null), Map.of("Cache-Control", "no-store")))
                    : Optional.empty();
        }
        Resource r = loaded.get(name.get());
        if (r == null) {
            r = load(name.get()).orElse(null);
            if (r == null) {
                return Optional.empty(); // misses are not kept: the map holds only files that exist
            }
            loaded.putIfAbsent(name.get(), r);
        }
        String etag = r.headers().get("ETag");
        if (ifNoneMatch != null && etag != null && matches(ifNoneMatch, etag)) {
            return Optional.of(new Resource(new ApiResponse.Body(304, r.body().contentType(), new byte[0], null), r.headers()));
        }
        return Optional.of(r);
    }

    /**
     * The classpath name under {@link #ROOT} for a request path: {@code pages/NAME.html} for a page
     * path, {@code assets/...} for a well-formed asset path with a served extension; empty otherwise.
     */
    static Optional<String> resourceName(String path) {
        if (path == null) {
            return Optional.empty();
        }
        String page = PAGES.get(path);
        if (page != null) {
            return Optional.of("pages/" + page + ".html");
        }
        if (SESSION_PATH.matcher(path).matches()) {
            return Optional.of("pages/" + SESSION_PAGE + ".html");
        }
        var m = ASSET_PATH.matcher(path);
        if (m.matches() && TYPES.containsKey(m.group(1).toLowerCase(Locale.ROOT))) {
            return Optional.of(path.substring(1));
        }
        return Optional.empty();
    }

    private Optional<Resource> load(String name) {
        byte[] bytes;
        try (InputStream in = loader.getResourceAsStream(ROOT + name)) {
            if (in == null) {
                return Optional.empty();
            }
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + ROOT + name + " from the classpath", e);
        }
        String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        String etag = "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(bytes, 16)) + "\"";
        Map<String, String> headers = name.equals("pages/" + SESSION_PAGE + ".html")
                ? Map.of("ETag", etag, "Cache-Control", "no-cache", "Content-Security-Policy", PLAYER_CSP)
                : Map.of("ETag", etag, "Cache-Control", "no-cache");
        return Optional.of(new Resource(new ApiResponse.Body(200, TYPES.get(ext), bytes, null), headers));
    }

    /** Whether an If-None-Match value ({@code *} or a list of entity tags, weak or strong) names {@code etag} (RFC 9110 section 13.1.2: weak comparison). */
    private static boolean matches(String ifNoneMatch, String etag) {
        for (String tag : ifNoneMatch.split(",")) {
            String t = tag.strip();
            if (t.equals("*") || t.equals(etag) || (t.startsWith("W/") && t.substring(2).equals(etag))) {
                return true;
            }
        }
        return false;
    }

    private static byte[] sha256(byte[] bytes, int keep) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            return java.util.Arrays.copyOf(d, keep);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java platform", e);
        }
    }
}
