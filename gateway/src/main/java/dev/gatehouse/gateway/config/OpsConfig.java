package dev.gatehouse.gateway.config;

import dev.gatehouse.policy.ConfigNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Loads {@code ops:} and {@code audit:} of {@code gatehouse.yaml}; problems are reported as {@code file:line}. */
final class OpsConfig {
    /** RFC 5424 section 6.2.1 facility names, by code. */
    private static final Map<String, Integer> FACILITIES = Map.ofEntries(Map.entry("kern", 0), Map.entry("user", 1),
            Map.entry("mail", 2), Map.entry("daemon", 3), Map.entry("auth", 4), Map.entry("syslog", 5), Map.entry("lpr", 6),
            Map.entry("news", 7), Map.entry("uucp", 8), Map.entry("cron", 9), Map.entry("authpriv", 10),
            Map.entry("ftp", 11), Map.entry("local0", 16), Map.entry("local1", 17), Map.entry("local2", 18),
            Map.entry("local3", 19), Map.entry("local4", 20), Map.entry("local5", 21), Map.entry("local6", 22),
            Map.entry("local7", 23));

    private OpsConfig() {}

    static GatewayConfig.Ops ops(ConfigNode node) {
        GatewayConfig.Ops d = GatewayConfig.Ops.defaults();
        if (node == null) {
            return d;
        }
        Map<String, ConfigNode> f = node.fields("ops", Set.of("enabled", "listen", "hosts"));
        boolean enabled = f.containsKey("enabled") ? f.get("enabled").bool("ops.enabled") : d.enabled();
        List<String> hosts = new ArrayList<>();
        if (f.containsKey("hosts")) {
            for (ConfigNode item : f.get("hosts").list("ops.hosts")) {
                String name = opsHost(item);
                if (!hosts.contains(name)) {
                    hosts.add(name);
                }
            }
        }
        return new GatewayConfig.Ops(enabled,
                f.containsKey("listen") ? ConfigLoader.address(f.get("listen"), "ops.listen") : d.listen(), hosts);
    }

    /** One DNS label (RFC 1123 section 2.1: letters, digits, '-' inside, 1 to 63 characters), lower case. */
    private static final String LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";

    /**
     * One {@code ops.hosts} entry: a DNS host name (RFC 1123 section 2.1 labels, at most 253
     * characters, a last label that is not all digits), returned in lower case without a trailing
     * dot. IP literals are refused (they are always accepted, so listing one suggests a
     * misunderstanding), and so are ports, schemes, paths and wildcards.
     */
    private static String opsHost(ConfigNode item) {
        String text = item.nonEmptyString("each item of ops.hosts");
        String shown = dev.gatehouse.policy.Printable.escape(text);
        String name = text.toLowerCase(Locale.ROOT);
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        String bare = name.startsWith("[") && name.endsWith("]") ? name.substring(1, name.length() - 1) : name;
        if (io.netty.util.NetUtil.isValidIpV4Address(bare) || io.netty.util.NetUtil.isValidIpV6Address(bare)) {
            throw item.error("ops.hosts lists DNS names only: '" + shown + "' is an IP address, and requests naming"
                    + " an IP address are always answered; remove it");
        }
        if (name.contains("*")) {
            throw item.error("ops.hosts takes no wildcards: list each name a scraper uses, such as"
                    + " gatehouse-1.mgmt.example, not '" + shown + "'");
        }
        if (name.length() > 253 || !name.matches(LABEL + "(\\." + LABEL + ")*") || name.matches("(.*\\.)?[0-9]+")) {
            throw item.error("ops.hosts entries must be DNS names such as gatehouse-1.mgmt.example (letters, digits, '-'"
                    + " and '.', without port, scheme or path), not '" + shown + "'");
        }
        return name;
    }

    /**
     * {@code instance:}: a name of 1 to 64 letters, digits, '.', '_' or '-' (it is shown in listings);
     * {@code dead_after} longer than {@code heartbeat}, so one late heartbeat does not kill an instance;
     * {@code advertise} a DNS name or an IP literal other than a wildcard (no port: the listeners' are used).
     */
    static GatewayConfig.Instance instance(ConfigNode node) {
        GatewayConfig.Instance d = GatewayConfig.Instance.defaults();
        if (node == null) {
            return d;
        }
        Map<String, ConfigNode> f = node.fields("instance", Set.of("name", "heartbeat", "dead_after", "advertise"));
        Optional<String> name = ConfigNode.optional(f, "name").map(n -> {
            String text = n.nonEmptyString("instance.name");
            if (!text.matches("[A-Za-z0-9._-]{1,64}")) {
                throw n.error("instance.name must be 1 to 64 letters, digits, '.', '_' or '-', such as gw-a");
            }
            return text;
        });
        java.time.Duration heartbeat = f.containsKey("heartbeat")
                ? ConfigLoader.positive(f.get("heartbeat"), "instance.heartbeat") : d.heartbeat();
        java.time.Duration deadAfter = f.containsKey("dead_after")
                ? ConfigLoader.positive(f.get("dead_after"), "instance.dead_after") : d.deadAfter();
        if (deadAfter.compareTo(heartbeat) <= 0) {
            ConfigNode at = f.containsKey("dead_after") ? f.get("dead_after") : f.get("heartbeat");
            throw at.error("instance.dead_after (" + deadAfter.toMillis() + " ms) must be longer than instance.heartbeat ("
                    + heartbeat.toMillis() + " ms): a few missed heartbeats make an instance dead, not one");
        }
        Optional<String> advertise = ConfigNode.optional(f, "advertise").map(n -> advertise(n));
        return new GatewayConfig.Instance(name, heartbeat, deadAfter, advertise);
    }

