package dev.gatehouse.gateway.web.tls;

import dev.gatehouse.pki.ClientCertificateClaims;
import dev.gatehouse.pki.TlsCertificateAuthority;
import dev.gatehouse.pki.TlsPem;
import dev.gatehouse.pki.TlsServerCredentials;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The HTTPS listener's TLS: one Netty {@link SslContext} for the console host and every
 * {@code APP--NODE.apps.HOST}, on OpenSSL (BoringSSL via netty-tcnative) or the JDK's JSSE as
 * {@link TlsProvider} ({@code web.tls_provider}) chooses; the rules below hold for both.
 *
 * <ul>
 *   <li>Protocols: TLS 1.3 only (RFC 8446); with {@code tls12} also TLS 1.2 (RFC 5246) restricted
 *       to ECDHE key exchange with AEAD ciphers (AES-GCM, RFC 5289; ChaCha20-Poly1305, RFC 7905).
 *   <li>ALPN (RFC 7301): {@code h2} then {@code http/1.1}; a client offering neither gets no
 *       ALPN answer and speaks HTTP/1.1.
 *   <li>Client certificates: requested, not required (so browsers without one are not asked to
 *       choose); only the gateway's TLS CA is trusted, and the CA names it in the
 *       CertificateRequest so curl and browsers pick an {@code app-cert} certificate. The handshake
 *       fails when a client presents a certificate from any other CA: a wrong
 *       certificate is an error, never an anonymous connection.
 *   <li>Key and chain: a fresh server certificate from the TLS CA for {@code hostname} and
 *       {@code *.apps.hostname}, or the operator's PEM files ({@code web.tls_cert} chain leaf
 *       first, {@code web.tls_key} its private key).
 * </ul>
 */
