package dev.gatehouse.gateway.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientSessionImpl;
import org.apache.sshd.common.Service;
import org.apache.sshd.common.ServiceFactory;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.closeable.AbstractCloseable;

/**
 * One SSH connection to the gateway whose user authentication (RFC 4252, RFC 4256) the test
 * writes packet by packet: exactly what an attacker can send, including key queries for any
 * public key, signatures that do not verify, switching keys and user names, and
 * keyboard-interactive answers. Key exchange and encryption are MINA's client; in place of its
 * user-authentication service sits an inbox that hands every reply to the test.
 */
final class RawUserAuth implements AutoCloseable {
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final String SERVICE = "ssh-connection";

    /** What the server answered. */
    enum Kind { PK_OK, INFO_REQUEST, SUCCESS, FAILURE, DISCONNECTED }

    /**
     * One reply.
     *
     * @param methods for FAILURE: the methods that can continue
     * @param partialSuccess for FAILURE: the RFC 4252 section 5.1 partial-success flag
     * @param instruction for INFO_REQUEST: the instruction text
     * @param prompts for INFO_REQUEST: the prompts
     */
    record Reply(Kind kind, List<String> methods, boolean partialSuccess, String instruction, List<String> prompts) {
        static Reply of(Kind kind) {
            return new Reply(kind, List.of(), false, "", List.of());
        }

        @Override
        public String toString() {
            return switch (kind) {
                case FAILURE -> "FAILURE(" + String.join(",", methods) + (partialSuccess ? ", partial success" : "") + ")";
                case INFO_REQUEST -> "INFO_REQUEST(" + instruction + " " + prompts + ")";
                default -> kind.name();
            };
        }
    }

    private final ClientSession session;
    private final Inbox inbox;

    private RawUserAuth(ClientSession session, Inbox inbox) {
        this.session = session;
        this.inbox = inbox;
    }

