package dev.gatehouse.pki;

import java.io.IOException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The gateway's X.509 CA for HTTPS (RFC 5280 profile): it issues the server certificate for the
 * console host and {@code *.apps.HOST}, and the short-lived client certificates of
 * {@code app-cert}. Its key is ECDSA P-256 ({@link KeyKind#EC_P256}, kept by {@link KeyStorage}
 * like the other keys); its self-signed certificate ({@code CN=Gatehouse TLS CA <label>}, CA:true
 * pathlen 0, keyCertSign|cRLSign, 10 years) is the PEM file beside the key, which browsers and
 * curl are told to trust ({@code gatehouse ca show tls}).
 *
 * <p>Every certificate it issues is signed with SHA256withECDSA, carries SKI/AKI, and starts at
 * most {@link #BACKDATE} before now (clock skew between gateway and client).
 */
public interface TlsCertificateAuthority {

    /** Name of the CA key in {@link KeyStorage}; its certificate is {@code tls-ca.crt} beside it. */
    String KEY_NAME = "tls-ca";
    /** File name of the CA certificate (PEM) in the keys directory. */
    String CERTIFICATE_FILE = "tls-ca.crt";
    /** Lifetime of the CA certificate made at first start. */
    Duration CA_TTL = Duration.ofDays(3650);
    /** Default lifetime of a server certificate (the CA reissues one at every start). */
    Duration SERVER_TTL = Duration.ofDays(90);
    /** Upper bound on a client certificate's lifetime, whatever the caller asks. */
    Duration MAX_CLIENT_TTL = Duration.ofHours(24);
    /** How far before "now" a client certificate's notBefore is set (clock skew). */
    Duration BACKDATE = Duration.ofSeconds(60);

    /** The self-signed CA certificate. */
    X509Certificate certificate();

    /** The CA certificate as PEM ({@code -----BEGIN CERTIFICATE-----}). */
    default String certificatePem() {
        return TlsPem.certificate(certificate());
    }

    /**
     * A fresh P-256 key and certificate for the HTTPS listener: SAN dNSName {@code hostname} and
     * {@code *.apps.hostname} (an IP literal instead gets an iPAddress SAN and no wildcard), plus
     * each of {@code extraNames} (DNS names or IP literals); EKU serverAuth; keyUsage
     * digitalSignature; valid from now for {@code ttl}.
     *
     * @throws CertificateRefusedException when a name is not a DNS name or IP literal, or ttl is not positive
     */
    TlsServerCredentials serverCertificate(String hostname, List<String> extraNames, Duration ttl);

    /** {@link #serverCertificate(String, List, Duration)} with no extra names and {@link #SERVER_TTL}. */
    default TlsServerCredentials serverCertificate(String hostname) {
        return serverCertificate(hostname, List.of(), SERVER_TTL);
    }

    /**
     * A client certificate for {@code user} on app {@code app} at {@code node}: subject
     * {@code CN=user}, SAN URI {@code urn:gatehouse:app:APP--NODE} ({@link ClientCertificateClaims}),
     * EKU clientAuth, keyUsage digitalSignature, a random 127-bit serial, valid from now - 60 s to
     * {@code notAfter}.
     *
     * @param publicKey the holder's key, or empty to generate a P-256 key pair here (then returned)
     * @throws CertificateRefusedException when user, app or node is empty, contains control
     *     characters, app contains {@code --} or either is not a DNS label, or notAfter is not in
     *     the future or lies more than {@link #MAX_CLIENT_TTL} ahead
     */
    ClientCertificate clientCertificate(Optional<PublicKey> publicKey, String user, String app, String node, Instant notAfter);

    /**
     * What a client certificate presented to the gateway says, after checking it was signed by
     * this CA, is for client authentication, names an app and is valid now.
     *
     * @throws CertificateRefusedException naming what is wrong
     */
    ClientCertificateClaims claims(X509Certificate presented);

    /**
     * Loads the CA key from {@code storage} (creating it on first use) and its certificate from
     * {@code certificateFile} (creating and writing it, 0644, when missing).
     *
     * @param label the CA's name suffix, usually the gateway's chain id
     * @throws IOException when the key or certificate cannot be read or written, or the
     *     certificate on disk is not the key's (the message names the file and what to do)
     */
    static TlsCertificateAuthority open(KeyStorage storage, Path certificateFile, String label, Clock clock) throws IOException {
        return BcTlsCertificateAuthority.open(storage, certificateFile, label, clock);
    }

    /**
     * Reads an existing CA certificate without its key (for tools that only print it).
     *
     * @throws IOException when the file is missing or holds no certificate
     */
    static X509Certificate readCertificate(Path certificateFile) throws IOException {
        List<X509Certificate> chain = TlsPem.readCertificates(certificateFile);
        return chain.get(0);
    }
}
