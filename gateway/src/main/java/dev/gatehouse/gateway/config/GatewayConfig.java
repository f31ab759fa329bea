package dev.gatehouse.gateway.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The gateway's start-up configuration, validated once (see {@link ConfigLoader}). Everything here
 * needs a restart to change; the policy file it names is reloaded on change.
 *
 * @param file the configuration file itself
 * @param dataDir CA key, host key, audit key and (by default) the SQLite store
 * @param ssh SSH front settings
 * @param store audit store settings
 * @param certificates per-connection certificate settings
 * @param recording what sessions record
 * @param keys how the gateway's private keys are protected at rest
 * @param elevation just-in-time elevation settings
 * @param policyFile the hot-reloadable policy file
 * @param web the HTTPS listener: console and app proxy
 * @param ops the operations listener: {@code /metrics}, {@code /healthz}, {@code /readyz}
 * @param audit where audit events are pushed besides the store (a syslog receiver), if anywhere
 * @param instance this instance among several sharing one database: its label and heartbeat
 */
public record GatewayConfig(
        Path file,
        Path dataDir,
        Ssh ssh,
        Store store,
        Certificates certificates,
        Recording recording,
        Keys keys,
        Elevation elevation,
        Path policyFile,
        Web web,
        Ops ops,
        Audit audit,
        Instance instance) {

    /**
     * @param listen address the SSH front binds (port 0 picks a free port)
     * @param idleTimeout idle sessions are closed after this long
     * @param maxAuthAttempts authentication failures per connection before it is disconnected
     * @param authFailuresPerMinute failed authentications tolerated per source (IPv4 address, IPv6 /64) per
     *     minute before authentication; never per user name, which any stranger can type
     * @param refusedKeyQueriesPerMinute key queries (no signature) refused per source per minute, counted
     *     apart from {@code authFailuresPerMinute}: a query proves nothing, so it is no guess, but each is
     *     an answer about which keys the gateway knows
     * @param maxUnauthenticatedPerSource concurrent connections per source (IPv4 address, IPv6 /64) that have
     *     not authenticated yet
     * @param upstreamConnectTimeout how long to wait for a node to answer
     * @param ioThreads threads that run the sockets of both sides (default half the cores, at least 1)
     * @param proxyProtocol {@code ssh.proxy_protocol}: the load balancers whose connections must start with a
     *     PROXY protocol header; empty (the default) when the listener reads none
     */
    public record Ssh(
            InetSocketAddress listen,
            Duration idleTimeout,
            int maxAuthAttempts,
            int authFailuresPerMinute,
            int refusedKeyQueriesPerMinute,
            int maxUnauthenticatedPerSource,
            Duration upstreamConnectTimeout,
            List<String> kex,
            List<String> ciphers,
            List<String> upstreamKex,
            int ioThreads,
            Optional<ProxyProtocol> proxyProtocol) {

        /** Half the cores: every socket event is one wake-up, and idle threads cost a hand-off per event. */
        public static int defaultIoThreads() {
            return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        }
    }

    /**
     * @param url JDBC URL ({@code jdbc:sqlite:...} or {@code jdbc:postgresql://...}); SQLite paths are absolute here
     * @param failClosed refuse new sessions while the store cannot take writes (default true)
     * @param checkpointEvery records between signed checkpoints
     * @param checkpointInterval time between signed checkpoints
     * @param witnessFiles more files every signed checkpoint is appended to, besides
     *     {@link #defaultWitness()}: witnesses kept out of reach of someone holding the data folder
     *     (a mount from another host); absolute paths, in the configured order
     */
    public record Store(String url, boolean failClosed, int checkpointEvery, Duration checkpointInterval,
            List<Path> witnessFiles) {
        public Store {
            witnessFiles = List.copyOf(witnessFiles);
        }
    }

    /** The witness file every gateway keeps: {@code checkpoints.jsonl} in the data folder. */
    public Path defaultWitness() {
        return dataDir.resolve("checkpoints.jsonl");
    }

    /** Every file the gateway appends its signed checkpoints to: the default witness, then {@code store.witness_files}. */
    public List<Path> witnessFiles() {
        List<Path> all = new java.util.ArrayList<>();
        all.add(defaultWitness());
        all.addAll(store.witnessFiles());
        return List.copyOf(all);
    }

    /**
     * @param ttl lifetime of per-connection certificates (default 2 minutes)
     * @param sourceAddresses CIDRs written into {@code source-address}: the gateway's egress addresses
     */
    public record Certificates(Duration ttl, List<String> sourceAddresses) {}

    /**
     * @param streams record the bytes of sessions (terminal, exec streams); when false only the
     *     events are audited (session start and end, commands, file transfers, decisions). For
     *     measuring what recording costs, not for production: the gateway warns at every start
     * @param recordInput record keystrokes of interactive sessions too
     * @param streamCapBytes bytes of each exec stream stored (hash and count always cover all of it)
     */
    public record Recording(boolean streams, boolean recordInput, long streamCapBytes) {}

    /**
     * @param passphraseEnv environment variable holding the key passphrase
     * @param passphraseFile file holding the key passphrase
     */
    public record Keys(Optional<String> passphraseEnv, Optional<Path> passphraseFile) {}

    /**
     * @param pendingTimeout requests not approved within this long expire
     * @param webhook where to post notifications of new requests and decisions, if anywhere
     */
    public record Elevation(Duration pendingTimeout, Optional<Webhook> webhook) {}

    /**
     * @param url http(s) URL receiving a JSON POST per event
     * @param timeout per attempt
     * @param attempts attempts before giving up
     * @param secretEnv environment variable with the HMAC signing secret ({@code X-Gatehouse-Signature}), if any
     */
    public record Webhook(java.net.URI url, Duration timeout, int attempts, Optional<String> secretEnv) {}

    /**
     * The HTTPS listener (console at {@code https://HOSTNAME:PORT/}, apps at
     * {@code https://APP--NODE.apps.HOSTNAME:PORT/}).
     *
     * @param enabled whether the gateway listens for HTTPS at all (default true)
     * @param listen address the HTTPS listener binds (default {@code 127.0.0.1:8443}; port 0 picks a free port)
     * @param hostname the console's host name, under which apps get {@code *.apps.HOSTNAME} (default
     *     {@code localhost}, whose subdomains browsers and curl resolve to loopback); lower case, no port
     * @param tlsCert the operator's certificate chain (PEM) for {@code HOSTNAME} and {@code *.apps.HOSTNAME},
     *     used instead of one from the gateway's TLS CA; absolute, set together with {@code tlsKey}
     * @param tlsKey the private key (PEM) of {@code tlsCert}; absolute
     * @param tls12 also accept TLS 1.2 with AEAD ECDHE suites (default false: TLS 1.3 only)
     * @param sessionTtl lifetime of a browser session cookie (default 8 h; never beyond the grant it rests on)
     * @param loginTicketTtl lifetime of a one-time {@code web-login} ticket (default 60 s)
     * @param appCertTtl default lifetime of an {@code app-cert} client certificate (default 1 h)
     * @param oidc browser login through an OpenID Connect provider, besides {@code web-login}; empty when not set
     * @param tlsProvider the TLS implementation ({@code web.tls_provider}: {@code auto}, the default, takes
     *     OpenSSL when its native library loads and the JDK's otherwise; {@code jdk}; {@code openssl})
     * @param proxyProtocol {@code web.proxy_protocol}: the load balancers whose connections must start with a
     *     PROXY protocol header (before TLS); empty (the default) when the listener reads none
     */
    public record Web(
            boolean enabled,
            InetSocketAddress listen,
            String hostname,
            Optional<Path> tlsCert,
            Optional<Path> tlsKey,
            boolean tls12,
            Duration sessionTtl,
            Duration loginTicketTtl,
            Duration appCertTtl,
            Optional<dev.gatehouse.gateway.web.oidc.OidcConfig> oidc,
            dev.gatehouse.gateway.web.tls.TlsProvider tlsProvider,
            Optional<ProxyProtocol> proxyProtocol) {

        /** As the canonical constructor without {@code web.proxy_protocol}. */
        public Web(boolean enabled, InetSocketAddress listen, String hostname, Optional<Path> tlsCert, Optional<Path> tlsKey,
                boolean tls12, Duration sessionTtl, Duration loginTicketTtl, Duration appCertTtl,
                Optional<dev.gatehouse.gateway.web.oidc.OidcConfig> oidc, dev.gatehouse.gateway.web.tls.TlsProvider tlsProvider) {
            this(enabled, listen, hostname, tlsCert, tlsKey, tls12, sessionTtl, loginTicketTtl, appCertTtl, oidc, tlsProvider,
                    Optional.empty());
        }

        /** This listener with {@code web.proxy_protocol} set to {@code proxy} (tests). */
        public Web withProxyProtocol(Optional<ProxyProtocol> proxy) {
            return new Web(enabled, listen, hostname, tlsCert, tlsKey, tls12, sessionTtl, loginTicketTtl, appCertTtl, oidc,
                    tlsProvider, proxy);
        }

        /** As the canonical constructor with {@code web.tls_provider} at its default, {@code auto}. */
        public Web(boolean enabled, InetSocketAddress listen, String hostname, Optional<Path> tlsCert, Optional<Path> tlsKey,
                boolean tls12, Duration sessionTtl, Duration loginTicketTtl, Duration appCertTtl,
                Optional<dev.gatehouse.gateway.web.oidc.OidcConfig> oidc) {
            this(enabled, listen, hostname, tlsCert, tlsKey, tls12, sessionTtl, loginTicketTtl, appCertTtl, oidc,
                    dev.gatehouse.gateway.web.tls.TlsProvider.AUTO);
        }

        /** The defaults the contract names: enabled on {@code 127.0.0.1:8443} for {@code localhost}, TLS 1.3 only. */
        public static Web defaults() {
            return new Web(true, InetSocketAddress.createUnresolved("127.0.0.1", 8443), "localhost", Optional.empty(),
                    Optional.empty(), false, Duration.ofHours(8), Duration.ofSeconds(60), Duration.ofHours(1), Optional.empty());
        }
    }

    /**
     * {@code ssh.proxy_protocol} / {@code web.proxy_protocol}: the PROXY protocol (HAProxy's
     * proxy-protocol.txt, versions 1 and 2) from trusted load balancers. A connection from an address
     * in {@code from} must start with a valid header, whose source address then stands for the client
     * everywhere (audit, per-source limits, logs, live listings); a connection from any other address
     * is closed unread.
     *
     * @param from the trusted balancers, at least one, in the configured order
     */
    public record ProxyProtocol(List<Cidr> from) {
        public ProxyProtocol {
            if (from.isEmpty()) {
                throw new IllegalArgumentException("proxy_protocol.from must name at least one CIDR");
            }
            from = List.copyOf(from);
        }

        /** The CIDRs as configured, canonical ({@code 10.0.0.5/32}). */
        public List<String> texts() {
            return from.stream().map(Cidr::text).toList();
        }
    }

    /**
     * An IP network.
     *
     * @param address the network address: 4 bytes (IPv4) or 16 (IPv6), no bits set beyond {@code prefix}
     * @param prefix the prefix length in bits, 0 to 32 or 0 to 128
     * @param text its canonical text, {@code 10.0.0.0/8}
     */
    public record Cidr(byte[] address, int prefix, String text) {
        public Cidr {
            address = address.clone();
            if ((address.length != 4 && address.length != 16) || prefix < 0 || prefix > address.length * 8) {
                throw new IllegalArgumentException("not a CIDR: " + text);
            }
        }

        @Override
        public byte[] address() {
            return address.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Cidr c && c.text.equals(text);
        }

        @Override
        public int hashCode() {
            return text.hashCode();
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /**
     * The operations listener (plain HTTP, meant for loopback or a management network).
     *
     * @param enabled whether it listens at all (default true)
     * @param listen address it binds (default {@code 127.0.0.1:9464}; port 0 picks a free port)
     * @param hosts {@code ops.hosts}: DNS names, lower case without a trailing dot, that a request's
     *     {@code Host} may name besides IP literals and {@code localhost} (default none; the
     *     DNS-rebinding guard, see {@code OpsHosts})
     */
    public record Ops(boolean enabled, InetSocketAddress listen, java.util.List<String> hosts) {
        public Ops {
            hosts = java.util.List.copyOf(hosts);
        }

        /** On {@code 127.0.0.1:9464}, the port Prometheus exporters conventionally take; no extra host names. */
        public static Ops defaults() {
            return new Ops(true, InetSocketAddress.createUnresolved("127.0.0.1", 9464), java.util.List.of());
        }
    }

    /** @param syslog the RFC 5424 push sink; empty when {@code audit.syslog} is not set */
    public record Audit(Optional<Syslog> syslog) {}

    /**
     * {@code audit.syslog}: each audit event of this gateway's chain sent as an RFC 5424 message
     * over TCP (RFC 6587 octet counting) or TLS (RFC 5425), resuming from a cursor file in the data folder.
     *
     * @param host receiver host name or address
     * @param port receiver port (default 6514 with TLS, 514 without)
     * @param tls whether to speak TLS (RFC 5425)
     * @param caFile with TLS, the PEM file of the CA(s) the receiver's certificate must chain to; absolute
     * @param appName RFC 5424 APP-NAME (default {@code gatehouse}; 1 to 48 printable ASCII characters)
     * @param facility RFC 5424 facility code 0..23 (default 10, {@code authpriv})
     */
    public record Syslog(String host, int port, boolean tls, Optional<Path> caFile, String appName, int facility) {}

    /**
     * {@code instance:}: this gateway among several that share one PostgreSQL (issue 13).
     *
     * @param name the label shown in {@code live} and the console; empty: the chain id ({@code data_dir/instance-id})
     * @param heartbeat how often this instance writes its heartbeat and its live sessions' counters (default 2 s)
     * @param deadAfter an instance whose heartbeat is older is listed as dead, its sessions as {@code dead}
     *     (default 10 s; longer than {@code heartbeat})
     */
    /**
     * {@code instance:}: how this instance is named and found by the others sharing its store.
     *
     * @param name shown in listings; absent: the chain id
     * @param heartbeat how often it writes its heartbeat and sessions
     * @param deadAfter a heartbeat older than this makes it dead to the others
     * @param advertise the host name or address the other instances reach it at (with the
     *     listeners' bound ports); absent: the listeners' bound addresses, which must then not be
     *     wildcards for cross-instance observe
     */
    public record Instance(Optional<String> name, Duration heartbeat, Duration deadAfter, Optional<String> advertise) {
        public static Instance defaults() {
            return new Instance(Optional.empty(), Duration.ofSeconds(2), Duration.ofSeconds(10), Optional.empty());
        }
    }
}
