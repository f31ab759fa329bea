package dev.gatehouse.gateway.ssh;

import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.gateway.GatewayServices;
import dev.gatehouse.gateway.session.AuditBudget;
import dev.gatehouse.gateway.session.AuthThrottle;
import dev.gatehouse.gateway.session.Identity;
import dev.gatehouse.gateway.session.SourceKey;
import dev.gatehouse.gateway.shell.GatewayShell;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.keyboard.UserAuthKeyboardInteractiveFactory;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;
import org.apache.sshd.server.session.ServerUserAuthServiceFactory;
import org.apache.sshd.server.subsystem.SubsystemFactory;

/**
 * The SSH front door: public keys only, the algorithms of {@link Algorithms}, and a router that
 * sends {@code LOGIN@NODE} sessions to the bridge and plain user names to the gateway shell.
 * Nothing here serves files or opens connections from the gateway itself: the gateway's own disk
 * and network are not reachable through it. Local forwards ({@code direct-tcpip}) go only to the
 * loopback of the node a {@code LOGIN@NODE} connection is logged in to, when policy allows
 * ({@link ForwardChannel}); agent, X11 and remote forwarding are refused ({@link ForwardingRefusal}).
 *
 * <p>Authentication ({@link PublicKeyMethod}, {@link TotpAuth}) and its limits (R24, R30), each
 * keyed by something the client cannot aim at anyone else:
 * <ul>
 *   <li>per connection: {@code ssh.max_auth_attempts} failures, {@value #MAX_AUTH_REQUESTS} requests,
 *       {@value #AUTH_TIMEOUT_SECONDS} s to authenticate;
 *   <li>per source ({@link SourceKey}: IPv4 address, IPv6 /64), before authentication:
 *       {@code ssh.auth_failures_per_minute} failures (refused signed requests, signatures that do
 *       not verify), {@code ssh.refused_key_queries_per_minute} refused key queries (no guesses,
 *       counted apart), {@code ssh.max_unauthenticated_per_source} connections not yet
 *       authenticated, {@value #PRE_AUTH_EVENTS_PER_MINUTE} audit events a minute;
 *   <li>per person, after the signature: TOTP failures ({@link dev.gatehouse.gateway.access.SecondFactor});
 *   <li>per connection, after authentication: {@value #MAX_CHANNELS} channels open at once ({@link ChannelLimit}).
 * </ul>
 */
public final class SshFront implements AutoCloseable {
    /** Authentication requests per connection before MINA disconnects (RFC 4252 allows the server to cap them). */
    static final int MAX_AUTH_REQUESTS = 12;
    /** Seconds a connection has to authenticate. */
    static final int AUTH_TIMEOUT_SECONDS = 60;
    /** Audit events per source per minute from clients that have proven nothing ({@link AuditBudget}). */
    static final int PRE_AUTH_EVENTS_PER_MINUTE = 60;
    /**
     * Channels open at once per connection ({@link ChannelLimit}). OpenSSH's MaxSessions is 10; an
     * OpenSSH ControlMaster multiplexes every session of a user over one connection, so more.
     */
    static final int MAX_CHANNELS = 64;
    private static final AttributeKey<SourceKey> COUNTED = new AttributeKey<>();
    /** The connection's identity no longer holds; it is closed at the next pass without channels. */
    private static final AttributeKey<Boolean> DOOMED = new AttributeKey<>();

    private final GatewayServices services;
    /** What node sessions use: built once, handed to each {@link SessionBridge}. */
    private final SessionPath sessionPath;
    private final SshServer server;
    private final AuthAudit authAudit;
    /** {@code ssh.proxy_protocol}: reads the PROXY header of each connection; empty when not set. */
    private final java.util.Optional<ProxyAcceptor> proxy;
    /** Connections not yet authenticated, per source; an entry goes when its count reaches zero. */
    private final Map<SourceKey, Integer> unauthenticated = new ConcurrentHashMap<>();
    private volatile boolean stopping;

