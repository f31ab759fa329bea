package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.config.HostPort;
import dev.gatehouse.gateway.ssh.upstream.ChannelOpenFailure;
import dev.gatehouse.gateway.ssh.upstream.UpstreamPool;
import dev.gatehouse.recorder.StoreUnavailableException;
import java.util.Set;
import org.apache.sshd.client.session.ClientSession;
import dev.gatehouse.gateway.ssh.upstream.UpstreamException;
import dev.gatehouse.pki.CertificateRefusedException;
import java.io.IOException;
import org.apache.sshd.client.channel.ChannelDirectTcpip;
import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelAsyncInputStream;
import org.apache.sshd.common.channel.ChannelAsyncOutputStream;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.StreamingChannel;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's {@code direct-tcpip} channel (RFC 4254 section 7.2: {@code ssh -L}, and each
 * connection through {@code ssh -D}), carried to the node's loopback through the node's own
 * sshd when {@link ForwardGate} allows it, as a {@code direct-tcpip} channel on a connection
 * leased from the client connection's {@link UpstreamPool}: forwards of one client connection to
 * one node and login under one grant share one connection whose certificate carries only
 * {@code permit-port-forwarding}, and it closes with the last of them. Bytes flow both ways
 * through {@link Pump}s: the client's window is released only as the node takes the bytes, and
 * the node's only as the client does, so the gateway holds at most one chunk per direction.
 *
 * <p>A refusal answers the channel open with SSH_MSG_CHANNEL_OPEN_FAILURE, reason code 1
 * ({@code administratively prohibited}) and {@code gatehouse: WHY} as the description, which
 * OpenSSH prints ({@code channel 2: open failed: administratively prohibited: gatehouse: ...}).
 * A node that cannot be reached fails the open with {@code connect failed} and the stage that
 * failed; a node that cannot open the port passes on its own reason code and words. Runs on I/O
 * threads and never blocks.
 */
final class ForwardChannel extends RefusableChannel {
    private static final Logger LOG = LoggerFactory.getLogger(ForwardChannel.class);
    /** What the channel asks the node's sshd to name as the originator: the gateway's side of it. */
    private static final SshdSocketAddress ORIGINATOR = new SshdSocketAddress("127.0.0.1", 0);

    /** The certificate extension that lets sshd honour {@code direct-tcpip} (PROTOCOL.certkeys), and the only one forwards get. */
    static final Set<String> EXTENSIONS = Set.of("permit-port-forwarding");

    private final SessionPath path;
    private final ForwardGate gate;
    private ChannelAsyncInputStream fromClient;
    private ChannelAsyncOutputStream toClient;
    private volatile LiveForward live;
    private volatile ChannelDirectTcpip upstream;
    private volatile UpstreamPool.Lease lease;
    private volatile Pump inbound;
    private volatile Pump outbound;
    private volatile boolean opened;
    /** Why the channel is closing, when the gateway or the node's side started it. */
    private volatile String closing;

    private ForwardChannel(SessionPath path, ForwardGate gate) {
        this.path = path;
        this.gate = gate;
    }

    /** Serves {@code direct-tcpip} in place of MINA's {@code DirectTcpipFactory}, which dials out from the gateway. */
    static final class Factory implements ChannelFactory {
        private final SessionPath path;
        private final ForwardGate gate;

        Factory(SessionPath path) {
            this.path = path;
            this.gate = new ForwardGate(path);
        }

        @Override
        public String getName() {
            return "direct-tcpip";
        }

        @Override
        public Channel createChannel(Session session) {
            return new ForwardChannel(path, gate);
        }
    }

