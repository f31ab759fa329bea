package dev.gatehouse.gateway.web.oidc;

import dev.gatehouse.pki.Secret;
import dev.gatehouse.policy.ConfigException;
import dev.gatehouse.policy.ConfigNode;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The {@code web.oidc} section of {@code gatehouse.yaml}: browser login through an OpenID
 * Connect provider (OpenID Connect Core 1.0, authorization code flow, with PKCE per RFC 7636).
 *
 * @param issuer the provider's issuer identifier; its metadata is read from
 *     {@code ISSUER/.well-known/openid-configuration} (OpenID Connect Discovery 1.0 section 4).
 *     {@code https://}, or {@code http://} only for a loopback host (tests, a local provider)
 * @param clientId the client id the provider registered for the gateway; every ID token's
 *     {@code aud} must contain it
 * @param clientSecretEnv the name of the environment variable holding the client secret (sent
 *     with HTTP Basic, RFC 6749 section 2.3.1); empty for a public client, which relies on PKCE alone
 * @param userClaim the ID token claim that names the gateway user: {@code preferred_username}
 *     (the default), {@code email} (only when {@code email_verified} is true) or {@code sub}
 * @param scopes the scopes asked for; always includes {@code openid}
 * @param redirectUri the callback registered at the provider; empty means
 *     {@code https://HOSTNAME:PORT/login/oidc/callback} (see {@link #redirectUri(String, int)})
 */
public record OidcConfig(URI issuer, String clientId, Optional<String> clientSecretEnv, String userClaim,
        List<String> scopes, Optional<URI> redirectUri) {

    /** The claims {@code user_claim} may name. */
    public static final Set<String> USER_CLAIMS = Set.of("preferred_username", "email", "sub");
    /** Scopes asked for when {@code scopes} is not set. */
    public static final List<String> DEFAULT_SCOPES = List.of("openid", "profile", "email");
    /** The console-host path of the callback (the front routes it to {@link OidcLogin#finish}). */
    public static final String CALLBACK_PATH = "/login/oidc/callback";

    private static final Set<String> FIELDS = Set.of("issuer", "client_id", "client_secret_env", "user_claim", "scopes",
            "redirect_uri");
    /** RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
    private static final Pattern SCOPE_TOKEN = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]+");
    /** Environment variable names as POSIX shells accept them. */
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    public OidcConfig {
        Objects.requireNonNull(issuer, "issuer");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(clientSecretEnv, "clientSecretEnv");
        Objects.requireNonNull(userClaim, "userClaim");
        scopes = List.copyOf(scopes);
        Objects.requireNonNull(redirectUri, "redirectUri");
        if (!USER_CLAIMS.contains(userClaim)) {
            throw new IllegalArgumentException("userClaim must be one of " + USER_CLAIMS + ", not " + userClaim);
        }
        if (!scopes.contains("openid")) {
            throw new IllegalArgumentException("scopes must include openid");
        }
    }

    /**
     * Reads the {@code web.oidc} mapping. Errors are {@link ConfigException}s located at the
     * offending value ({@code file:line: what is wrong and what to do}).
     */
    public static OidcConfig parse(ConfigNode node) {
        Map<String, ConfigNode> f = node.fields("web.oidc", FIELDS);
        URI issuer = url(ConfigNode.required(f, "issuer", node, "web.oidc"), "web.oidc.issuer");
        if (issuer.getRawQuery() != null || issuer.getRawFragment() != null) {
            throw f.get("issuer").error("web.oidc.issuer must have no query or fragment (OpenID Connect Discovery"
                    + " section 2), not '" + issuer + "'");
        }
        String clientId = ConfigNode.required(f, "client_id", node, "web.oidc").nonEmptyString("web.oidc.client_id");
        Optional<String> secretEnv = ConfigNode.optional(f, "client_secret_env").map(n -> {
            String name = n.nonEmptyString("web.oidc.client_secret_env");
            if (!ENV_NAME.matcher(name).matches()) {
                throw n.error("web.oidc.client_secret_env names an environment variable (such as OIDC_CLIENT_SECRET),"
                        + " not '" + name + "'; put the secret itself in that variable");
            }
            return name;
        });
        String userClaim = "preferred_username";
        if (f.containsKey("user_claim")) {
            ConfigNode c = f.get("user_claim");
            userClaim = c.nonEmptyString("web.oidc.user_claim");
            if (!USER_CLAIMS.contains(userClaim)) {
                throw c.error("web.oidc.user_claim must be one of preferred_username, email, sub; not '" + userClaim + "'");
            }
        }
        List<String> scopes = DEFAULT_SCOPES;
        if (f.containsKey("scopes")) {
            ConfigNode s = f.get("scopes");
            List<String> listed = new ArrayList<>();
            for (ConfigNode item : s.list("web.oidc.scopes")) {
                String scope = item.nonEmptyString("web.oidc.scopes");
                if (!SCOPE_TOKEN.matcher(scope).matches()) {
                    throw item.error("'" + scope + "' is not a scope (RFC 6749 section 3.3: printable, no spaces or quotes)");
                }
                if (!listed.contains(scope)) {
                    listed.add(scope);
                }
            }
            if (!listed.contains("openid")) {
                throw s.error("web.oidc.scopes must include openid, or the provider returns no ID token");
            }
            scopes = listed;
        }
        Optional<URI> redirect = ConfigNode.optional(f, "redirect_uri").map(n -> {
            URI uri = url(n, "web.oidc.redirect_uri");
            if (uri.getRawFragment() != null) {
                throw n.error("web.oidc.redirect_uri must have no fragment (RFC 6749 section 3.1.2)");
            }
            if (!CALLBACK_PATH.equals(uri.getRawPath())) {
                throw n.error("web.oidc.redirect_uri must end in " + CALLBACK_PATH + " (the gateway's callback), not '"
                        + uri + "'");
            }
            return uri;
        });
        return new OidcConfig(issuer, clientId, secretEnv, userClaim, scopes, redirect);
    }

    /** The configured redirect URI, or {@code https://HOSTNAME:PORT/login/oidc/callback}. */
    public URI redirectUri(String hostname, int port) {
        return redirectUri.orElseGet(() -> URI.create("https://" + hostname + ":" + port + CALLBACK_PATH));
    }

    /**
     * The client secret from the environment ({@code env} is {@code System::getenv} in the gateway),
     * or empty for a public client.
     *
     * @throws IllegalStateException when {@code client_secret_env} names a variable that is unset or empty
     */
    public Optional<Secret> clientSecret(Function<String, String> env) {
        if (clientSecretEnv.isEmpty()) {
            return Optional.empty();
        }
        String value = env.apply(clientSecretEnv.get());
        if (value == null || value.isEmpty()) {
            throw new IllegalStateException("web.oidc.client_secret_env names " + clientSecretEnv.get()
                    + ", which is not set; export the client secret in it, or remove client_secret_env for a public client");
        }
        return Optional.of(Secret.of(value));
    }

    /** An absolute {@code https://} URL, or {@code http://} to a loopback host. */
    private static URI url(ConfigNode n, String what) {
        String text = n.nonEmptyString(what);
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw n.error(what + " is not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw n.error(what + " must be an https:// URL with a host, not '" + text + "'");
        }
        if (uri.getRawUserInfo() != null) {
            throw n.error(what + " must not carry a user name or password");
        }
        if (scheme.equals("http") && !isLoopback(uri.getHost())) {
            throw n.error(what + " must use https:// (http:// is accepted only for a loopback host such as 127.0.0.1),"
                    + " not '" + text + "'");
        }
        return uri;
    }

    /** True for {@code localhost} and literal loopback addresses; never resolves a name. */
    static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!h.matches("[0-9.]+|[0-9A-Fa-f:.]+") || !h.matches(".*[.:].*")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