    /**
     * Connects from {@code localAddress} (any 127.x address is this host's loopback) and waits until
     * user authentication can start, or the gateway closed the connection ({@link #isOpen} says which).
     */
    static RawUserAuth connect(GatewayHarness harness, String localAddress) throws IOException {
        SshClient client = harness.rawClient();
        ClientSession session = client.connect("-", harness.address(), null, new InetSocketAddress(localAddress, 0))
                .verify(TIMEOUT).getSession();
        Inbox inbox = session.getService(Inbox.class);
        session.addCloseFutureListener(f -> {
            inbox.replies.add(new byte[0]);
            inbox.started.countDown();
        });
        try {
            if (!inbox.started.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException("key exchange with the gateway did not finish within " + TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return new RawUserAuth(session, inbox);
    }

    // ---- requests ----

    /** "none" (RFC 4252 section 5.2): asks which methods can continue. */
    Reply none(String user) throws IOException {
        Buffer b = request(user, "none");
        return send(b, false);
    }

    /** A "publickey" query: the public key only, no signature ("would you accept this key?"). */
    Reply query(String user, PublicKey key) throws IOException {
        Buffer b = request(user, "publickey");
        b.putBoolean(false);
        b.putString(KeyUtils.getKeyType(key));
        b.putBytes(blob(key));
        return send(b, false);
    }

    /** A "publickey" request signed with {@code key}'s private key, as RFC 4252 section 7 says. */
    Reply sign(String user, KeyPair key) throws IOException {
        return send(signed(user, key, false), false);
    }

    /** A "publickey" request whose signature does not verify: signed over other bytes than the request. */
    Reply signBadly(String user, KeyPair key) throws IOException {
        return send(signed(user, key, true), false);
    }

    /** Starts "keyboard-interactive" (RFC 4256 section 3.1). */
    Reply keyboardInteractive(String user) throws IOException {
        Buffer b = request(user, "keyboard-interactive");
        b.putString("");
        b.putString("");
        return send(b, true);
    }

    /** SSH_MSG_USERAUTH_INFO_RESPONSE (RFC 4256 section 3.4). */
    Reply answer(String... responses) throws IOException {
        Buffer b = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_INFO_RESPONSE);
        b.putInt(responses.length);
        for (String r : responses) {
            b.putString(r);
        }
        return send(b, true);
    }

    /**
     * After SUCCESS: switches this side to the connection service and runs {@code command} in an
     * exec channel; returns stdout and stderr together.
     */
    String exec(String command) throws IOException {
        ((ClientSessionImpl) session).setAuthenticated();
        ((ClientSessionImpl) session).switchToNextService();
        try (ChannelExec channel = session.createExecChannel(command)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            channel.setOut(out);
            channel.setErr(out);
            channel.open().verify(TIMEOUT);
            channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), TIMEOUT);
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    boolean isOpen() {
        return session.isOpen();
    }

    @Override
    public void close() throws IOException {
        session.close(true);
    }

    private Buffer request(String user, String method) {
        Buffer b = session.createBuffer(SshConstants.SSH_MSG_USERAUTH_REQUEST);
        b.putString(user);
        b.putString(SERVICE);
        b.putString(method);
        return b;
    }

    private static byte[] blob(PublicKey key) {
        Buffer b = new ByteArrayBuffer();
        b.putRawPublicKey(key);
        return b.getCompactData();
    }

    private Buffer signed(String user, KeyPair key, boolean badly) throws IOException {
        String algorithm = KeyUtils.getKeyType(key.getPublic());
        byte[] blob = blob(key.getPublic());
        Buffer data = new ByteArrayBuffer();
        data.putBytes(session.getSessionId());
        data.putByte(SshConstants.SSH_MSG_USERAUTH_REQUEST);
        data.putString(badly ? user + "-not-what-was-sent" : user);
        data.putString(SERVICE);
        data.putString("publickey");
        data.putBoolean(true);
        data.putString(algorithm);
        data.putBytes(blob);
        byte[] signature;
        try {
            Signature signer = BuiltinSignatures.fromFactoryName(algorithm).create();
            signer.initSigner(session, key.getPrivate());
            signer.update(session, data.getCompactData());
            signature = signer.sign(session);
        } catch (Exception e) {
            throw new IOException("cannot sign with " + algorithm, e);
        }
        Buffer sig = new ByteArrayBuffer();
        sig.putString(algorithm);
        sig.putBytes(signature);
        Buffer b = request(user, "publickey");
        b.putBoolean(true);
        b.putString(algorithm);
        b.putBytes(blob);
        b.putBytes(sig.getCompactData());
        return b;
    }

    /** Writes the packet and reads the reply; message 60 is PK_OK after "publickey", INFO_REQUEST in keyboard-interactive. */
    private Reply send(Buffer packet, boolean interactive) throws IOException {
        if (!session.isOpen()) {
            return Reply.of(Kind.DISCONNECTED);
        }
        session.writePacket(packet);
        return next(interactive);
    }

    private Reply next(boolean interactive) throws IOException {
        while (true) {
            byte[] bytes;
            try {
                bytes = inbox.replies.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            if (bytes == null) {
                throw new IOException("no reply from the gateway within " + TIMEOUT);
            }
            if (bytes.length == 0) {
                inbox.replies.add(bytes); // stays disconnected for later reads
                return Reply.of(Kind.DISCONNECTED);
            }
            Buffer b = new ByteArrayBuffer(bytes);
            int cmd = b.getUByte();
            switch (cmd) {
                case SshConstants.SSH_MSG_USERAUTH_BANNER:
                    continue;
                case SshConstants.SSH_MSG_USERAUTH_SUCCESS:
                    return Reply.of(Kind.SUCCESS);
                case SshConstants.SSH_MSG_USERAUTH_FAILURE: {
                    String methods = b.getString();
                    boolean partial = b.getBoolean();
                    return new Reply(Kind.FAILURE, methods.isEmpty() ? List.of() : Arrays.asList(methods.split(",")), partial, "", List.of());
                }
                case SshConstants.SSH_MSG_USERAUTH_INFO_REQUEST: {
                    if (!interactive) {
                        return Reply.of(Kind.PK_OK);
                    }
                    b.getString(); // name
                    String instruction = b.getString();
                    b.getString(); // language tag
                    int n = b.getInt();
                    List<String> prompts = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        prompts.add(b.getString());
                        b.getBoolean();
                    }
                    return new Reply(Kind.INFO_REQUEST, List.of(), false, instruction, prompts);
                }
                default:
                    throw new IOException("unexpected message " + SshConstants.getCommandMessageName(cmd));
            }
        }
    }

    /** Stands where MINA's ClientUserAuthService would: keeps every user-authentication message for the test. */
    static final class Inbox extends AbstractCloseable implements Service {
        private final Session session;
        final BlockingQueue<byte[]> replies = new LinkedBlockingQueue<>();
        final CountDownLatch started = new CountDownLatch(1);

        Inbox(Session session) {
            this.session = session;
        }

        @Override
        public Session getSession() {
            return session;
        }

        @Override
        public java.util.Map<String, Object> getProperties() {
            return java.util.Map.of();
        }

        @Override
        public void start() {
            started.countDown();
        }

        @Override
        public void process(int cmd, Buffer buffer) {
            byte[] rest = buffer.getCompactData();
            byte[] message = new byte[rest.length + 1];
            message[0] = (byte) cmd;
            System.arraycopy(rest, 0, message, 1, rest.length);
            replies.add(message);
        }
    }

    /** Registers the inbox under the user-authentication service's name. */
    static final class InboxFactory implements ServiceFactory {
        @Override
        public String getName() {
            return "ssh-userauth";
        }

        @Override
        public Service create(Session session) {
            return new Inbox(session);
        }
    }
}
