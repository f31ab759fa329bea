package dev.gatehouse.gateway.config;

import dev.gatehouse.gateway.ssh.Algorithms;
import dev.gatehouse.policy.ConfigException;
import dev.gatehouse.policy.ConfigNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/** Loads {@code gatehouse.yaml} into a {@link GatewayConfig}, reporting the first problem as {@code file:line}. */
public final class ConfigLoader {
    private static final Pattern CIDR = Pattern.compile("[0-9A-Fa-f:.]+/\\d{1,3}");

    private ConfigLoader() {}

    public static GatewayConfig load(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        String text;
        try {
            text = Files.readString(absolute, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ConfigException(file.toString(), 1, "configuration file not found (pass --config FILE)");
        } catch (IOException e) {
            throw new ConfigException(file.toString(), 1, "cannot read configuration: " + e.getMessage());
        }
        return parse(text, file.toString(), absolute.getParent());
    }

    /** Parses configuration text; relative paths resolve against {@code base}. */
    public static GatewayConfig parse(String text, String source, Path base) {
        ConfigNode root = ConfigNode.parse(text, source);
        Map<String, ConfigNode> top = root.fields("the configuration",
                Set.of("data_dir", "ssh", "store", "certificates", "recording", "keys", "elevation", "policy", "web",
                "ops", "audit", "instance"));

        Path dataDir = base.resolve(ConfigNode.optional(top, "data_dir")
                .map(n -> n.nonEmptyString("data_dir")).orElse("../data")).normalize();

        GatewayConfig.Ssh ssh = ssh(top.get("ssh"), root);
        GatewayConfig.Store store = store(top.get("store"), base, dataDir);
        GatewayConfig.Certificates certificates = certificates(top.get("certificates"));
        GatewayConfig.Recording recording = recording(top.get("recording"));
        GatewayConfig.Keys keys = keys(top.get("keys"), base);
        GatewayConfig.Elevation elevation = elevation(top.get("elevation"));
        Path policy = base.resolve(ConfigNode.required(top, "policy", root, "the configuration")
                .nonEmptyString("policy")).normalize();
        GatewayConfig.Web web = web(top.get("web"), base);
        GatewayConfig.Ops ops = OpsConfig.ops(top.get("ops"));
        GatewayConfig.Audit audit = OpsConfig.audit(top.get("audit"), base);
        GatewayConfig.Instance instance = OpsConfig.instance(top.get("instance"));
        return new GatewayConfig(base.resolve(Path.of(source).getFileName().toString()), dataDir, ssh, store,
                certificates, recording, keys, elevation, policy, web, ops, audit, instance);
    }

    private static GatewayConfig.Ssh ssh(ConfigNode node, ConfigNode root) {
        InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 2222);
        Duration idle = Duration.ofMinutes(30);
        int attempts = 3;
        int failures = 10;
        int refusedQueries = 600;
        int unauthenticated = 20;
        Duration connect = Duration.ofSeconds(10);
        List<String> kex = Algorithms.DEFAULT_KEX;
        List<String> ciphers = Algorithms.DEFAULT_CIPHERS;
        List<String> upstreamKex = Algorithms.DEFAULT_UPSTREAM_KEX;
        int ioThreads = GatewayConfig.Ssh.defaultIoThreads();
        Optional<GatewayConfig.ProxyProtocol> proxy = Optional.empty();
        if (node != null) {
            Map<String, ConfigNode> f = node.fields("ssh", Set.of("listen", "idle_timeout", "max_auth_attempts",
                    "auth_failures_per_minute", "refused_key_queries_per_minute", "max_unauthenticated_per_source",
                    "upstream_connect_timeout", "kex", "ciphers", "upstream_kex", "io_threads", "proxy_protocol"));
            proxy = ProxyProtocolConfig.parse(f.get("proxy_protocol"), "ssh.proxy_protocol");
            if (f.containsKey("io_threads")) {
                ioThreads = f.get("io_threads").integer("ssh.io_threads", 1, 256);
            }
            if (f.containsKey("kex")) {
                kex = algorithms(f.get("kex"), "ssh.kex", Algorithms.KEX.keySet());
            }
            if (f.containsKey("ciphers")) {
                ciphers = algorithms(f.get("ciphers"), "ssh.ciphers", Algorithms.CIPHERS.keySet());
            }
            if (f.containsKey("upstream_kex")) {
                upstreamKex = algorithms(f.get("upstream_kex"), "ssh.upstream_kex", Algorithms.KEX.keySet());
            }
            if (f.containsKey("listen")) {
                listen = address(f.get("listen"), "ssh.listen");
            }
            if (f.containsKey("idle_timeout")) {
                idle = positive(f.get("idle_timeout"), "ssh.idle_timeout");
            }
            if (f.containsKey("max_auth_attempts")) {
                attempts = f.get("max_auth_attempts").integer("ssh.max_auth_attempts", 1, 6);
            }
            if (f.containsKey("auth_failures_per_minute")) {
                failures = f.get("auth_failures_per_minute").integer("ssh.auth_failures_per_minute", 1, 10_000);
            }
            if (f.containsKey("refused_key_queries_per_minute")) {
                refusedQueries = f.get("refused_key_queries_per_minute").integer("ssh.refused_key_queries_per_minute", 1, 100_000);
            }
            if (f.containsKey("max_unauthenticated_per_source")) {
                unauthenticated = f.get("max_unauthenticated_per_source").integer("ssh.max_unauthenticated_per_source", 1, 10_000);
            }
            if (f.containsKey("upstream_connect_timeout")) {
                connect = positive(f.get("upstream_connect_timeout"), "ssh.upstream_connect_timeout");
            }
        }
        return new GatewayConfig.Ssh(listen, idle, attempts, failures, refusedQueries, unauthenticated, connect, kex, ciphers,
                upstreamKex, ioThreads, proxy);
    }