    @Override
    protected OpenFuture doInit(Buffer buffer) {
        String host = buffer.getString();
        int port = buffer.getInt();
        String originator = HostPort.format(buffer.getString(), buffer.getInt());
        OpenFuture f = new DefaultOpenFuture(this, this);
        ServerSession client = (ServerSession) getSession();
        ForwardGate.Verdict verdict = gate.decide(client, host, port, originator);
        if (verdict instanceof ForwardGate.Refused refused) {
            return fail(f, SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, refused.reason());
        }
        ForwardGate.Allowed allowed = (ForwardGate.Allowed) verdict;
        fromClient = new ChannelAsyncInputStream(this);
        toClient = new ChannelAsyncOutputStream(this, SshConstants.SSH_MSG_CHANNEL_DATA);
        LiveForward forward = new LiveForward(allowed, path.audit(), path.sessions(), path.clock(), this::terminate);
        live = forward;
        UpstreamPool pool = SessionAttributes.upstreamPool(client, path.upstream());
        UpstreamPool.Lease held;
        try {
            held = pool.acquire(new UpstreamPool.Key(allowed.node(), allowed.login(), EXTENSIONS, allowed.grantId()),
                    () -> UpstreamCredentials.mint(path, allowed.snapshot(), allowed.identity(), allowed.id(), allowed.login(),
                            allowed.decision(), allowed.node(), EXTENSIONS));
        } catch (CertificateRefusedException e) {
            forward.end("failure", e.getMessage());
            return fail(f, SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, e.getMessage());
        } catch (IllegalStateException e) {
            // the client connection is closing: nobody is left to tell
            return fail(f, SshConstants.SSH_OPEN_CONNECT_FAILED, "the connection is closing");
        }
        lease = held;
        forward.connectedWith(held.certificate().serial());
        // registered before the node is contacted, so a lock made meanwhile finds it
        forward.register();
        addCloseFutureListener(c -> clientChannelClosed());
        held.session().whenComplete((session, failure) -> {
            if (failure != null && UpstreamFailures.unwrap(failure) instanceof StoreUnavailableException) {
                // the certificate could not be recorded with its grant: the node never saw it
                String why = AuditTrail.refusedWhileDown("forwards");
                forward.end("failure", why);
                fail(f, SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, why);
            } else if (failure != null) {
                UpstreamException problem = UpstreamFailures.of(allowed.node(), failure);
                forward.failed(problem);
                fail(f, SshConstants.SSH_OPEN_CONNECT_FAILED, problem.getMessage());
            } else if (forward.ended()) {
                fail(f, SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, forward.endReason());
            } else {
                openUpstream(f, forward, session, allowed);
            }
        });
        return f;
    }

    private void openUpstream(OpenFuture f, LiveForward forward, ClientSession session, ForwardGate.Allowed a) {
        ChannelDirectTcpip ch;
        OpenFuture open;
        try {
            ch = session.createDirectTcpipChannel(ORIGINATOR, new SshdSocketAddress(a.address(), a.port()));
            ch.setStreaming(StreamingChannel.Streaming.Async);
            open = ch.open();
        } catch (IOException | RuntimeException e) {
            UpstreamException problem = ChannelOpenFailure.upstream(a.node(), "a direct-tcpip channel to " + a.destination(), e);
            forward.failed(problem);
            fail(f, SshConstants.SSH_OPEN_CONNECT_FAILED, problem.getMessage());
            return;
        }
        open.addListener(o -> {
            if (!o.isOpened()) {
                Throwable e = o.getException();
                UpstreamException problem = ChannelOpenFailure.upstream(a.node(), "a direct-tcpip channel to " + a.destination(), e);
                forward.failed(problem);
                // the node's own reason code, so the client sees what a direct login would
                fail(f, ChannelOpenFailure.from(e).map(ChannelOpenFailure::reasonCode).orElse(SshConstants.SSH_OPEN_CONNECT_FAILED),
                        problem.getMessage());
                return;
            }
            upstream = ch;
            if (!forward.opened(lease.certificate().serial())) {
                ch.close(false);
                fail(f, SshConstants.SSH_OPEN_ADMINISTRATIVELY_PROHIBITED, forward.endReason());
                return;
            }
            opened = true;
            signalChannelOpenSuccess();
            f.setOpened();
            startPumps(ch, forward);
        });
    }

