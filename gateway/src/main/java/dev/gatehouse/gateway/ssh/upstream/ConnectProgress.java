package dev.gatehouse.gateway.ssh.upstream;

import dev.gatehouse.policy.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;

/**
 * How far one upstream connection got, and what the node said on the way, so that a failure names
 * the step that failed instead of blaming the certificate for a node that closed the connection
 * before key exchange. Fed by {@link Listener}, which the connector's client calls for every
 * connection; each connection finds its own progress in its connection context.
 */
final class ConnectProgress {
    /** Longest piece of the node's text kept: it is shown to the user and stored in the audit log. */
    static final int MAX_NODE_TEXT = 200;

    private final Node node;
    private final String login;
    private final HostKeyCheck hostKey;
    private final List<String> nodeWords = new ArrayList<>();
    private volatile UpstreamStage stage = UpstreamStage.TCP_CONNECT;

    ConnectProgress(Node node, String login) {
        this.node = node;
        this.login = login;
        this.hostKey = new HostKeyCheck(node);
    }

    HostKeyCheck hostKey() {
        return hostKey;
    }

    UpstreamStage stage() {
        return hostKey.failure() != null ? UpstreamStage.HOST_KEY : stage;
    }

    /** The node's own words so far (lines before its banner, its disconnect description), or null. */
    synchronized String nodeMessage() {
        return nodeWords.isEmpty() ? null : String.join("; ", nodeWords);
    }

    private synchronized void heard(String text) {
        if (text != null && !text.isBlank() && nodeWords.size() < 4) {
            String t = text.strip();
            nodeWords.add(t.length() > MAX_NODE_TEXT ? t.substring(0, MAX_NODE_TEXT) + "..." : t);
        }
    }

    /** The connection failed with {@code cause} (may be null) at the stage reached so far. */
    UpstreamException failed(Throwable cause) {
        UpstreamStage at = stage();
        String said = nodeMessage();
        String where = "node '" + node.name() + "' at " + dev.gatehouse.gateway.config.HostPort.format(node.host(), node.port());
        String message = switch (at) {
            case TCP_CONNECT -> "cannot reach " + where + " (" + why(cause) + ")";
            case BANNER -> where + " closed the connection before its SSH banner"
                    + (said != null ? ": " + said : " (past its MaxStartups, or not an SSH port?)");
            case KEY_EXCHANGE -> where + " ended the key exchange: " + (said != null ? said : why(cause));
            case HOST_KEY -> hostKey.failure();
            case AUTHENTICATION -> "node '" + node.name() + "' refused the gateway certificate for login '" + login + "'"
                    + (said != null ? ": " + said : " (does the account exist, and does the node trust the gateway CA?)");
            case CHANNEL_OPEN -> where + " refused the channel: " + (said != null ? said : why(cause));
            // an SSH connection has no TLS step; only direct app targets fail there
            case TLS -> where + " failed: " + why(cause);
        };
        return new UpstreamException(at, message, said, cause);
    }

    /** Nothing happened for {@code timeout}. */
    UpstreamException timedOut(Duration timeout) {
        UpstreamStage at = stage();
        return new UpstreamException(at, "node '" + node.name() + "' did not answer within " + timeout.toSeconds()
                + " s (waiting at stage " + at.wireName() + ")", nodeMessage(), null);
    }

    private static String why(Throwable cause) {
        return cause == null || cause.getMessage() == null ? "connection failed" : cause.getMessage();
    }

    /** Advances each connection's progress; registered once on the shared client. */
    static final class Listener implements SessionListener {
        private final java.util.function.Function<Session, ConnectProgress> lookup;

        Listener(java.util.function.Function<Session, ConnectProgress> lookup) {
            this.lookup = lookup;
        }

        private void with(Session session, java.util.function.Consumer<ConnectProgress> step) {
            ConnectProgress p = lookup.apply(session);
            if (p != null) {
                step.accept(p);
            }
        }

        @Override
        public void sessionCreated(Session session) {
            with(session, p -> p.stage = UpstreamStage.BANNER);
        }

        @Override
        public void sessionPeerIdentificationLine(Session session, String line, List<String> extraLines) {
            // RFC 4253 section 4.2: a server may send other lines before its identification string
            with(session, p -> p.heard(line));
        }

        @Override
        public void sessionPeerIdentificationReceived(Session session, String version, List<String> extraLines) {
            with(session, p -> p.stage = UpstreamStage.KEY_EXCHANGE);
        }

        @Override
        public void sessionEvent(Session session, Event event) {
            if (event == Event.KeyEstablished) {
                with(session, p -> {
                    if (p.stage == UpstreamStage.KEY_EXCHANGE) {
                        p.stage = UpstreamStage.AUTHENTICATION;
                    }
                });
            }
        }

        @Override
        public void sessionDisconnect(Session session, int reason, String msg, String language, boolean initiator) {
            if (!initiator) {
                // the node's SSH_MSG_DISCONNECT (RFC 4253 section 11.1)
                with(session, p -> p.heard(msg));
            }
        }
    }
}