    /** A non-empty list drawn from the algorithms R10 allows; anything else is refused by name. */
    private static List<String> algorithms(ConfigNode node, String what, Set<String> allowed) {
        List<String> names = node.strings(what);
        if (names.isEmpty()) {
            throw node.error(what + " must name at least one algorithm");
        }
        for (ConfigNode item : node.list(what)) {
            String name = item.string(what);
            if (!allowed.contains(name)) {
                throw item.error("'" + name + "' is not allowed in " + what + " (allowed: " + String.join(", ", allowed) + ")");
            }
        }
        return List.copyOf(new java.util.LinkedHashSet<>(names));
    }

    private static GatewayConfig.Store store(ConfigNode node, Path base, Path dataDir) {
        String url = "jdbc:sqlite:" + dataDir.resolve("audit.db");
        boolean failClosed = true;
        int every = 1000;
        Duration interval = Duration.ofSeconds(30);
        List<Path> witnesses = List.of();
        if (node != null) {
            Map<String, ConfigNode> f = node.fields("store", Set.of("url", "fail_closed", "checkpoint_every",
                    "checkpoint_interval", "witness_files"));
            if (f.containsKey("url")) {
                ConfigNode u = f.get("url");
                url = u.nonEmptyString("store.url");
                if (url.startsWith("jdbc:sqlite:")) {
                    String path = url.substring("jdbc:sqlite:".length());
                    if (path.isEmpty() || path.startsWith(":memory:")) {
                        throw u.error("store.url must name a SQLite file, not an in-memory database (audit data must survive restarts)");
                    }
                    url = "jdbc:sqlite:" + base.resolve(path).normalize();
                } else if (!url.startsWith("jdbc:postgresql://")) {
                    throw u.error("store.url must start with jdbc:sqlite: or jdbc:postgresql://, not '" + url + "'");
                }
            }
            if (f.containsKey("fail_closed")) {
                failClosed = f.get("fail_closed").bool("store.fail_closed");
            }
            if (f.containsKey("checkpoint_every")) {
                every = f.get("checkpoint_every").integer("store.checkpoint_every", 1, 1_000_000);
            }
            if (f.containsKey("checkpoint_interval")) {
                interval = positive(f.get("checkpoint_interval"), "store.checkpoint_interval");
            }
            if (f.containsKey("witness_files")) {
                witnesses = witnessFiles(f.get("witness_files"), base, dataDir.resolve("checkpoints.jsonl"));
            }
        }
        return new GatewayConfig.Store(url, failClosed, every, interval, witnesses);
    }

