package dev.gatehouse.policy;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Parses one item of the {@code apps:} section into an {@link App}, failing on the first problem
 * with a {@code file:line} error. Pure: the CA certificate is parsed from the YAML text, no file
 * or network is read.
 */
final class AppParser {
    private static final Set<String> FIELDS = Set.of("name", "nodes", "target", "login", "target_ca");
    /** A DNS label (RFC 1035 section 2.3.1) in lower case, short enough for {@code APP--NODE.apps.HOST}. */
    static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?");
    static final int MAX_NAME = 40;
    private static final String PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

    private final Set<String> forbiddenLower;
    /** App names already seen, to point a duplicate at the first definition. */
    private final Map<String, Integer> seen = new HashMap<>();

    /** @param forbiddenLower the lower-cased {@code forbidden_logins}, {@code root} included */
    AppParser(Set<String> forbiddenLower) {
        this.forbiddenLower = forbiddenLower;
    }

    /** Whether an app named {@code name} has been read. */
    boolean known(String name) {
        return seen.containsKey(name);
    }

    Set<String> names() {
        return seen.keySet();
    }

    App parse(ConfigNode item) {
        Map<String, ConfigNode> f = item.fields("an app", FIELDS);
        ConfigNode nameNode = ConfigNode.required(f, "name", item, "each app");
        String name = nameNode.nonEmptyString("app name");
        if (name.length() > MAX_NAME || !NAME.matcher(name).matches() || name.contains("--")) {
            throw nameNode.error("app name " + Names.quote(name) + " is not valid: it is the first label of the host name "
                    + "APP--NODE.apps.HOST, so use lower-case letters, digits and single '-', not at the start or end, "
                    + "at most " + MAX_NAME + " characters");
        }
        Integer first = seen.putIfAbsent(name, nameNode.line());
        if (first != null) {
            throw nameNode.error("duplicate app '" + name + "' (first defined on line " + first + "); app names must be unique");
        }
        String what = "app '" + name + "'";
        ConfigNode nodesNode = ConfigNode.required(f, "nodes", item, what);
        Map<String, String> selector = nodesNode.isNull() ? Map.of() : NodeParser.labels(nodesNode, what + " nodes");
        URI target = target(ConfigNode.required(f, "target", item, what), what);
        String login = login(ConfigNode.required(f, "login", item, what), what);
        boolean https = target.getScheme().equals("https");
        boolean loopback = ForwardTarget.loopback(target.getHost()).isPresent();
        ConfigNode caNode = f.get("target_ca");
        Optional<String> targetCa = Optional.empty();
        if (caNode != null && !caNode.isNull()) {
            if (!https) {
                throw caNode.error(what + " has target_ca but its target is http://, which is not verified; "
                        + "use an https:// target or remove target_ca");
            }
            targetCa = Optional.of(certificate(caNode, what));
        } else if (https && !loopback) {
            throw item.error(what + " needs 'target_ca' (the PEM of the CA that signs " + target.getHost()
                    + "'s certificate): gatehouse never trusts an https target it cannot verify");
        }
        return new App(name, selector, target, login, targetCa);
    }

    /** An absolute http(s) URL with a host: no userinfo, query or fragment, path empty or {@code /}. */
    private static URI target(ConfigNode node, String what) {
        String text = node.nonEmptyString(what + " target");
        String hint = "; write it like http://127.0.0.1:8888 or https://grafana.internal:3000";
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw node.error(what + " target " + Names.quote(text) + " is not a valid URL" + hint);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw node.error(what + " target " + Names.quote(text) + " must start with http:// or https://" + hint);
        }
        if (uri.isOpaque() || uri.getRawAuthority() == null) {
            throw node.error(what + " target " + Names.quote(text) + " has no host" + hint);
        }
        if (uri.getRawUserInfo() != null) {
            throw node.error(what + " target " + Names.quote(text) + " contains a user name or password; "
                    + "gatehouse sends none, remove the part before '@'");
        }
        if (uri.getHost() == null) {
            throw node.error(what + " target " + Names.quote(text) + " has no valid host name" + hint);
        }
        java.util.Optional<String> hostProblem = TargetHost.problem(uri.getHost());
        if (hostProblem.isPresent()) {
            throw node.error(what + " target " + Names.quote(text) + ": host " + Names.quote(uri.getHost()) + " "
                    + hostProblem.get());
        }
        if (uri.getPort() == 0 || uri.getPort() > PortRange.MAX_PORT) {
            throw node.error(what + " target " + Names.quote(text) + " has port " + uri.getPort()
                    + "; use a number from 1 to " + PortRange.MAX_PORT);
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw node.error(what + " target " + Names.quote(text) + " has a query or fragment; "
                    + "give only scheme, host and port, requests keep their own");
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        if (!path.isEmpty() && !path.equals("/")) {
            throw node.error(what + " target " + Names.quote(text) + " has path " + Names.quote(path)
                    + "; the app is proxied at its root, so give only scheme, host and port");
        }
        try {
            // Lower-case scheme and the host as written, without the optional trailing '/'.
            return new URI(scheme, null, uri.getHost().startsWith("[")
                    ? uri.getHost().substring(1, uri.getHost().length() - 1) : uri.getHost(), uri.getPort(), null, null, null);
        } catch (URISyntaxException e) {
            throw node.error(what + " target " + Names.quote(text) + " is not a valid URL" + hint);
        }
    }

    /** The app's node login: well formed, never root, never forbidden (the rule roles follow). */
    private String login(ConfigNode node, String what) {
        String login = node.nonEmptyString(what + " login");
        LoginNames.problem(login).ifPresent(p -> {
            throw node.error(what + ": " + p);
        });
        if (login.equalsIgnoreCase(LoginNames.ROOT)) {
            throw node.error(what + " uses login '" + login + "', which is always forbidden, for apps as for roles");
        }
        if (forbiddenLower.contains(login.toLowerCase(Locale.ROOT))) {
            throw node.error(what + " uses login '" + login + "', which forbidden_logins refuses (for apps as for roles); "
                    + "remove one of the two");
        }
        return login;
    }

    /** PEM text holding one or more X.509 certificates (RFC 7468 section 5) and nothing secret. */
    private static String certificate(ConfigNode node, String what) {
        String pem = node.nonEmptyString(what + " target_ca");
        if (pem.contains("PRIVATE KEY")) {
            throw node.error(what + " target_ca contains a private key; give only the CA certificate and keep the key "
                    + "out of the policy");
        }
        if (!pem.startsWith(PEM_CERTIFICATE)) {
            throw node.error(what + " target_ca must be the PEM text of a CA certificate, starting with "
                    + PEM_CERTIFICATE + " (write it as a block: target_ca: |)");
        }
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            if (factory.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))).isEmpty()) {
                throw node.error(what + " target_ca holds no certificate");
            }
        } catch (CertificateException | IllegalArgumentException e) {
            throw node.error(what + " target_ca is not a readable PEM certificate; paste the whole block, "
                    + "BEGIN and END lines included");
        }
        return pem + "\n";
    }
}
