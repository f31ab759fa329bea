package dev.gatehouse.gateway;

import dev.gatehouse.gateway.config.ConfigLoader;
import dev.gatehouse.pki.SshKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ChannelShell;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;

/**
 * The real gateway ({@link Gateway#start}) on a loopback port chosen by the system, with a SQLite
 * store and keys in a temporary folder, and a MINA SSH client for the people of the test's policy.
 * No root and no sshd: for what the gateway does itself (its shell, locks, elevation, audit).
 *
 * <p>The policy is a function of the users' public key lines, so tests can rewrite it (reload)
 * with the same keys.
 */
public final class InProcessGateway implements AutoCloseable {
    private static final Duration WAIT = Duration.ofSeconds(20);

    private final Path dir;
    private final Map<String, KeyPair> keys = new LinkedHashMap<>();
    private final Gateway gateway;
    private final SshClient client;

    /** The one name in {@code ops.hosts} of every in-process gateway. */
    static final String OPS_NAME = "gatehouse-1.mgmt.example";

    private InProcessGateway(Path dir, Clock clock, String listen, String sshSettings,
            Function<Map<String, String>, String> policy, String... users) throws IOException {
        this.dir = dir;
        for (String user : users) {
            keys.put(user, SshKeys.generateEd25519());
        }
        Files.writeString(dir.resolve("policy.yaml"), policy.apply(publicLines()));
        String config = String.join("\n",
                "data_dir: data",
                "ssh:",
                "  listen: \"" + listen + "\"", // quoted: [::1]:0 would be a YAML list
                sshSettings.stripTrailing(),
                "web:",
                "  listen: 127.0.0.1:0", // never the default 8443: tests run in parallel
                // nor the default 9464; the name is what OpsEndpointsTest sends as Host
                "ops: {listen: \"127.0.0.1:0\", hosts: [" + OPS_NAME + "]}",
                "store:",
                "  checkpoint_interval: 1h",
                "policy: policy.yaml",
                "");
        Files.writeString(dir.resolve("gatehouse.yaml"), config);
        gateway = Gateway.start(ConfigLoader.load(dir.resolve("gatehouse.yaml")), clock);
        java.security.PublicKey pinned = hostKey();
        client = SshClient.setUpDefaultClient();
        client.setServerKeyVerifier((session, remote, key) -> key.equals(pinned));
        client.start();
    }

    /** Starts a gateway whose policy {@code policy} writes from the users' {@code TYPE BASE64} key lines. */
    static InProcessGateway start(Path dir, Function<Map<String, String>, String> policy, String... users) throws IOException {
        return new InProcessGateway(dir, Clock.systemUTC(), "127.0.0.1:0", "", policy, users);
    }

    /** As {@link #start(Path, Function, String...)}, listening on {@code listen} ({@code host:port}, {@code [v6]:port}). */
    static InProcessGateway startOn(String listen, Path dir, Function<Map<String, String>, String> policy, String... users)
            throws IOException {
        return new InProcessGateway(dir, Clock.systemUTC(), listen, "", policy, users);
    }

    /**
     * As {@link #start(Path, Function, String...)}, on {@code clock} and with more settings under
     * {@code ssh:} ({@code sshSettings}: YAML lines indented by two spaces, or empty).
     */
    public static InProcessGateway start(Path dir, Clock clock, String sshSettings, Function<Map<String, String>, String> policy,
            String... users) throws IOException {
        return new InProcessGateway(dir, clock, "127.0.0.1:0", sshSettings, policy, users);
    }

    /** The key pair of a person the gateway was started with. */
    public KeyPair key(String user) {
        KeyPair k = keys.get(user);
        if (k == null) {
            throw new IllegalArgumentException("no key pair for '" + user + "'");
        }
        return k;
    }

    /** The gateway's SSH host key, as clients should pin it. */
    public java.security.PublicKey hostKey() throws IOException {
        return GatewayKeys.open(ConfigLoader.load(dir.resolve("gatehouse.yaml"))).hostKey().getPublic();
    }

    public Gateway gateway() {
        return gateway;
    }