    /**
     * {@code store.witness_files}: each in an existing folder (a witness on a mount that is not
     * mounted must stop the start, not be written to the local disk beneath it), none twice, and
     * none the data folder's own {@code checkpoints.jsonl}, which is always written.
     */
    private static List<Path> witnessFiles(ConfigNode node, Path base, Path defaultWitness) {
        java.util.LinkedHashSet<Path> files = new java.util.LinkedHashSet<>();
        for (ConfigNode item : node.list("store.witness_files")) {
            Path file = base.resolve(item.nonEmptyString("store.witness_files")).normalize();
            if (file.equals(defaultWitness)) {
                throw item.error("store.witness_files: " + file + " is the data folder's own witness, which is always"
                        + " written; name a file out of reach of the data folder (another host's mount)");
            }
            if (!files.add(file)) {
                throw item.error("store.witness_files names " + file + " twice");
            }
            Path folder = file.getParent();
            if (folder == null || !Files.isDirectory(folder)) {
                throw item.error("store.witness_files: folder " + folder + " does not exist; create or mount it (a"
                        + " witness is only useful where someone holding the data folder cannot reach it)");
            }
            if (Files.isDirectory(file)) {
                throw item.error("store.witness_files: " + file + " is a folder; name a file in it");
            }
        }
        return List.copyOf(files);
    }

    private static GatewayConfig.Certificates certificates(ConfigNode node) {
        Duration ttl = Duration.ofMinutes(2);
        List<String> sources = List.of("127.0.0.1/32");
        if (node != null) {
            Map<String, ConfigNode> f = node.fields("certificates", Set.of("ttl", "source_addresses"));
            if (f.containsKey("ttl")) {
                ConfigNode t = f.get("ttl");
                ttl = positive(t, "certificates.ttl");
                if (ttl.compareTo(Duration.ofHours(1)) > 0) {
                    throw t.error("certificates.ttl must be at most 1h: per-connection certificates are short-lived");
                }
                if (ttl.compareTo(Duration.ofSeconds(10)) < 0) {
                    throw t.error("certificates.ttl must be at least 10s, or connections fail while authenticating");
                }
            }
            if (f.containsKey("source_addresses")) {
                ConfigNode s = f.get("source_addresses");
                sources = s.strings("certificates.source_addresses");
                if (sources.isEmpty()) {
                    throw s.error("certificates.source_addresses must name at least one CIDR (the gateway's egress address)");
                }
                for (ConfigNode item : s.list("certificates.source_addresses")) {
                    String cidr = item.string("certificates.source_addresses");
                    if (!CIDR.matcher(cidr).matches()) {
                        throw item.error("'" + cidr + "' is not a CIDR such as 10.0.0.5/32");
                    }
                }
            }
        }
        return new GatewayConfig.Certificates(ttl, sources);
    }

    private static GatewayConfig.Recording recording(ConfigNode node) {
        boolean streams = true;
        boolean input = false;
        long cap = 1L << 20;
        if (node != null) {
            Map<String, ConfigNode> f = node.fields("recording", Set.of("streams", "record_input", "stream_cap"));
            if (f.containsKey("streams")) {
                streams = f.get("streams").bool("recording.streams");
            }
            if (f.containsKey("record_input")) {
                input = f.get("record_input").bool("recording.record_input");
            }
            if (f.containsKey("stream_cap")) {
                cap = f.get("stream_cap").longValue("recording.stream_cap", 0, 1L << 40);
            }
        }
        return new GatewayConfig.Recording(streams, input, cap);
    }

