package dev.gatehouse.pki;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * {@link TlsCertificateAuthority} with Bouncy Castle's certificate builder (RFC 5280 profile).
 *
 * <p>Serials are 127 random bits (positive, at most 16 octets as RFC 5280 4.1.2.2 allows);
 * {@link SerialGenerator}'s 63-bit SSH serials are shorter than the CA/Browser Forum's 64-bit
 * minimum of entropy, so it is not reused here.
 */
final class BcTlsCertificateAuthority implements TlsCertificateAuthority {
    private static final String SIGNATURE = "SHA256withECDSA";
    /** A DNS name (RFC 1123 labels), optionally with a leading {@code *.} wildcard label. */
    private static final Pattern DNS_NAME = Pattern.compile(
            "(?=.{1,253}$)(\\*\\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final Pattern APP = Pattern.compile("(?!.*--)[A-Za-z0-9]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");
    private static final Pattern NODE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

    private final KeyPair caKey;
    private final X509Certificate caCertificate;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    BcTlsCertificateAuthority(KeyPair caKey, X509Certificate caCertificate, Clock clock) {
        this.caKey = Objects.requireNonNull(caKey, "caKey");
        this.caCertificate = Objects.requireNonNull(caCertificate, "caCertificate");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (!Arrays.equals(caKey.getPublic().getEncoded(), caCertificate.getPublicKey().getEncoded())) {
            throw new IllegalArgumentException("the TLS CA certificate is not for the TLS CA key");
        }
    }

    static TlsCertificateAuthority open(KeyStorage storage, Path certificateFile, String label, Clock clock) throws IOException {
        KeyPair key = storage.loadOrGenerate(KEY_NAME, KeyKind.EC_P256);
        if (Files.exists(certificateFile)) {
            X509Certificate existing = TlsPem.readCertificates(certificateFile).get(0);
            if (!Arrays.equals(existing.getPublicKey().getEncoded(), key.getPublic().getEncoded())) {
                throw new IOException(certificateFile + " is not the certificate of the TLS CA key beside it (" + KEY_NAME
                        + ".pem); restore the pair from backup, or delete " + certificateFile + " and the next start makes a"
                        + " new certificate for the key (clients must then trust it again)");
            }
            return new BcTlsCertificateAuthority(key, existing, clock);
        }
        X509Certificate created = selfSigned(key, label, clock.instant());
        writePublic(certificateFile, TlsPem.certificate(created));
        return new BcTlsCertificateAuthority(key, created, clock);
    }

    /** The CA's own certificate: CA:true pathlen 0, keyCertSign|cRLSign, SKI, 10 years from now. */
    static X509Certificate selfSigned(KeyPair key, String label, Instant now) {
        String suffix = label == null || label.isBlank() ? new BigInteger(64, new SecureRandom()).toString(16) : label.strip();
        X500Name name = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, "Gatehouse TLS CA " + suffix).build();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(new SecureRandom()),
                Date.from(now.minus(BACKDATE)), Date.from(now.plus(CA_TTL)), name, key.getPublic());
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(key.getPublic()));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the TLS CA certificate: " + e.getMessage(), e);
        }
        return sign(builder, key);
    }

    @Override
    public X509Certificate certificate() {
        return caCertificate;
    }

    @Override
    public TlsServerCredentials serverCertificate(String hostname, List<String> extraNames, Duration ttl) {
        Objects.requireNonNull(hostname, "hostname");
        if (ttl == null || ttl.isNegative() || ttl.isZero()) {
            throw new CertificateRefusedException("server certificate lifetime must be positive, got " + ttl);
        }
        List<GeneralName> names = new ArrayList<>();
        names.add(generalName(hostname));
        if (names.get(0).getTagNo() == GeneralName.dNSName) {
            names.add(generalName("*.apps." + hostname));
        }
        for (String extra : extraNames) {
            names.add(generalName(extra));
        }
        KeyPair leafKey = KeyFileCodec.generate(KeyKind.EC_P256);
        Instant now = clock.instant();
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, cnFor(hostname)).build();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate, serial(random),
                Date.from(now), Date.from(now.plus(ttl)), subject, leafKey.getPublic());
        addLeafExtensions(builder, leafKey.getPublic(), KeyPurposeId.id_kp_serverAuth, names);
        return new TlsServerCredentials(leafKey.getPrivate(), List.of(sign(builder, caKey), caCertificate));
    }

    @Override
    public ClientCertificate clientCertificate(Optional<PublicKey> publicKey, String user, String app, String node, Instant notAfter) {
        Objects.requireNonNull(publicKey, "publicKey");
        checkUser(user);
        if (app == null || !APP.matcher(app).matches()) {
            throw new CertificateRefusedException("app name '" + printable(app) + "' is not usable in a certificate"
                    + " (letters, digits, '_', '-', no '--', not ending in '-', at most 63)");
        }
        if (node == null || !NODE.matcher(node).matches()) {
            throw new CertificateRefusedException("node name '" + printable(node) + "' is not usable in a certificate");
        }
        Instant now = clock.instant();
        if (notAfter == null || !notAfter.isAfter(now)) {
            throw new CertificateRefusedException("client certificate must end in the future, got " + notAfter);
        }
        if (notAfter.isAfter(now.plus(MAX_CLIENT_TTL))) {
            throw new CertificateRefusedException("client certificate lifetime may not exceed " + MAX_CLIENT_TTL.toHours()
                    + "h; asked until " + notAfter);
        }
        Optional<KeyPair> generated = publicKey.isPresent() ? Optional.empty() : Optional.of(KeyFileCodec.generate(KeyKind.EC_P256));
        PublicKey subjectKey = publicKey.orElseGet(() -> generated.get().getPublic());
        BigInteger serial = serial(random);
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, user).build();
        JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(caCertificate, serial,
                Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, subjectKey);
        addLeafExtensions(builder, subjectKey, KeyPurposeId.id_kp_clientAuth,
                List.of(new GeneralName(GeneralName.uniformResourceIdentifier, ClientCertificateClaims.uri(app, node))));
        X509Certificate certificate = sign(builder, caKey);
        return new ClientCertificate(certificate, generated.map(KeyPair::getPrivate), serial.toString(16),
                certificate.getNotAfter().toInstant());
    }

    @Override
    public ClientCertificateClaims claims(X509Certificate presented) {
        return ClientCertificateClaims.from(presented, caCertificate, clock.instant());
    }

    private void addLeafExtensions(JcaX509v3CertificateBuilder builder, PublicKey subjectKey, KeyPurposeId purpose,
            List<GeneralName> names) {
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(GeneralName[]::new)));
            builder.addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(subjectKey));
            builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(caCertificate.getPublicKey()));
        } catch (CertIOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build certificate extensions: " + e.getMessage(), e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer) {
        try {
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(SIGNATURE).build(signer.getPrivate())));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException("certificate signing failed: " + e.getMessage(), e);
        }
    }

    /** 127 random bits, never zero: positive and at most 16 DER octets. */
    private static BigInteger serial(SecureRandom random) {
        BigInteger serial;
        do {
            serial = new BigInteger(127, random);
        } while (serial.signum() == 0);
        return serial;
    }

    private static GeneralName generalName(String name) {
        if (name == null || name.isEmpty()) {
            throw new CertificateRefusedException("a certificate name must not be empty");
        }
        if (isIpLiteral(name)) {
            return new GeneralName(GeneralName.iPAddress, name);
        }
        // an all-digit last label is no top-level domain (RFC 3696 2): 999.1.1.1 is a mistyped address
        if (!DNS_NAME.matcher(name).matches() || name.substring(name.lastIndexOf('.') + 1).matches("[0-9]+")) {
            throw new CertificateRefusedException("'" + printable(name) + "' is neither a DNS name nor an IP address");
        }
        return new GeneralName(GeneralName.dNSName, name.toLowerCase(java.util.Locale.ROOT));
    }

    /** True for an IPv4 dotted quad or an IPv6 literal; parsed as text, never resolved. */
    static boolean isIpLiteral(String name) {
        return org.bouncycastle.util.IPAddress.isValid(name);
    }

    private static String cnFor(String hostname) {
        return hostname.length() <= 64 ? hostname : "Gatehouse";
    }

    private static void checkUser(String user) {
        if (user == null || user.isBlank() || user.length() > 64 || user.codePoints().anyMatch(Character::isISOControl)) {
            throw new CertificateRefusedException("user name '" + printable(user) + "' is not usable as a certificate subject"
                    + " (1 to 64 characters, no control characters)");
        }
    }

    private static String printable(String text) {
        if (text == null) {
            return "null";
        }
        String shown = text.length() > 64 ? text.substring(0, 64) + "..." : text;
        return SshKeyCodec.quote(shown);
    }

    private static void writePublic(Path file, String pem) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve("." + file.getFileName() + "." + Long.toHexString(new SecureRandom().nextLong()) + ".tmp");
        try {
            Files.writeString(temp, pem, StandardCharsets.US_ASCII);
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IOException("cannot write " + file + ": " + e.getMessage() + "; check that " + dir
                    + " is writable by the gateway's user", e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
