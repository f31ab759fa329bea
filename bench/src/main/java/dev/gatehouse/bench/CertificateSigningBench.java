package dev.gatehouse.bench;

import dev.gatehouse.pki.CertificateAuthority;
import dev.gatehouse.pki.CertificateRequest;
import dev.gatehouse.pki.IssuedCertificate;
import dev.gatehouse.pki.SshKeys;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The CA's per-connection work (target: at least 20,000 certificates/s/core; JMH runs it on one
 * thread, so the score is per core). {@code issue} signs a prepared request; {@code keyAndIssue}
 * adds the ephemeral Ed25519 key the gateway generates for every upstream login.
 */
@State(Scope.Benchmark)
public class CertificateSigningBench {
    private CertificateAuthority ca;
    private CertificateRequest request;
    private KeyPair caKey;
    private Ed25519PrivateKeyParameters bcKey;
    private final byte[] tbs = new byte[320]; // about the size of the signed part of a user certificate

    @Setup
    public void setUp() {
        caKey = SshKeys.generateEd25519();
        ca = CertificateAuthority.openSsh(caKey, Set.of("toor"), Clock.systemUTC());
        request = request(SshKeys.generateEd25519());
        try {
            bcKey = (Ed25519PrivateKeyParameters) PrivateKeyFactory.createKey(caKey.getPrivate().getEncoded());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CertificateRequest request(KeyPair subject) {
        return new CertificateRequest(subject.getPublic(), List.of("aiops"), "user=alice;session=s-0123456789",
                Duration.ofMinutes(2), Optional.empty(), List.of("127.0.0.1/32"), Set.of("permit-pty"));
    }

    @Benchmark
    public IssuedCertificate issue() {
        return ca.issue(request);
    }

    /** The floor under {@link #issue}: one raw Ed25519 signature with the signer MINA SSHD uses. */
    @Benchmark
    public byte[] ed25519SignOnly() throws Exception {
        Signature signer = SecurityUtils.getEDDSASigner();
        signer.initSigner(null, caKey.getPrivate());
        signer.update(null, tbs);
        return signer.sign(null);
    }

    /**
     * The floor under {@link #issue} for Ed25519 subjects: one signature with Bouncy Castle's
     * low-level parameters, as the CA's own certificate signer makes it.
     */
    @Benchmark
    public byte[] ed25519BcSignOnly() {
        byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        bcKey.sign(Ed25519.Algorithm.Ed25519, null, tbs, 0, tbs.length, signature, 0);
        return signature;
    }

    @Benchmark
    public IssuedCertificate keyAndIssue() {
        return ca.issue(request(SshKeys.generateEd25519()));
    }
}