    private static GatewayConfig.Keys keys(ConfigNode node, Path base) {
        if (node == null) {
            return new GatewayConfig.Keys(Optional.empty(), Optional.empty());
        }
        Map<String, ConfigNode> f = node.fields("keys", Set.of("passphrase_env", "passphrase_file"));
        if (f.containsKey("passphrase_env") && f.containsKey("passphrase_file")) {
            throw node.error("keys takes passphrase_env or passphrase_file, not both");
        }
        Optional<String> env = ConfigNode.optional(f, "passphrase_env").map(n -> n.nonEmptyString("keys.passphrase_env"));
        Optional<Path> file = ConfigNode.optional(f, "passphrase_file")
                .map(n -> base.resolve(n.nonEmptyString("keys.passphrase_file")).normalize());
        return new GatewayConfig.Keys(env, file);
    }

    private static GatewayConfig.Elevation elevation(ConfigNode node) {
        Duration pending = Duration.ofHours(1);
        Optional<GatewayConfig.Webhook> webhook = Optional.empty();
        if (node != null) {
            Map<String, ConfigNode> f = node.fields("elevation", Set.of("pending_timeout", "webhook"));
            if (f.containsKey("pending_timeout")) {
                pending = positive(f.get("pending_timeout"), "elevation.pending_timeout");
            }
            if (f.containsKey("webhook")) {
                ConfigNode w = f.get("webhook");
                Map<String, ConfigNode> wf = w.fields("elevation.webhook", Set.of("url", "timeout", "attempts", "secret_env"));
                ConfigNode urlNode = ConfigNode.required(wf, "url", w, "elevation.webhook");
                String url = urlNode.nonEmptyString("elevation.webhook.url");
                java.net.URI uri;
                try {
                    uri = new java.net.URI(url);
                } catch (java.net.URISyntaxException e) {
                    throw urlNode.error("elevation.webhook.url is not a URL: " + e.getReason());
                }
                if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
                    throw urlNode.error("elevation.webhook.url must be an http:// or https:// URL with a host");
                }
                Duration timeout = wf.containsKey("timeout") ? positive(wf.get("timeout"), "elevation.webhook.timeout") : Duration.ofSeconds(5);
                int attempts = wf.containsKey("attempts") ? wf.get("attempts").integer("elevation.webhook.attempts", 1, 10) : 5;
                Optional<String> secret = ConfigNode.optional(wf, "secret_env").map(n -> n.nonEmptyString("elevation.webhook.secret_env"));
                webhook = Optional.of(new GatewayConfig.Webhook(uri, timeout, attempts, secret));
            }
        }
        return new GatewayConfig.Elevation(pending, webhook);
    }

    /**
     * {@code web:}: the HTTPS listener. The host name must be a DNS name (RFC 1123 labels, at most
     * 253 characters) because app hosts are built under it; certificate and key come as a pair.
     */
    private static GatewayConfig.Web web(ConfigNode node, Path base) {
        GatewayConfig.Web d = GatewayConfig.Web.defaults();
        if (node == null) {
            return d;
        }
        Map<String, ConfigNode> f = node.fields("web", Set.of("enabled", "listen", "hostname", "tls_cert", "tls_key",
                "tls12", "session_ttl", "login_ticket_ttl", "app_cert_ttl", "oidc", "tls_provider", "proxy_protocol"));
        boolean enabled = f.containsKey("enabled") ? f.get("enabled").bool("web.enabled") : d.enabled();
        InetSocketAddress listen = f.containsKey("listen") ? address(f.get("listen"), "web.listen") : d.listen();
        String hostname = d.hostname();
        if (f.containsKey("hostname")) {
            ConfigNode h = f.get("hostname");
            hostname = h.nonEmptyString("web.hostname");
            if (!WebHostName.valid(hostname)) {
                throw h.error("web.hostname must be a DNS name such as gateway.example.com (letters, digits, '-',"
                        + " dots; no port, no scheme), not '" + hostname + "'");
            }
            hostname = hostname.toLowerCase(java.util.Locale.ROOT);
        }
        Optional<Path> cert = ConfigNode.optional(f, "tls_cert").map(n -> base.resolve(n.nonEmptyString("web.tls_cert")).normalize());
        Optional<Path> key = ConfigNode.optional(f, "tls_key").map(n -> base.resolve(n.nonEmptyString("web.tls_key")).normalize());
        if (cert.isPresent() != key.isPresent()) {
            throw (cert.isPresent() ? f.get("tls_cert") : f.get("tls_key")).error(
                    "web.tls_cert and web.tls_key go together: set both (the operator's certificate and its key) or neither"
                            + " (the gateway's TLS CA issues one)");
        }
        for (String k : new String[] {"tls_cert", "tls_key"}) {
            ConfigNode n = f.get(k);
            if (n != null && !Files.isRegularFile(base.resolve(n.string("web." + k)).normalize())) {
                throw n.error("web." + k + ": file " + base.resolve(n.string("web." + k)).normalize() + " does not exist");
            }
        }
        boolean tls12 = f.containsKey("tls12") ? f.get("tls12").bool("web.tls12") : d.tls12();
        Duration session = f.containsKey("session_ttl") ? bounded(f.get("session_ttl"), "web.session_ttl",
                Duration.ofMinutes(1), Duration.ofDays(7)) : d.sessionTtl();
        Duration ticket = f.containsKey("login_ticket_ttl") ? bounded(f.get("login_ticket_ttl"), "web.login_ticket_ttl",
                Duration.ofSeconds(1), Duration.ofMinutes(10)) : d.loginTicketTtl();
        Duration appCert = f.containsKey("app_cert_ttl") ? bounded(f.get("app_cert_ttl"), "web.app_cert_ttl",
                Duration.ofMinutes(1), Duration.ofDays(1)) : d.appCertTtl();
        Optional<dev.gatehouse.gateway.web.oidc.OidcConfig> oidc = ConfigNode.optional(f, "oidc")
                .map(dev.gatehouse.gateway.web.oidc.OidcConfig::parse);
        dev.gatehouse.gateway.web.tls.TlsProvider provider = d.tlsProvider();
        if (f.containsKey("tls_provider")) {
            ConfigNode p = f.get("tls_provider");
            try {
                provider = dev.gatehouse.gateway.web.tls.TlsProvider.parse(p.nonEmptyString("web.tls_provider"));
            } catch (IllegalArgumentException e) {
                throw p.error(e.getMessage());
            }
        }
        Optional<GatewayConfig.ProxyProtocol> proxy = ProxyProtocolConfig.parse(f.get("proxy_protocol"), "web.proxy_protocol");
        return new GatewayConfig.Web(enabled, listen, hostname, cert, key, tls12, session, ticket, appCert, oidc, provider, proxy);
    }

    private static Duration bounded(ConfigNode node, String what, Duration min, Duration max) {
        Duration d = positive(node, what);
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw node.error(what + " must be between " + text(min) + " and " + text(max) + ", not " + text(d));
        }
        return d;
    }

    private static String text(Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }

    static Duration positive(ConfigNode node, String what) {
        Duration d = node.duration(what);
        if (d.isZero() || d.isNegative()) {
            throw node.error(what + " must be longer than zero");
        }
        return d;
    }

    /** {@code host:port} or {@code [v6]:port}. */
    static InetSocketAddress address(ConfigNode node, String what) {
        String text = node.nonEmptyString(what);
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw node.error(what + " must be host:port, such as 127.0.0.1:2222, not '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw node.error(what + " has a port that is not a number: '" + text + "'");
        }
        if (port < 0 || port > 65535) {
            throw node.error(what + " port must be between 0 and 65535, not " + port);
        }
        return InetSocketAddress.createUnresolved(host, port);
    }
}