    private void startPumps(ChannelDirectTcpip ch, LiveForward forward) {
        int fromNode = (int) Math.min(Integer.MAX_VALUE, ch.getLocalWindow().getMaxSize());
        int fromClientMax = (int) Math.min(Integer.MAX_VALUE, getLocalWindow().getMaxSize());
        inbound = new Pump(fromClient, ch.getAsyncIn()::writeBuffer, (d, o, l) -> forward.input.addAndGet(l),
                this::inboundEnded, fromClientMax);
        outbound = new Pump(ch.getAsyncOut(), toClient::writeBuffer, (d, o, l) -> forward.output.addAndGet(l),
                this::outboundEnded, fromNode);
        ch.addCloseFutureListener(c -> {
            if (closing == null) {
                closing = "the node closed the connection";
            }
        });
        inbound.start();
        outbound.start();
    }

    /** The client sent EOF (or its side broke): pass the EOF on to the node after the last byte. */
    private void inboundEnded(Throwable failure) {
        ChannelDirectTcpip ch = upstream;
        if (failure != null) {
            end("the client's side failed: " + failure.getMessage());
            return;
        }
        if (closing == null) {
            closing = "the client ended the connection";
        }
        if (ch != null) {
            ch.getAsyncIn().close(false);
        }
    }

    /** The node's side has closed and every byte reached the client: EOF, then close. */
    private void outboundEnded(Throwable failure) {
        if (failure != null) {
            end("the node's side failed: " + failure.getMessage());
            return;
        }
        if (closing == null) {
            closing = "the service on the node closed the connection";
        }
        try {
            sendEof();
        } catch (IOException e) {
            LOG.debug("forward {}: EOF not sent: {}", id(), e.toString());
        }
        close(false);
    }

    /** Ends both sides now (a lock, a revoke, a broken stream). */
    private void end(String reason) {
        if (closing == null) {
            closing = reason;
        }
        stopPumps();
        ChannelDirectTcpip ch = upstream;
        if (ch != null) {
            ch.close(false);
        }
        ChannelAsyncOutputStream out = toClient;
        if (out != null) {
            out.close(true);
        }
        close(false);
    }

    /** Called by the registry (through {@link LiveForward#terminate}) after the close event is recorded. */
    private void terminate(String reason) {
        if (opened) {
            end(reason);
        }
        // not open yet: the open completes as a refusal with this reason (see doInit)
    }

    private void clientChannelClosed() {
        stopPumps();
        LiveForward forward = live;
        if (forward != null) {
            String why = closing;
            forward.end(opened ? "success" : "failure", why != null ? why : "the client closed the channel");
        }
        ChannelDirectTcpip ch = upstream;
        if (ch != null) {
            ch.close(false);
        }
        UpstreamPool.Lease held = lease;
        if (held != null) {
            // the last forward on the connection closes it
            held.release();
        }
    }

    private void stopPumps() {
        Pump in = inbound;
        Pump out = outbound;
        if (in != null) {
            in.stop();
        }
        if (out != null) {
            out.stop();
        }
    }

    private String id() {
        LiveForward forward = live;
        return forward != null ? forward.id() : "-";
    }

    /** Answers the open with reason {@code code} and {@code gatehouse: REASON}. */
    private OpenFuture fail(OpenFuture f, int code, String reason) {
        return refuseOpen(f, code, reason);
    }

    @Override
    public void handleWindowAdjust(Buffer buffer) throws IOException {
        super.handleWindowAdjust(buffer);
        ChannelAsyncOutputStream out = toClient;
        if (out != null) {
            out.onWindowExpanded();
        }
    }

    @Override
    protected void doWriteData(byte[] data, int off, long len) throws IOException {
        // copied into the stream's buffer; the window is released as the inbound pump reads
        fromClient.write(new ByteArrayBuffer(data, off, (int) len, true));
    }

    @Override
    protected void doWriteExtendedData(byte[] data, int off, long len) throws IOException {
        throw new IOException("a direct-tcpip channel carries no extended data (RFC 4254 section 7.2)");
    }

    @Override
    public void handleEof() throws IOException {
        super.handleEof();
        ChannelAsyncInputStream in = fromClient;
        if (in != null) {
            in.close(false);
        }
    }

    @Override
    protected boolean mayWrite() {
        // the last bytes to the client are flushed while the channel closes
        return !isClosed();
    }
}