    private static String advertise(ConfigNode n) {
        String host = n.nonEmptyString("instance.advertise");
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        boolean ipv6 = bare.indexOf(':') >= 0 && org.apache.sshd.common.util.net.SshdSocketAddress.isIPv6Address(bare);
        if (!ipv6 && !bare.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")) {
            throw n.error("instance.advertise must be a host name or an IP address the other instances reach this one at"
                    + " (no port: the listeners' ports are used), such as gw-a.internal or 10.0.0.5, not '"
                    + dev.gatehouse.policy.Printable.escape(host) + "'");
        }
        if (bare.equals("0.0.0.0") || (ipv6 && bare.replace("0", "").replace(":", "").isEmpty())) {
            throw n.error("instance.advertise must be an address the other instances can call, not the wildcard " + host);
        }
        return bare;
    }

    static GatewayConfig.Audit audit(ConfigNode node, Path base) {
        if (node == null) {
            return new GatewayConfig.Audit(Optional.empty());
        }
        Map<String, ConfigNode> f = node.fields("audit", Set.of("syslog"));
        return new GatewayConfig.Audit(ConfigNode.optional(f, "syslog").map(n -> syslog(n, base)));
    }

    private static GatewayConfig.Syslog syslog(ConfigNode node, Path base) {
        Map<String, ConfigNode> f = node.fields("audit.syslog", Set.of("host", "port", "tls", "ca_file", "app_name", "facility"));
        String host = ConfigNode.required(f, "host", node, "audit.syslog").nonEmptyString("audit.syslog.host");
        if (!host.matches("[A-Za-z0-9.:\\-\\[\\]]+")) {
            throw f.get("host").error("audit.syslog.host must be a host name or an address, not '" + host + "'");
        }
        boolean tls = f.containsKey("tls") && f.get("tls").bool("audit.syslog.tls");
        int port = f.containsKey("port") ? f.get("port").integer("audit.syslog.port", 1, 65535) : tls ? 6514 : 514;
        Optional<Path> ca = ConfigNode.optional(f, "ca_file").map(n -> base.resolve(n.nonEmptyString("audit.syslog.ca_file")).normalize());
        if (tls && ca.isEmpty()) {
            throw node.error("audit.syslog.tls is true but ca_file is missing: name the PEM file of the CA that signed the"
                    + " receiver's certificate");
        }
        if (!tls && ca.isPresent()) {
            throw f.get("ca_file").error("audit.syslog.ca_file is only used with tls: true; set tls: true or remove ca_file");
        }
        if (ca.isPresent() && !Files.isRegularFile(ca.get())) {
            throw f.get("ca_file").error("audit.syslog.ca_file: file " + ca.get() + " does not exist");
        }
        String app = "gatehouse";
        if (f.containsKey("app_name")) {
            app = f.get("app_name").nonEmptyString("audit.syslog.app_name");
            if (app.length() > 48 || !app.chars().allMatch(c -> c >= 33 && c <= 126)) {
                throw f.get("app_name").error("audit.syslog.app_name must be 1 to 48 printable ASCII characters without"
                        + " spaces (RFC 5424 APP-NAME), not '" + dev.gatehouse.policy.Printable.escape(app) + "'");
            }
        }
        int facility = 10;
        if (f.containsKey("facility")) {
            ConfigNode n = f.get("facility");
            String text = n.nonEmptyString("audit.syslog.facility").toLowerCase(Locale.ROOT);
            Integer code = FACILITIES.get(text);
            if (code == null && text.matches("\\d{1,2}")) {
                code = Integer.parseInt(text);
            }
            if (code == null || code > 23) {
                throw n.error("audit.syslog.facility must be a facility name (auth, authpriv, daemon, local0 .. local7, ...)"
                        + " or a code 0 to 23, not '" + dev.gatehouse.policy.Printable.escape(text) + "'");
            }
            facility = code;
        }
        return new GatewayConfig.Syslog(host, port, tls, ca, app, facility);
    }
}