    public SshFront(GatewayServices services, KeyPair hostKey, SharedIo io) {
        this.services = services;
        this.sessionPath = SessionPath.of(services);
        var ssh = services.config().ssh();
        server = SshServer.setUpDefaultServer();
        Algorithms.applyFront(server, ssh.kex(), ssh.ciphers());
        server.setHost(ssh.listen().getHostString());
        server.setPort(ssh.listen().getPort());
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        AuthThrottle<SourceKey> sourceFailures = AuthThrottle.perSource(services.clock(), ssh.authFailuresPerMinute());
        AuthThrottle<SourceKey> refusedQueries =
                AuthThrottle.refusedQueriesPerSource(services.clock(), ssh.refusedKeyQueriesPerMinute());
        authAudit = new AuthAudit(services, sourceFailures, refusedQueries,
                new AuditBudget(services.audit(), services.clock(), PRE_AUTH_EVENTS_PER_MINUTE));
        KeyAuthenticator keys = new KeyAuthenticator(services.policy(), sourceFailures, refusedQueries);
        TotpAuth totp = new TotpAuth(services, authAudit);
        server.setUserAuthFactories(List.of(new PublicKeyMethod.Factory(keys, totp, authAudit),
                UserAuthKeyboardInteractiveFactory.INSTANCE));
        server.setPublickeyAuthenticator(keys);
        server.setPasswordAuthenticator(null);
        server.setKeyboardInteractiveAuthenticator(totp);
        server.setGSSAuthenticator(null);
        server.setHostBasedAuthenticator(null);
        ForwardingRefusal forwarding = new ForwardingRefusal(services.audit());
        server.setServiceFactories(List.of(ServerUserAuthServiceFactory.INSTANCE, new ChannelLimit.Factory(services.audit())));
        // direct-tcpip goes to the node's loopback when policy allows (ForwardChannel), never out of the gateway
        server.setChannelFactories(List.of(new GatewayChannelSession.Factory(forwarding, services.audit()),
                new ForwardChannel.Factory(sessionPath),
                new StreamLocalRefusal.ChannelRefusal(forwarding)));
        server.setForwardingFilter(forwarding);
        java.util.List<org.apache.sshd.common.channel.RequestHandler<org.apache.sshd.common.session.ConnectionService>> global =
                new java.util.ArrayList<>(server.getGlobalRequestHandlers());
        global.add(new StreamLocalRefusal.RequestRefusal(forwarding));
        server.setGlobalRequestHandlers(global);
        server.setShellFactory(channel -> route(channel, SessionBridge.Kind.SHELL, null));
        server.setCommandFactory((channel, command) -> route(channel, SessionBridge.Kind.EXEC, command));
        server.setSubsystemFactories(List.of(new SubsystemFactory() {
            @Override
            public String getName() {
                return "sftp";
            }

            @Override
            public Command createSubsystem(ChannelSession channel) {
                return route(channel, SessionBridge.Kind.SFTP, "sftp");
            }
        }));
        CoreModuleProperties.SERVER_IDENTIFICATION.set(server, "Gatehouse");
        CoreModuleProperties.MAX_AUTH_REQUESTS.set(server, MAX_AUTH_REQUESTS);
        CoreModuleProperties.AUTH_TIMEOUT.set(server, Duration.ofSeconds(AUTH_TIMEOUT_SECONDS));
        CoreModuleProperties.IDLE_TIMEOUT.set(server, ssh.idleTimeout());
        CoreModuleProperties.MAX_CONCURRENT_CHANNELS.set(server, MAX_CHANNELS);
        io.configure(server);
        FloodLimit flood = new FloodLimit();
        proxy = dev.gatehouse.gateway.balancer.TrustedBalancers.of(ssh.proxyProtocol())
                .map(trusted -> new ProxyAcceptor(trusted, authAudit, flood::admit));
        proxy.ifPresent(server::setServerProxyAcceptor);
        server.addSessionListener(flood);
    }

    /** Adds a listener to every SSH connection (the operations metrics count them); call before {@link #start}. */
    public void addSessionListener(SessionListener listener) {
        server.addSessionListener(listener);
    }

    /** Starts listening; returns the bound address (the real port when the configuration says 0). */
    public InetSocketAddress start() throws IOException {
        try {
            server.start();
        } catch (IOException e) {
            throw new IOException("cannot listen for SSH on " + dev.gatehouse.gateway.config.HostPort.format(services.config().ssh().listen())
                    + " (ssh.listen): " + e.getMessage(), e);
        }
        return new InetSocketAddress(services.config().ssh().listen().getHostString(), server.getPort());
    }

    private Command route(ChannelSession channel, SessionBridge.Kind kind, String command) {
        Identity identity = channel.getSession().getAttribute(SessionAttributes.IDENTITY);
        String user = channel.getSession().getUsername();
        if (user != null && user.indexOf('@') >= 0) {
            return new SessionBridge(sessionPath, kind, command);
        }
        if (kind == SessionBridge.Kind.SFTP) {
            return new GatewayShell(services, identity, "sftp");
        }
        return new GatewayShell(services, identity, command);
    }

    /**
     * Caps connections per source that have not authenticated yet (R24), and decides which methods
     * a connection offers. Counting is atomic per source ({@link Map#merge}, {@link Map#computeIfPresent}),
     * and a source's entry disappears with its last unauthenticated connection.
     */
    private final class FloodLimit implements SessionListener {
        @Override
        public void sessionCreated(Session session) {
            if (stopping) {
                session.close(true);
                return;
            }
            // keyboard-interactive exists only for the TOTP step: advertise it only when the policy can ask for it
            boolean totp = services.policy().current().policy().elevations().stream()
                    .anyMatch(e -> e.secondFactor().isPresent());
            CoreModuleProperties.AUTH_METHODS.set(session, totp ? "publickey keyboard-interactive" : "publickey");
            session.setAttribute(SessionAttributes.SECOND_FACTOR_OFFERED, totp);
            if (proxy.isPresent()) {
                // the client's address comes with the PROXY header: counted then (ProxyAcceptor calls admit)
                proxy.get().admitsPeer(session);
                return;
            }
            admit(session);
        }

