package dev.gatehouse.pki;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.SortedMap;
import org.apache.sshd.common.config.keys.OpenSshCertificate;
import org.apache.sshd.common.config.keys.OpenSshCertificateImpl;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Writes and signs {@code ssh-ed25519-cert-v01@openssh.com} user certificates for Ed25519 subjects,
 * the only kind the gateway issues per connection (PROTOCOL.certkeys in OpenSSH's sources).
 *
 * <p>Why not MINA's builder: it looks up a signature factory by name, builds and initialises a JCA
 * {@code Signature}, and re-encodes both keys for every certificate. Those were a quarter of each
 * issue next to a signature that is fast on its own. This signer keeps the CA key as Bouncy
 * Castle parameters, which cache the public point, and encodes the fixed parts once. For the same
 * nonce it produces the same bytes as MINA's builder (Ed25519 is deterministic); the tests pin that.
 */
final class Ed25519CertificateSigner {
    static final String CERT_TYPE = "ssh-ed25519-cert-v01@openssh.com";
    private static final int USER_CERT = 1;

    private final Ed25519PrivateKeyParameters caKey;
    /** The CA's public key blob ({@code string "ssh-ed25519" ‖ string pk}), the "signature key" field. */
    private final byte[] caBlob;
    private final PublicKey caPublic;

    Ed25519CertificateSigner(KeyPair ca) {
        this.caKey = parameters(ca);
        this.caPublic = ca.getPublic();
        Buffer b = new ByteArrayBuffer(64);
        b.putString(KeyPairProvider.SSH_ED25519);
        b.putBytes(raw(ca.getPublic()));
        this.caBlob = b.getCompactData();
        if (!java.util.Arrays.equals(caKey.generatePublicKey().getEncoded(), raw(ca.getPublic()))) {
            throw new IllegalArgumentException("the user CA private key does not match its public key");
        }
    }

    /**
     * @param nonce 32 random bytes (OpenSSH's own length)
     * @param criticalOptions name to value, in name order
     * @param extensions names (values are empty), in name order
     */
    OpenSshCertificate sign(PublicKey subject, byte[] nonce, long serial, String keyId, Collection<String> principals,
            long validAfter, long validBefore, SortedMap<String, String> criticalOptions, Collection<String> extensions) {
        Buffer b = new ByteArrayBuffer(512, false);
        b.putString(CERT_TYPE);
        b.putBytes(nonce);
        b.putBytes(raw(subject));
        b.putLong(serial);
        b.putInt(USER_CERT);
        b.putString(keyId);
        Buffer list = new ByteArrayBuffer(64, false);
        principals.forEach(list::putString);
        b.putBytes(list.array(), 0, list.wpos());
        b.putLong(validAfter);
        b.putLong(validBefore);
        list = new ByteArrayBuffer(64, false);
        for (var option : criticalOptions.entrySet()) {
            list.putString(option.getKey());
            byte[] value = option.getValue().getBytes(StandardCharsets.UTF_8);
            list.putInt(value.length + 4L); // the data is itself a string
            list.putBytes(value);
        }
        b.putBytes(list.array(), 0, list.wpos());
        list = new ByteArrayBuffer(64, false);
        for (String extension : extensions) {
            list.putString(extension);
            list.putBytes(new byte[0]);
        }
        b.putBytes(list.array(), 0, list.wpos());
        b.putString(""); // reserved
        b.putBytes(caBlob);
        int signedLength = b.wpos();

        byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
        caKey.sign(Ed25519.Algorithm.Ed25519, null, b.array(), 0, signedLength, signature, 0);
        Buffer sig = new ByteArrayBuffer(96, false);
        sig.putString(KeyPairProvider.SSH_ED25519);
        sig.putBytes(signature);
        // The same object MINA's builder returns, from the keys in hand: parsing the bytes back
        // would decode and validate both Ed25519 points again, as costly as the signature.
        OpenSshCertificateImpl cert = new OpenSshCertificateImpl();
        cert.setKeyType(CERT_TYPE);
        cert.setNonce(nonce.clone());
        cert.setCertPubKey(subject);
        cert.setSerial(serial);
        cert.setType(OpenSshCertificate.Type.USER);
        cert.setId(keyId);
        cert.setPrincipals(new ArrayList<>(principals));
        cert.setValidAfter(validAfter);
        cert.setValidBefore(validBefore);
        List<OpenSshCertificate.CertificateOption> options = new ArrayList<>();
        criticalOptions.forEach((name, value) -> options.add(new OpenSshCertificate.CertificateOption(name, value)));
        cert.setCriticalOptions(options);
        List<OpenSshCertificate.CertificateOption> exts = new ArrayList<>();
        extensions.forEach(name -> exts.add(new OpenSshCertificate.CertificateOption(name, "")));
        cert.setExtensions(exts);
        cert.setCaPubKey(caPublic);
        cert.setMessage(Arrays.copyOf(b.array(), signedLength));
        cert.setSignature(Arrays.copyOf(sig.array(), sig.wpos()));
        return cert;
    }

    /** The 32-byte public point of an Ed25519 key (MINA writes the key blob: type, then the point). */
    private static byte[] raw(PublicKey key) {
        Buffer b = new ByteArrayBuffer(64);
        b.putRawPublicKey(key);
        b.getString();
        return b.getBytes();
    }

    /** Bouncy Castle's parameters for the CA key, parsed from its PKCS#8 form (RFC 8410). */
    private static Ed25519PrivateKeyParameters parameters(KeyPair ca) {
        byte[] pkcs8 = ca.getPrivate().getEncoded();
        if (pkcs8 == null) {
            throw new IllegalArgumentException("the user CA private key cannot be exported for signing");
        }
        try {
            if (PrivateKeyFactory.createKey(pkcs8) instanceof Ed25519PrivateKeyParameters params) {
                return params;
            }
            throw new IllegalArgumentException("the user CA private key is not Ed25519");
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("the user CA private key cannot be read: " + e.getMessage(), e);
        } finally {
            java.util.Arrays.fill(pkcs8, (byte) 0);
        }
    }
}
