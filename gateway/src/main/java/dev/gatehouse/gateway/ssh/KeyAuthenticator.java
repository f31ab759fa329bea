package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.session.AuthThrottle;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.pki.SshKeys;
import dev.gatehouse.policy.User;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.PublicKey;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.server.auth.pubkey.PublickeyAuthenticator;
import org.apache.sshd.server.session.ServerSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Public-key authentication against the users in policy (R05, R06). The identity is the policy
 * user who owns the key, whatever SSH user name was typed. Each rejected key counts against the
 * connection (at most {@code max_auth_attempts}, like OpenSSH's MaxAuthTries) and against the
 * source address and user name ({@link AuthThrottle}); every rejection is an audit event.
 */
final class KeyAuthenticator implements PublickeyAuthenticator {
    private static final Logger LOG = LoggerFactory.getLogger(KeyAuthenticator.class);

    private final GatewayServices services;
    private final AuthThrottle throttle;

    KeyAuthenticator(GatewayServices services, AuthThrottle throttle) {
        this.services = services;
        this.throttle = throttle;
    }

    @Override
    public boolean authenticate(String username, PublicKey key, ServerSession session) {
        String source = address(session.getClientAddress());
        String ip = ip(session.getClientAddress());
        String fingerprint = SshKeys.fingerprint(key);
        if (!throttle.allows(ip, username)) {
            fail(session, username, source, fingerprint, "auth.throttled", "too many failed attempts from this address or for this user name");
            return false;
        }
        Optional<User> user = services.policy().current().policy().userByKey(SshKeys.toLine(key));
        if (user.isEmpty()) {
            throttle.recordFailure(ip, username);
            fail(session, username, source, fingerprint, "auth.failure", "unknown key");
            return false;
        }
        if (user.get().disabled()) {
            throttle.recordFailure(ip, username);
            fail(session, username, source, fingerprint, "auth.failure", "user '" + user.get().name() + "' is disabled");
            return false;
        }
        Identity previous = session.getAttribute(SessionAttributes.IDENTITY);
        session.setAttribute(SessionAttributes.IDENTITY, new Identity(user.get().name(), fingerprint, source));
        if (previous == null || !previous.user().equals(user.get().name())) {
            services.audit().append(services.audit().event("auth.success", "success")
                    .withSource(source).withUser(user.get().name())
                    .with("key", fingerprint).with("ssh_user", SessionBridge.printable(username)));
        }
        return true;
    }

    private void fail(ServerSession session, String username, String source, String fingerprint, String type, String reason) {
        services.audit().append(services.audit().event(type, "failure")
                .withSource(source).with("key", fingerprint).with("reason", reason)
                .with("ssh_user", SessionBridge.printable(username)));
        AtomicInteger failures = session.computeAttributeIfAbsent(SessionAttributes.FAILURES, k -> new AtomicInteger());
        if (failures.incrementAndGet() >= services.config().ssh().maxAuthAttempts()) {
            LOG.info("disconnecting {}: too many authentication failures", source);
            try {
                session.disconnect(SshConstants.SSH2_DISCONNECT_NO_MORE_AUTH_METHODS_AVAILABLE, "Too many authentication failures");
            } catch (java.io.IOException e) {
                session.close(true);
            }
        }
    }

    static String address(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            return ip(address) + ":" + inet.getPort();
        }
        return String.valueOf(address);
    }

    static String ip(SocketAddress address) {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(address);
    }
}
