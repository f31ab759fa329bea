package dev.gatehouse.pki;

import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.sshd.certificate.OpenSshCertificateBuilder;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;

/**
 * OpenSSH user CA: Ed25519 subjects (every per-connection key) are signed by {@link Ed25519CertificateSigner},
 * other key types by MINA's {@link OpenSshCertificateBuilder}.
 *
 * <p>Implementation notes: every field of the request is checked here (see
 * {@link CertificateRules}) because this is the last point before a signature exists. Times are
 * whole seconds in the certificate, so the start is rounded up and the end rounded down: the
 * window is never wider than the rules allow.
 */
final class OpenSshCertificateAuthority implements CertificateAuthority {
    static final Duration MAX_BACKDATE = Duration.ofSeconds(60);
    private static final String COMMENT = "gatehouse-user-ca";
    /** Key types OpenSSH certifies and MINA's builder accepts (no sk-*, no DSA). */
    private static final Set<String> CERTIFIABLE = Set.of(
            KeyPairProvider.SSH_ED25519,
            KeyPairProvider.ECDSA_SHA2_NISTP256,
            KeyPairProvider.ECDSA_SHA2_NISTP384,
            KeyPairProvider.ECDSA_SHA2_NISTP521,
            KeyPairProvider.SSH_RSA);

    private final KeyPair caKey;
    private final Set<String> forbidden;
    private final Clock clock;
    private final SerialGenerator serials;
    private final Ed25519CertificateSigner signer;
    private final SecureRandom nonces = new SecureRandom();

    OpenSshCertificateAuthority(KeyPair caKey, Set<String> forbiddenLogins, Clock clock) {
        this.caKey = checkCaKey(Objects.requireNonNull(caKey, "caKey"));
        this.forbidden = forbiddenLogins.stream()
                .map(login -> Objects.requireNonNull(login, "forbidden login").toLowerCase(Locale.ROOT))
                .collect(Collectors.toUnmodifiableSet());
        this.clock = Objects.requireNonNull(clock, "clock");
        this.serials = new SerialGenerator(new SecureRandom(), SerialGenerator.DEFAULT_WINDOW);
        this.signer = new Ed25519CertificateSigner(this.caKey);
    }

    private static KeyPair checkCaKey(KeyPair pair) {
        if (!KeyPairProvider.SSH_ED25519.equals(KeyUtils.getKeyType(pair))) {
            throw new IllegalArgumentException("the user CA key must be Ed25519, got " + pair.getPublic().getAlgorithm());
        }
        try {
            // A mismatched pair would sign certificates no node can verify; find out now.
            PublicKey recovered = SecurityUtils.recoverEDDSAPublicKey(pair.getPrivate());
            if (!KeyUtils.compareKeys(recovered, pair.getPublic())) {
                throw new IllegalArgumentException("the user CA private key does not match its public key");
            }
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("the user CA key cannot be used: " + e.getMessage(), e);
        }
        return pair;
    }

    @Override
    public PublicKey publicKey() {
        return caKey.getPublic();
    }

    @Override
    public String publicKeyLine() {
        return SshKeys.toLine(caKey.getPublic()) + " " + COMMENT;
    }

    @Override
    public IssuedCertificate issue(CertificateRequest request) {
        Objects.requireNonNull(request, "request");
        String subjectType = checkSubjectKey(request.subjectKey());
        CertificateRules.checkPrincipals(request.principals(), forbidden);
        CertificateRules.checkKeyId(request.keyId());
        CertificateRules.checkExtensions(request.extensions());
        CertificateRules.checkSourceAddresses(request.sourceAddresses());

        Instant now = clock.instant();
        Instant validAfter = ceilToSecond(now.minus(MAX_BACKDATE));
        Instant validBefore = validBefore(now, request);
        long serial = serials.next();
        Map<String, String> extensions = new TreeMap<>();
        request.extensions().forEach(name -> extensions.put(name, ""));
        TreeMap<String, String> critical = new TreeMap<>();
        if (!request.sourceAddresses().isEmpty()) {
            critical.put(OpenSshCertificate.SOURCE_ADDRESS, String.join(",", request.sourceAddresses()));
        }

        if (KeyPairProvider.SSH_ED25519.equals(subjectType)) {
            byte[] nonce = new byte[32];
            nonces.nextBytes(nonce);
            OpenSshCertificate certificate = signer.sign(request.subjectKey(), nonce, serial, request.keyId(),
                    request.principals(), validAfter.getEpochSecond(), validBefore.getEpochSecond(), critical,
                    extensions.keySet());
            return new IssuedCertificate(
                    certificate, serial, request.keyId(), List.copyOf(request.principals()), validAfter, validBefore);
        }
        OpenSshCertificateBuilder builder = OpenSshCertificateBuilder.userCertificate()
                .publicKey(request.subjectKey())
                .serial(serial)
                .id(request.keyId())
                .principals(request.principals())
                .validAfter(validAfter)
                .validBefore(validBefore);
        critical.forEach(builder::criticalOption);
        builder.extensions(extensions);

        OpenSshCertificate certificate;
        try {
            certificate = builder.sign(caKey);
        } catch (Exception e) {
            throw new IllegalStateException("signing a user certificate failed (serial " + serial + "): " + e.getMessage(), e);
        }
        return new IssuedCertificate(
                certificate, serial, request.keyId(), List.copyOf(request.principals()), validAfter, validBefore);
    }

    /** @return the subject's key type */
    private String checkSubjectKey(PublicKey subject) {
        if (subject == null) {
            throw CertificateRules.refused("no subject key");
        }
        if (subject instanceof OpenSshCertificate) {
            throw CertificateRules.refused("the subject key is itself a certificate; pass the plain public key");
        }
        String type = KeyUtils.getKeyType(subject);
        if (type == null || !CERTIFIABLE.contains(type)) {
            throw CertificateRules.refused("subject key type " + (type == null ? subject.getAlgorithm() : type)
                    + " cannot be certified; use Ed25519");
        }
        if (KeyUtils.compareKeys(subject, caKey.getPublic())) {
            throw CertificateRules.refused("the subject key is the CA key");
        }
        return type;
    }

    private static Instant validBefore(Instant now, CertificateRequest request) {
        Duration ttl = request.ttl();
        if (ttl == null || ttl.isZero() || ttl.isNegative()) {
            throw CertificateRules.refused("ttl must be positive, got " + ttl);
        }
        if (ttl.compareTo(MAX_TTL) > 0) {
            throw CertificateRules.refused("ttl " + ttl + " exceeds the maximum of " + MAX_TTL);
        }
        Instant end = now.plus(ttl);
        if (request.notAfter() == null) {
            throw CertificateRules.refused("notAfter must be an Optional, not null");
        }
        if (request.notAfter().isPresent() && request.notAfter().get().isBefore(end)) {
            end = request.notAfter().get();
        }
        end = Instant.ofEpochSecond(end.getEpochSecond()); // round down: never outlive the grant
        if (!end.isAfter(now)) {
            throw CertificateRules.refused("the certificate would end at " + end + ", not after now (" + now
                    + "); the grant has expired or ends within a second");
        }
        return end;
    }

    private static Instant ceilToSecond(Instant t) {
        return t.getNano() == 0 ? t : Instant.ofEpochSecond(t.getEpochSecond() + 1);
    }
}
