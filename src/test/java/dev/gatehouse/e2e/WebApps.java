package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * What the HTTPS app tests share: the gateway options (web on, the apps policy), the browser-style
 * cookie flow done with curl (web-login ticket → console cookie → launch → app cookie), and audit
 * field access that does not care whether a field sits in the event's columns or its details.
 */
final class WebApps {
    /** The console's session cookie and the app host's, as the contract names them. */
    static final String CONSOLE_COOKIE = "__Host-gatehouse";
    static final String APP_COOKIE = "__Host-gatehouse-app";

    private WebApps() {}

    /**
     * Options for a gateway with the HTTPS listener on ({@code webLines} extra) and
     * {@link GatewayFiles#appsPolicy} over {@code targets} (app name → node-local URL, in order).
     */
    static Gateway.Options options(Map<String, String> targets, String... webLines) {
        Map<String, String> apps = new LinkedHashMap<>(targets);
        return new Gateway.Options().users(GatewayFiles.APPS_USERS)
                .policy(gw -> GatewayFiles.appsPolicy(gw, apps))
                .web(webLines);
    }

    /** An audit field by its contract name, from the event's own columns or else its details. */
    static String field(JsonNode event, String name) {
        String top = Json.text(event, name);
        return top.isEmpty() ? Json.detail(event, name) : top;
    }

    /** Matches events of {@code type} whose named fields equal the given values ({@code name, value, ...}). */
    static Predicate<JsonNode> event(String type, String... nameValues) {
        return e -> {
            if (!Json.type(type).test(e)) {
                return false;
            }
            for (int i = 0; i < nameValues.length; i += 2) {
                if (!nameValues[i + 1].equals(field(e, nameValues[i]))) {
                    return false;
                }
            }
            return true;
        };
    }

    /**
     * Waits for an {@code app.session.end} of one of {@code user}'s sessions on {@code app}
     * ({@code app.session.end} names only the session id, so the starts tell whose it was).
     */
    static JsonNode awaitSessionEnd(Gateway gw, String user, String app) {
        JsonNode[] found = new JsonNode[1];
        org.awaitility.Awaitility.await("app.session.end of a session of " + user + " on " + app)
                .atMost(java.time.Duration.ofSeconds(20)).pollInterval(java.time.Duration.ofMillis(300)).until(() -> {
                    java.util.List<JsonNode> log = gw.auditLog();
                    java.util.Set<String> ids = new java.util.HashSet<>();
                    log.stream().filter(event("app.session.start", "user", user, "app", app))
                            .forEach(e -> ids.add(field(e, "session_id")));
                    found[0] = log.stream().filter(e -> Json.type("app.session.end").test(e) && ids.contains(field(e, "session_id")))
                            .findFirst().orElse(null);
                    return found[0] != null;
                });
        return found[0];
    }

    /** The {@code NAME=VALUE} pair of the response's Set-Cookie for {@code name}; fails when not set. */
    static String cookie(Web.Response r, String name) {
        return r.headers("set-cookie").stream().filter(c -> c.startsWith(name + "="))
                .map(c -> c.split(";", 2)[0].trim()).findFirst()
                .orElseThrow(() -> new AssertionError("no Set-Cookie " + name + "\n" + r.describe()));
    }

    /** The full Set-Cookie line for {@code name} (attributes included). */
    static String setCookieLine(Web.Response r, String name) {
        return r.headers("set-cookie").stream().filter(c -> c.startsWith(name + "=")).findFirst()
                .orElseThrow(() -> new AssertionError("no Set-Cookie " + name + "\n" + r.describe()));
    }

    /** Opens {@code user}'s web-login URL with curl; returns the console cookie ({@code __Host-gatehouse=...}). */
    static String consoleCookie(Gateway gw, Web web, Gateway.User user) {
        Web.Response r = web.request(Web.webLogin(gw, user));
        assertThat(r.status()).as("the login URL redirects to the console\n" + r.describe()).isEqualTo(302);
        return cookie(r, CONSOLE_COOKIE);
    }

    /**
     * The launch flow as a browser follows it, with curl: the console's {@code /launch} (console
     * cookie) redirects to the app host's {@code /.gatehouse/launch?token=...}, which sets the app
     * cookie. Returns the app cookie ({@code __Host-gatehouse-app=...}).
     */
    static String appCookie(Web web, String consoleCookie, String app, String node, String path) {
        Web.Response launch = web.request(web.consoleUrl("/launch?to=" + app + "--" + node + "&path="
                + java.net.URLEncoder.encode(path, StandardCharsets.UTF_8)),
                "-H", "Cookie: " + consoleCookie);
        assertThat(launch.status()).as("console /launch redirects to the app host\n" + launch.describe()).isEqualTo(302);
        String to = launch.header("location");
        assertThat(to).as(launch.describe()).startsWith(web.appUrl(app, node, "/.gatehouse/launch?"));
        Web.Response set = web.request(to);
        assertThat(set.status()).as("the app host's launch sets its cookie and redirects\n" + set.describe()).isEqualTo(302);
        return cookie(set, APP_COOKIE);
    }

    /** A query parameter of {@code url}, decoded; "" when absent. */
    static String queryParam(String url, String name) {
        String q = URI.create(url).getRawQuery();
        if (q == null) {
            return "";
        }
        for (String pair : q.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            if (k.equals(name)) {
                return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return "";
    }
}