    /**
     * Audit events of a type (every type if null), oldest first, at most 1000, after writing out
     * what the store still buffers.
     */
    java.util.List<dev.gatehouse.recorder.AuditEvent> events(String type) {
        gateway.services().audit().store().flush();
        return gateway.services().audit().store().events(new dev.gatehouse.recorder.EventQuery(type, null, null, null, 1000))
                .stream().map(dev.gatehouse.recorder.StoredEvent::event).toList();
    }

    /**
     * A TLS 1.3 client context that trusts only the gateway's TLS CA (as a browser that imported
     * {@code gatehouse ca show tls}), presenting {@code keys} as its client certificate, or none when null.
     */
    javax.net.ssl.SSLContext tlsClient(javax.net.ssl.KeyManager[] keys) throws java.security.GeneralSecurityException, IOException {
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", dev.gatehouse.pki.TlsCertificateAuthority.readCertificate(dir.resolve("data/keys")
                .resolve(dev.gatehouse.pki.TlsCertificateAuthority.CERTIFICATE_FILE)));
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.SSLContext c = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
        c.init(keys, tmf.getTrustManagers(), null);
        return c;
    }

    /** User name to public key line. */
    Map<String, String> publicLines() {
        Map<String, String> out = new LinkedHashMap<>();
        keys.forEach((user, pair) -> out.put(user, SshKeys.toLine(pair.getPublic())));
        return out;
    }

    /** Writes a new policy and reloads it, as SIGHUP does. */
    void reload(Function<Map<String, String>, String> policy) throws IOException {
        Files.writeString(dir.resolve("policy.yaml"), policy.apply(publicLines()));
        gateway.reloadPolicy();
    }

    /** An authenticated connection for {@code user}'s key, asking for SSH user name {@code sshUser}. */
    ClientSession connect(String user, String sshUser) throws IOException {
        return connectTo(gateway.address().getPort(), user, sshUser);
    }

    /** As {@link #connect}, to {@code port} on the loopback (a relay in front of the gateway). */
    ClientSession connectTo(int port, String user, String sshUser) throws IOException {
        ClientSession session = client.connect(sshUser, gateway.address().getHostString(), port).verify(WAIT).getSession();
        session.addPublicKeyIdentity(keys.get(user));
        session.auth().verify(WAIT);
        return session;
    }

    /**
     * Runs one gateway-shell command as {@code user}.
     *
     * @return stdout, stderr and the exit status
     */
    Result exec(String user, String command) throws IOException {
        try (ClientSession session = connect(user, user)) {
            return exec(session, command);
        }
    }

    Result exec(ClientSession session, String command) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (ChannelExec channel = session.createExecChannel(command)) {
            channel.setOut(out);
            channel.setErr(err);
            channel.open().verify(WAIT);
            channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), WAIT);
            Integer status = channel.getExitStatus();
            return new Result(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                    status == null ? -1 : status);
        }
    }

    /** An interactive gateway shell (with a pty when asked), idle until the test types. */
    Shell shell(String user, boolean pty) throws IOException {
        return shell(connect(user, user), pty);
    }

    /** Another interactive gateway shell on an open connection (a connection may hold many channels). */
    Shell shell(ClientSession session, boolean pty) throws IOException {
        ChannelShell channel = session.createShellChannel();
        channel.setUsePty(pty);
        Shell shell = new Shell(session, channel);
        channel.setOut(shell.output);
        channel.setErr(shell.output);
        channel.open().verify(WAIT);
        shell.input = channel.getInvertedIn();
        return shell;
    }

    @Override
    public void close() {
        try {
            client.stop();
        } finally {
            gateway.close();
        }
    }

    /** What a command printed, and its exit status. */
    record Result(String stdout, String stderr, int status) {}

    /** An open interactive shell. */
    static final class Shell implements AutoCloseable {
        final ClientSession session;
        final ChannelShell channel;
        final ByteArrayOutputStream output = new dev.gatehouse.gateway.testing.SyncBuffer();
        OutputStream input;

        Shell(ClientSession session, ChannelShell channel) {
            this.session = session;
            this.channel = channel;
        }

        void type(String text) {
            try {
                input.write(text.getBytes(StandardCharsets.UTF_8));
                input.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String output() {
            return output.toString(StandardCharsets.UTF_8);
        }

        boolean closed() {
            return channel.isClosed();
        }

        @Override
        public void close() throws IOException {
            channel.close(true);
        }
    }
}
