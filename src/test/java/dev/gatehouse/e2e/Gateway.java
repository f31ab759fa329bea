package dev.gatehouse.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The gateway under test: the real jar in a subprocess with its config, policy, data dir and the
 * test users' keys in a temp dir. Users: alice (engineer: aiops on gpu-node-1), carol (auditor,
 * {@code permissions: [audit]}, no logins), dave (engineer but disabled), and "stranger", whose
 * key is in no policy. {@link Options#users} adds more people and {@link Options#policy} replaces
 * the policy (the elevation tests use {@link GatewayFiles#elevationPolicy}).
 */
final class Gateway implements AutoCloseable {
    static final String NODE = "gpu-node-1";
    /** The SSH user name that reaches the node: LOGIN@NODE. */
    static final String TARGET = Accounts.AIOPS + "@" + NODE;
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    /** The SSH listener's line; the lookbehind keeps it from matching the HTTPS listener's. */
    private static final Pattern LISTENING = Pattern.compile("(?<!web )(?<!ops )listening on (\\[[0-9a-f:]+\\]|[0-9.]+):(\\d+)");
    /** The HTTPS listener's line, the agreed {@code web listening on HOST:PORT}. */
    private static final Pattern WEB_LISTENING = Pattern.compile("web listening on (\\[[0-9a-f:]+\\]|[0-9.]+):(\\d+)");
    private static final List<String> CLI_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto");

    /** A person in the test policy and the private key file they log in with. */
    record User(String name, Path key) {}

    /** How to start the gateway; the defaults are the contract's example configuration. */
    static final class Options {
        final List<String> jvmOptions = new ArrayList<>();
        String pinnedHostKey;
        String storeUrl = "jdbc:sqlite:data/audit.db";
        boolean recordInput = true;
        /** recording.streams; written to the config only when false, as the shipped config leaves it out. */
        boolean recordStreams = true;
        long streamCap = 1_048_576;
        /** ssh.listen, {@code host:port} or {@code [v6]:port}. */
        String listen = "127.0.0.1:0";
        /** Extra people (besides alice, carol, dave, stranger) who get a key pair. */
        final List<String> users = new ArrayList<>();
        /** Writes the policy for this gateway instead of the default one; null for the default. */
        Function<Gateway, String> policy;
        /** A YAML block appended to the gateway config (such as {@code elevation:}); may be null. */
        String extraConfig;
        /** More lines under {@code ssh:} ({@code key: value}), such as {@code proxy_protocol: ...}. */
        final List<String> ssh = new ArrayList<>();
        /** Environment variables for the gateway process (such as a webhook secret). */
        final Map<String, String> env = new HashMap<>();
        /**
         * Lines under {@code web:} besides {@code listen: 127.0.0.1:0} and {@code hostname}, such as
         * {@code login_ticket_ttl: 2s}; null writes no {@code web:} section at all (the SSH-only tests).
         */
        List<String> web;
        /** web.hostname: the console host; apps are {@code APP--NODE.apps.HOSTNAME}. */
        String webHostname = "localhost";

        Options jvm(String... options) {
            jvmOptions.addAll(List.of(options));
            return this;
        }

        /** Pins this host key for gpu-node-1 instead of the node's real one. */
        Options pinHostKey(String hostKeyLine) {
            pinnedHostKey = hostKeyLine;
            return this;
        }

        Options store(String jdbcUrl) {
            storeUrl = jdbcUrl;
            return this;
        }

        Options users(String... names) {
            users.addAll(List.of(names));
            return this;
        }

        Options policy(Function<Gateway, String> writer) {
            policy = writer;
            return this;
        }

        Options eventsOnly() {
            recordStreams = false;
            return this;
        }

        Options config(String yamlBlock) {
            extraConfig = yamlBlock;
            return this;
        }

        /** More lines under {@code ssh:} ({@code key: value}, without indentation). */
        Options ssh(String... lines) {
            ssh.addAll(List.of(lines));
            return this;
        }

        Options listen(String hostPort) {
            listen = hostPort;
            return this;
        }

        Options env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** Turns on the HTTPS listener on 127.0.0.1:0 with these extra {@code web:} lines ({@code key: value}). */
        Options web(String... lines) {
            web = new ArrayList<>(List.of(lines));
            return this;
        }
    }

    private final NodeSshd node;
    private final Options options;
    private final Path dir;
    private final Path config;
    private final Path knownHosts;
    private final User alice;
    private final User carol;
    private final User dave;
    private final User stranger;
    private final Map<String, User> others = new LinkedHashMap<>();
    private Process process;
    private Path currentLog;
    private int launches;
    private int port;
    /** The host the gateway printed in its listening line, without brackets ({@code 127.0.0.1}, {@code ::1}). */
    private String host;
    private boolean caTrusted;
    /** {@code ca show ssh-user} as printed at the first start. */
    private String userCaLine;
    /** The HTTPS listener's port from its {@code web listening} line; 0 when the web is off. */
    private int webPort;

    /** The first instance this one is a peer of (same users, policy and keys); null for a first instance. */
    private final Gateway first;

    private Gateway(NodeSshd node, Options options, Path dir, Gateway first) {
        this.node = node;
        this.options = options;
        this.dir = dir;
        this.first = first;
        this.config = dir.resolve("gatehouse.yaml");
        this.knownHosts = dir.resolve("known_hosts");
        this.alice = first == null ? newUser("alice") : copyUser(first.alice);
        this.carol = first == null ? newUser("carol") : copyUser(first.carol);
        this.dave = first == null ? newUser("dave") : copyUser(first.dave);
        this.stranger = first == null ? newUser("stranger") : copyUser(first.stranger);
        if (first == null) {
            for (String name : options.users) {
                others.put(name, newUser(name));
            }
        } else {
            first.others.forEach((name, user) -> others.put(name, copyUser(user)));
        }
    }

    static Gateway start(NodeSshd node) {
        return start(node, new Options());
    }

    static Gateway start(NodeSshd node, Options options) {
        try {
            Gateway gw = new Gateway(node, options, Files.createTempDirectory("gatehouse-gw-"), null);
            gw.writeConfig();
            gw.launch();
            return gw;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts another instance of {@code first}'s gateway, as the README tells operators to: its own
     * temp dir and data dir (so its own {@code instance-id}, its own audit chain), but a copy of
     * {@code first}'s {@code data/keys/} (user CA, host key, audit key, TLS CA...) and the same
     * policy and people. {@code options} gives the rest (store URL, {@code instance:} block);
     * its {@code users} and {@code policy} are ignored, as those are {@code first}'s. {@code first}
     * must have started once (its keys exist).
     */
    static Gateway startPeer(Gateway first, Options options) {
        try {
            Gateway gw = new Gateway(first.node, options, Files.createTempDirectory("gatehouse-gw-"), first);
            copyTree(first.dataDir().resolve("keys"), gw.dataDir().resolve("keys"));
            Keys.write(gw.config, GatewayFiles.config(options, "data", options.storeUrl, "policy.yaml"));
            Files.copy(first.dir.resolve("policy.yaml"), gw.dir.resolve("policy.yaml"));
            gw.launch();
            return gw;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies a folder's files (one level: data/keys/ has no subfolders), keeping their permissions. */
    private static void copyTree(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            throw new IllegalStateException(from + " does not exist: start the first instance before its peers");
        }
        Files.createDirectories(to.getParent());
        try {
            Files.createDirectory(to, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        } catch (java.nio.file.FileAlreadyExistsException ignored) {
            // a restarted peer keeps its copy
        }
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                if (Files.isDirectory(f)) {
                    throw new IllegalStateException("unexpected folder " + f + " in the keys folder");
                }
                Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES,
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** The gateway jar built by the reactor ({@code gatehouse.jar} system property from failsafe). */
    static Path jar() {
        String prop = System.getProperty("gatehouse.jar");
        Path jar = prop != null ? Path.of(prop)
                : Path.of(System.getProperty("gatehouse.root", "."), "gateway", "target", "gatehouse.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("gateway jar not found at " + jar.toAbsolutePath()
                    + ": run the suite through bin/test (mvn -B verify builds it first)");
        }
        return jar.toAbsolutePath().normalize();
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private User newUser(String name) {
        Path key = dir.resolve("keys").resolve(name);
        try {
            Files.createDirectories(key.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Keys.generate(key, name + "@e2e");
        return new User(name, key);
    }

    /** A copy of {@code user}'s key pair in this gateway's dir (a peer's people are the first instance's). */
    private User copyUser(User user) {
        Path key = dir.resolve("keys").resolve(user.name());
        try {
            Files.createDirectories(key.getParent());
            Files.copy(user.key(), key, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            Path pub = user.key().resolveSibling(user.name() + ".pub");
            Files.copy(pub, key.resolveSibling(user.name() + ".pub"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new User(user.name(), key);
    }

    private void writeConfig() {
        Keys.write(config, GatewayFiles.config(options, "data", options.storeUrl, "policy.yaml"));
        if (options.policy != null) {
            Keys.write(dir.resolve("policy.yaml"), options.policy.apply(this));
            return;
        }
        String hostKey = options.pinnedHostKey != null ? options.pinnedHostKey : node.hostPublicKey();
        Keys.write(dir.resolve("policy.yaml"), GatewayFiles.policy(node.address(), hostKey, alice, carol, dave));
    }

    /** The node this gateway fronts. */
    NodeSshd node() {
        return node;
    }

    /**
     * Replaces the policy file; the gateway reloads it on its own. Written to a temp file and moved
     * into place so the watcher never reads half a file.
     */
    void writePolicy(String yaml) {
        Path tmp = dir.resolve("policy.yaml.tmp");
        Keys.write(tmp, yaml);
        try {
            Files.move(tmp, dir.resolve("policy.yaml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes a config at {@code target} that shares this gateway's data dir (keys) and policy but
     * reads the store at {@code storeUrl}; the tamper tests point the CLI at altered copies this way.
     */
    Path configForStore(Path target, String storeUrl) {
        return configFor(target, dataDir(), storeUrl);
    }

    /** {@link #configForStore}, with another data folder (keys, instance id, witness file) too. */
    Path configFor(Path target, Path dataDir, String storeUrl) {
        Keys.write(target, GatewayFiles.config(options, dataDir.toString(), storeUrl,
                dir.resolve("policy.yaml").toString()));
        return target;
    }

    private void launch() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("gateway already running");
        }
        launches++;
        currentLog = dir.resolve("gateway-" + launches + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(options.jvmOptions);
        cmd.addAll(List.of("-jar", jar().toString(), "serve", "--config", config.toString()));
        try {
            process = Proc.builder(cmd, options.env)
                    .directory(dir.toFile())
                    .redirectInput(new File("/dev/null"))
                    .redirectErrorStream(true)
                    .redirectOutput(currentLog.toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + cmd, e);
        }
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String printed = log();
            Matcher m = LISTENING.matcher(printed);
            Matcher w = WEB_LISTENING.matcher(printed);
            boolean webReady = options.web == null || w.find();
            if (m.find() && webReady) {
                webPort = options.web == null ? 0 : Integer.parseInt(w.group(2));
                port = Integer.parseInt(m.group(2));
                host = m.group(1).replace("[", "").replace("]", "");
                afterListening();
                return;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("gateway exited with " + process.exitValue()
                        + " before listening; its output:\n" + log());
            }
            NodeSshd.sleep(100);
        }
        process.destroyForcibly();
        throw new IllegalStateException("gateway printed no 'listening' line"
                + (options.web == null ? "" : " (SSH and 'web listening')") + " within " + START_TIMEOUT
                + "; its output:\n" + log());
    }

    private void afterListening() {
        String hostLine = cli("ca", "show", "ssh-host").requireSuccess().stdout().trim();
        Keys.write(knownHosts, "[" + host + "]:" + port + " " + hostLine + "\n");
        if (!caTrusted) {
            String caLine = cli("ca", "show", "ssh-user").requireSuccess().stdout().trim();
            if (caLine.lines().count() != 1 || !caLine.startsWith("ssh-ed25519 ")) {
                throw new AssertionError("`ca show ssh-user` must print one ssh-ed25519 line, got:\n" + caLine);
            }
            if (first == null) {
                node.trustUserCa(caLine);
            } else if (!caLine.equals(first.userCaLine)) {
                // the node trusts the first instance's CA only, as a fleet's nodes trust one CA
                throw new AssertionError("a peer with copied keys must sign with the first instance's user CA "
                        + first.userCaLine + ", but `ca show ssh-user` prints " + caLine);
            }
            userCaLine = caLine;
            caTrusted = true;
        }
    }

    /** SIGTERM, then waits for the drain; returns the exit status. */
    int stop() {
        process.destroy();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("gateway did not exit within 60 s of SIGTERM; output:\n" + log());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        return process.exitValue();
    }

    /** kill -9: no drain, no final checkpoint. */
    void kill9() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Starts the stopped gateway again on the same config and data (a new ephemeral port). */
    void restart() {
        launch();
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    int port() {
        return port;
    }

    /** The HTTPS listener's port (from {@code web listening on HOST:PORT}); fails when the web is off. */
    int webPort() {
        if (options.web == null) {
            throw new IllegalStateException("this gateway has no web: section; start it with Options.web()");
        }
        return webPort;
    }

    /** The operations listener's port, from the current run's {@code ops listening on HOST:PORT} line. */
    int opsPort() {
        Pattern ops = Pattern.compile("ops listening on (\\[[0-9a-f:]+\\]|[0-9.]+):(\\d+)");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            Matcher m = ops.matcher(log());
            if (m.find()) {
                return Integer.parseInt(m.group(2));
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no 'ops listening on' line; output:\n" + log());
            }
            NodeSshd.sleep(100);
        }
    }

    /** web.hostname as configured (the console's host name). */
    String webHostname() {
        return options.webHostname;
    }

    Path dir() {
        return dir;
    }

    Path config() {
        return config;
    }

    Path dataDir() {
        return dir.resolve("data");
    }

    /** What the current run of the gateway has printed. */
    String log() {
        return currentLog == null ? "" : Proc.tail(currentLog);
    }

    /** Resident set size from /proc/PID/status, in KiB. */
    long rssKiB() {
        for (String line : Keys.read(Path.of("/proc", Long.toString(pid()), "status")).split("\n")) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/" + pid() + "/status");
    }

    User alice() {
        return alice;
    }

    User carol() {
        return carol;
    }

    User dave() {
        return dave;
    }

    User stranger() {
        return stranger;
    }

    /** Anyone with a key here: alice, carol, dave, stranger or a name from {@link Options#users}. */
    User user(String name) {
        return switch (name) {
            case "alice" -> alice;
            case "carol" -> carol;
            case "dave" -> dave;
            case "stranger" -> stranger;
            default -> {
                User u = others.get(name);
                if (u == null) {
                    throw new IllegalArgumentException("no test user '" + name + "'; add it with Options.users");
                }
                yield u;
            }
        };
    }

    /** Runs one gateway-shell command as {@code user} (the SSH user name is the person's own name). */
    Proc.Result shell(User user, String command) {
        return ssh(user, user.name(), command);
    }

    // ---- local CLI ----

    /** {@code java -jar gatehouse.jar ARGS --config FILE} against this gateway's config. */
    Proc.Result cli(String... args) {
        return cli(config, args);
    }

    static Proc.Result cli(Path config, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(java());
        cmd.addAll(CLI_JVM);
        cmd.addAll(List.of("-jar", jar().toString()));
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("--config", config.toString()));
        return Proc.run(cmd, null, Map.of(), Duration.ofSeconds(90));
    }

    /** {@code audit log --json}, oldest first or as the CLI orders it. */
    List<JsonNode> auditLog() {
        return Json.array(cli("audit", "log", "--json").requireSuccess());
    }

    /** {@code sessions --json}, newest first. */
    List<JsonNode> sessions() {
        return Json.array(cli("sessions", "--json").requireSuccess());
    }

    /** Polls the audit log until an event matches (the recorder writes asynchronously). */
    JsonNode awaitEvent(String description, Predicate<JsonNode> match) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<JsonNode> events = List.of();
        while (System.nanoTime() < deadline) {
            events = auditLog();
            for (JsonNode e : events) {
                if (match.test(e)) {
                    return e;
                }
            }
            NodeSshd.sleep(300);
        }
        throw new AssertionError("no audit event " + description + " within 20 s; log has " + events.size()
                + " events:\n" + Json.tail(events, 15));
    }

    /** Polls {@code sessions --json} until a session matches. */
    JsonNode awaitSession(String description, Predicate<JsonNode> match) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<JsonNode> sessions = List.of();
        while (System.nanoTime() < deadline) {
            sessions = sessions();
            for (JsonNode s : sessions) {
                if (match.test(s)) {
                    return s;
                }
            }
            NodeSshd.sleep(300);
        }
        throw new AssertionError("no session " + description + " within 20 s; sessions:\n" + Json.tail(sessions, 10));
    }

    /** A finished session (end set) whose command contains {@code marker}. */
    JsonNode awaitEndedSession(String marker) {
        return awaitSession("with command containing '" + marker + "' that ended",
                s -> Json.text(s, "command").contains(marker) && !Json.text(s, "end").isEmpty());
    }

    // ---- SSH clients ----

    /** Options shared by ssh, scp and sftp: no user config, no agent, this key only, pinned host key. */
    List<String> clientOptions(User user) {
        return new ArrayList<>(List.of("-F", "/dev/null", "-i", user.key().toString(),
                "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes",
                "-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
                "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=15"));
    }

    /** {@code ssh -p PORT <options>} without destination. */
    List<String> sshPrefix(User user) {
        List<String> cmd = new ArrayList<>(List.of("ssh", "-p", Integer.toString(port)));
        cmd.addAll(clientOptions(user));
        return cmd;
    }

    /** Runs {@code ssh -l SSHUSER 127.0.0.1 COMMAND} (SSHUSER such as aiops@gpu-node-1, or alice). */
    Proc.Result ssh(User user, String sshUser, String command, String... extraOptions) {
        return ssh(user, sshUser, command, Map.of(), extraOptions);
    }

    Proc.Result ssh(User user, String sshUser, String command, Map<String, String> env, String... extraOptions) {
        List<String> cmd = sshPrefix(user);
        cmd.addAll(List.of(extraOptions));
        cmd.addAll(List.of("-l", sshUser, "127.0.0.1"));
        if (command != null) {
            cmd.add(command);
        }
        return Proc.run(cmd, null, env, Proc.DEFAULT_TIMEOUT);
    }

    List<String> scpPrefix(User user) {
        List<String> cmd = new ArrayList<>(List.of("scp", "-q", "-P", Integer.toString(port)));
        cmd.addAll(clientOptions(user));
        return cmd;
    }

    List<String> sftpPrefix(User user) {
        List<String> cmd = new ArrayList<>(List.of("sftp", "-q", "-P", Integer.toString(port)));
        cmd.addAll(clientOptions(user));
        return cmd;
    }

    /** The value for rsync's {@code -e}: ssh with the user name given by -l, as rsync can't parse LOGIN@NODE@HOST. */
    String rsyncShell(User user, String sshUser) {
        List<String> cmd = sshPrefix(user);
        cmd.addAll(List.of("-l", sshUser));
        return String.join(" ", cmd);
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Keys.deleteTree(dir);
    }
}
