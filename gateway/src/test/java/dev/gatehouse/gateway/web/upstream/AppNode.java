package dev.gatehouse.gateway.web.upstream;

import dev.gatehouse.pki.SshKeys;
import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;

/**
 * A MINA SSH server on 127.0.0.1:0 playing a node's sshd for app tunnels: it trusts certificates
 * of one user CA for the principals they name (as {@code TrustedUserCAKeys}), keeps the
 * certificates that authenticated, counts connections, and opens {@code direct-tcpip} channels
 * by dialling out itself (as sshd does with {@code AllowTcpForwarding local}).
 */
final class AppNode implements AutoCloseable {
    final KeyPair hostKey = SshKeys.generateEd25519();
    final SshServer server = SshServer.setUpDefaultServer();
    /** Certificates that authenticated, in order. */
    final List<OpenSshCertificate> certificates = new CopyOnWriteArrayList<>();
    /** Connections accepted. */
    final AtomicInteger connections = new AtomicInteger();
    /** Connections open now. */
    final AtomicInteger live = new AtomicInteger();

    AppNode(PublicKey userCa) throws IOException {
        server.setHost("127.0.0.1");
        server.setPort(0);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.setPublickeyAuthenticator((user, key, session) -> {
            if (key instanceof OpenSshCertificate cert && KeyUtils.compareKeys(cert.getCaPubKey(), userCa)
                    && cert.getPrincipals().contains(user)) {
                // sshd asks twice per key (may I? then the signature): keep each certificate once
                if (certificates.stream().noneMatch(c -> c.getSerial() == cert.getSerial())) {
                    certificates.add(cert);
                }
                return true;
            }
            return false;
        });
        server.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
        server.addSessionListener(new SessionListener() {
            @Override
            public void sessionCreated(Session session) {
                connections.incrementAndGet();
                live.incrementAndGet();
            }

            @Override
            public void sessionClosed(Session session) {
                live.decrementAndGet();
            }
        });
        server.start();
    }

    int port() {
        return server.getPort();
    }

    String hostKeyLine() {
        return SshKeys.toLine(hostKey.getPublic());
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }
}