public final class ServerTls {
    /** TLS 1.3 suites (RFC 8446 B.4), all AEAD. */
    static final List<String> TLS13_SUITES = List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256");
    /** TLS 1.2 suites allowed with {@code tls12}: ECDHE and AEAD only. */
    static final List<String> TLS12_SUITES = List.of(
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** What is served now: a context and its chain, replaced together when renewed. */
    private record Served(SslContext context, List<X509Certificate> chain) {}

    private final String hostname;
    private final TlsCertificateAuthority ca;
    private final Clock clock;
    private final boolean fromCa;
    private final List<String> protocols;
    private final List<String> suites;
    private final String files;
    private final SslProvider provider;
    private volatile Served served;

    /**
     * Builds the context.
     *
     * @param hostname the console host name ({@code web.hostname}); the CA-issued certificate covers it and {@code *.apps.hostname}
     * @param tls12 also allow TLS 1.2 (ECDHE + AEAD suites only)
     * @param tlsCert the operator's certificate chain PEM ({@code web.tls_cert}), or empty to use the TLS CA
     * @param tlsKey the operator's private key PEM ({@code web.tls_key}); given exactly when {@code tlsCert} is
     * @param ca the gateway's TLS CA: issues the default certificate and is the only trusted client CA
     * @param clock checks that an operator's certificate is valid now, and when the CA's is due for renewal
     * @throws IOException when the operator's files are missing, unreadable, not PEM of the right
     *     kind, do not match each other or the certificate is outside its validity; the message
     *     names the setting and the file
     */
    public ServerTls(String hostname, boolean tls12, Optional<Path> tlsCert, Optional<Path> tlsKey,
            TlsCertificateAuthority ca, Clock clock) throws IOException {
        this(hostname, tls12, tlsCert, tlsKey, ca, clock, TlsProvider.AUTO);
    }

    /**
     * Builds the context on the given TLS implementation; as the other constructor otherwise.
     *
     * @param provider {@code web.tls_provider}: {@code auto} takes OpenSSL when it loads, else the JDK
     * @throws IOException also when {@code provider} is {@code openssl} and OpenSSL cannot load here
     */
    public ServerTls(String hostname, boolean tls12, Optional<Path> tlsCert, Optional<Path> tlsKey,
            TlsCertificateAuthority ca, Clock clock, TlsProvider provider) throws IOException {
        this.hostname = Objects.requireNonNull(hostname, "hostname");
        this.ca = Objects.requireNonNull(ca, "ca");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (tlsCert.isPresent() != tlsKey.isPresent()) {
            throw new IOException("web.tls_cert and web.tls_key go together: "
                    + (tlsCert.isPresent() ? "web.tls_cert is set (" + tlsCert.get() + ") but web.tls_key is not"
                            : "web.tls_key is set (" + tlsKey.get() + ") but web.tls_cert is not")
                    + "; set both, or neither to use the gateway's own TLS CA");
        }
        this.fromCa = tlsCert.isEmpty();
        this.files = fromCa ? "" : " (web.tls_cert " + tlsCert.get() + ", web.tls_key " + tlsKey.get() + ")";
        this.protocols = tls12 ? List.of("TLSv1.3", "TLSv1.2") : List.of("TLSv1.3");
        this.suites = tls12 ? concat(TLS13_SUITES, TLS12_SUITES) : TLS13_SUITES;
        this.provider = Objects.requireNonNull(provider, "provider").resolve();
        this.served = build(fromCa ? ca.serverCertificate(hostname) : operatorCredentials(tlsCert.get(), tlsKey.get(), clock.instant()));
    }

    private Served build(TlsServerCredentials credentials) throws IOException {
        try {
            SslContext context = SslContextBuilder.forServer(credentials.privateKey(),
                            credentials.chain().toArray(X509Certificate[]::new))
                    .sslProvider(provider)
                    .protocols(protocols)
                    .ciphers(suites, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .trustManager(ca.certificate())
                    .clientAuth(ClientAuth.OPTIONAL)
                    .build();
            return new Served(context, credentials.chain());
        } catch (SSLException e) {
            throw new IOException("cannot set up the HTTPS listener's TLS: " + e.getMessage() + files, e);
        }
    }

    /**
     * The server context for a new connection ({@code context().newHandler(alloc)}). A certificate
     * from the gateway's CA is renewed here once two thirds of its life have passed, so a gateway
     * that runs for months never serves an expired one; connections already open keep theirs.
     * An operator's certificate is served as given (renewing it is the operator's job).
     */
    public SslContext context() {
        Served current = served;
        if (fromCa && renewalDue(current.chain().get(0), clock.instant())) {
            synchronized (this) {
                if (served == current) {
                    try {
                        served = build(ca.serverCertificate(hostname));
                    } catch (IOException | RuntimeException e) {
                        // keep serving the old one (still valid for a third of its life) and try again next time
                        return current.context();
                    }
                }
                return served.context();
            }
        }
        return current.context();
    }

    private static boolean renewalDue(X509Certificate leaf, Instant now) {
        Instant from = leaf.getNotBefore().toInstant();
        Duration life = Duration.between(from, leaf.getNotAfter().toInstant());
        return !now.isBefore(from.plus(life.multipliedBy(2).dividedBy(3)));
    }

    /** The certificate chain served now, leaf first. */
    public List<X509Certificate> chain() {
        return served.chain();
    }

    /** The TLS implementation in use: {@link SslProvider#OPENSSL} or {@link SslProvider#JDK}. */
    public SslProvider provider() {
        return provider;
    }

    /** The enabled protocol versions, newest first ({@code TLSv1.3}, then {@code TLSv1.2} when allowed). */
    public List<String> protocols() {
        return protocols;
    }

    /**
     * The {@code app-cert} claims of the client certificate on a finished handshake's session.
     *
     * @return empty when the client sent no certificate
     * @throws dev.gatehouse.pki.CertificateRefusedException when it sent one this CA did not
     *     issue for an app, or that is expired (the TLS layer should already have refused those)
     */
    public Optional<ClientCertificateClaims> clientCertificate(SSLSession session) {
        Certificate[] peer;
        try {
            peer = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return Optional.empty();
        }
        if (peer.length == 0 || !(peer[0] instanceof X509Certificate leaf)) {
            return Optional.empty();
        }
        return Optional.of(ca.claims(leaf));
    }

    private static TlsServerCredentials operatorCredentials(Path certFile, Path keyFile, Instant now) throws IOException {
        List<X509Certificate> chain;
        PrivateKey key;
        try {
            chain = TlsPem.readCertificates(certFile);
        } catch (IOException e) {
            throw new IOException("web.tls_cert: " + e.getMessage(), e);
        }
        try {
            key = TlsPem.readPrivateKey(keyFile);
        } catch (IOException e) {
            throw new IOException("web.tls_key: " + e.getMessage(), e);
        }
        X509Certificate leaf = chain.get(0);
        if (!matches(key, leaf)) {
            throw new IOException("web.tls_key " + keyFile + " is not the private key of the first certificate in web.tls_cert "
                    + certFile + " (" + leaf.getSubjectX500Principal().getName() + "); put the leaf certificate first and"
                    + " give its own key");
        }
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            throw new IOException("web.tls_cert " + certFile + ": the certificate expired at " + leaf.getNotAfter().toInstant()
                    + "; renew it, or remove web.tls_cert and web.tls_key to use the gateway's own TLS CA");
        }
        if (now.isBefore(leaf.getNotBefore().toInstant())) {
            throw new IOException("web.tls_cert " + certFile + ": the certificate is not valid before "
                    + leaf.getNotBefore().toInstant() + "; check the clock or the certificate");
        }
        return new TlsServerCredentials(key, chain);
    }

    /** True when {@code key} signs what {@code certificate}'s public key verifies (any key algorithm). */
    private static boolean matches(PrivateKey key, X509Certificate certificate) {
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) {
            return false;
        }
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            // a key of another algorithm than the certificate's: not its key
            return false;
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }

    @Override
    public String toString() {
        X509Certificate leaf = served.chain().get(0);
        return "ServerTls[" + provider + " " + String.join(",", protocols) + ", leaf=" + leaf.getSubjectX500Principal().getName()
                + ", notAfter=" + leaf.getNotAfter().toInstant() + "]";
    }
}