        /** Counts the connection against its source, once the source is known; closes it over the limit. */
        void admit(Session session) {
            SourceKey source = SessionAttributes.source(session);
            int now = unauthenticated.merge(source, 1, Integer::sum);
            session.setAttribute(COUNTED, source);
            if (session.isClosing()) {
                release(session); // closed while its PROXY header was read: sessionClosed may have run already
                return;
            }
            if (now > services.config().ssh().maxUnauthenticatedPerSource()) {
                authAudit.connectionRefused(session, "too many unauthenticated connections from this source");
                session.close(true);
            }
        }

        @Override
        public void sessionEvent(Session session, Event event) {
            if (event == Event.Authenticated) {
                release(session);
            }
        }

        @Override
        public void sessionClosed(Session session) {
            release(session);
        }

        private void release(Session session) {
            SourceKey source = session.removeAttribute(COUNTED);
            if (source != null) {
                unauthenticated.computeIfPresent(source, (k, count) -> count > 1 ? count - 1 : null);
            }
        }
    }

    /**
     * Closes every connection whose proven identity {@code check} rejects (R28: a user removed,
     * disabled or locked, or their key removed), with the reason in the disconnect message and an
     * audit event. Their channels end first, through the session registry (or, for a channel being
     * opened, its own refusal); a connection is closed once it has none left, so the reason a
     * channel gives reaches the user before the connection goes. A connection is closed at the
     * second pass that finds it so (passes run once a second), never in the middle of opening one.
     *
     * @return how many connections it closed
     */
    public int closeConnections(java.util.function.Function<Identity, java.util.Optional<String>> check) {
        int closed = 0;
        for (org.apache.sshd.common.session.helpers.AbstractSession s : server.getActiveSessions()) {
            Identity identity = s.getAttribute(SessionAttributes.IDENTITY);
            if (identity == null || s.isClosing() || hasChannels(s)) {
                continue;
            }
            java.util.Optional<String> why = check.apply(identity);
            if (why.isEmpty()) {
                s.removeAttribute(DOOMED);
                continue;
            }
            if (s.setAttribute(DOOMED, Boolean.TRUE) == null) {
                // seen for the first time: a channel the client is opening right now gets its own
                // refusal (with its exit status) before the connection goes, at the next pass
                continue;
            }
            services.audit().append(services.audit().event(EventType.CONNECTION_CLOSED, "success").withSource(identity.source())
                    .withUser(identity.user()).with("key", identity.keyFingerprint()).with("reason", why.get()));
            try {
                s.disconnect(org.apache.sshd.common.SshConstants.SSH2_DISCONNECT_BY_APPLICATION, "gatehouse: " + why.get());
            } catch (IOException | RuntimeException e) {
                s.close(true);
            }
            closed++;
        }
        return closed;
    }

    private static boolean hasChannels(org.apache.sshd.common.session.helpers.AbstractSession s) {
        org.apache.sshd.common.session.ConnectionService service = s.getService(org.apache.sshd.common.session.ConnectionService.class);
        return service instanceof org.apache.sshd.common.session.helpers.AbstractConnectionService c && !c.getChannels().isEmpty();
    }

    /**
     * Turns new connections away from now on (each is closed as it arrives); the connections already
     * open go on. The first step of a graceful stop, so nobody starts a session the stop would cut
     * without a word.
     */
    public void stopAccepting() {
        stopping = true;
    }

    /**
     * Waits until every channel open now has closed, or {@code bound} has passed: a terminated
     * session closes its channel only once its last line (the reason) was written or
     * {@link SerialSink#LAST_LINE_WAIT} passed, so closing the connections before then would drop
     * that line ("still have 43 bytes of 43 on closing channel").
     *
     * @return how many of those channels were still open when the bound passed
     */
    public int awaitChannelsClosed(Duration bound) {
        List<java.util.concurrent.CompletableFuture<Void>> open = new java.util.ArrayList<>();
        for (org.apache.sshd.common.session.helpers.AbstractSession s : server.getActiveSessions()) {
            org.apache.sshd.common.session.ConnectionService service;
            try {
                service = s.getService(org.apache.sshd.common.session.ConnectionService.class);
            } catch (IllegalStateException noChannelsYet) {
                continue; // still authenticating (MINA throws rather than return null): no channel to wait for
            }
            if (service instanceof org.apache.sshd.common.session.helpers.AbstractConnectionService c) {
                for (org.apache.sshd.common.channel.Channel channel : c.getChannels()) {
                    java.util.concurrent.CompletableFuture<Void> closed = new java.util.concurrent.CompletableFuture<>();
                    channel.addCloseFutureListener(f -> closed.complete(null));
                    open.add(closed);
                }
            }
        }
        try {
            java.util.concurrent.CompletableFuture.allOf(open.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            // the bound passed: what is still open is counted below
        }
        return (int) open.stream().filter(f -> !f.isDone()).count();
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }
}
