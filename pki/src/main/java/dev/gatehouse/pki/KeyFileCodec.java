package dev.gatehouse.pki;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.common.NamedResource;
import org.apache.sshd.common.config.keys.FilePasswordProvider;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyEncryptionContext;
import org.apache.sshd.common.config.keys.writer.openssh.OpenSSHKeyPairResourceWriter;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8DecryptorProviderBuilder;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.operator.OutputEncryptor;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Key file formats, as bytes in and out; {@link SoftwareKeyStorage} owns paths and permissions.
 * Ed25519 keys use the OpenSSH format (bcrypt-pbkdf + aes256-ctr when encrypted), so
 * {@code ssh-keygen} can read and re-encrypt them; EC P-256 keys use PKCS#8 PEM (PBES2,
 * PBKDF2-HMAC-SHA256, AES-256-CBC when encrypted), so {@code openssl pkey} can.
 *
 * <p>Messages name the file and say what to do; they never contain key material or the passphrase.
 */
final class KeyFileCodec {
    /** OWASP's 2021 figure for PBKDF2-HMAC-SHA256; the key is decrypted once per start. */
    static final int PBKDF2_ITERATIONS = 310_000;
    /** ssh-keygen's default bcrypt rounds. */
    static final int BCRYPT_ROUNDS = 16;
    private static final String P256 = "secp256r1";
    private static final Provider BC = new BouncyCastleProvider();

    private KeyFileCodec() {}

    static KeyPair generate(KeyKind kind) {
        if (kind == KeyKind.ED25519) {
            return SshKeyCodec.generateEd25519();
        }
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec(P256));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot generate an EC P-256 key pair: " + e.getMessage(), e);
        }
    }

    // ---- Ed25519, OpenSSH format ------------------------------------------------------------

    static byte[] encodeOpenSsh(KeyPair pair, String comment, char[] passphrase) throws IOException {
        OpenSSHKeyEncryptionContext encryption = null;
        if (passphrase != null) {
            encryption = new OpenSSHKeyEncryptionContext();
            encryption.setCipherType("256");
            encryption.setCipherMode("CTR");
            encryption.setKdfRounds(BCRYPT_ROUNDS);
            // MINA only takes the passphrase as a String; it lives as long as this call.
            encryption.setPassword(new String(passphrase));
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            OpenSSHKeyPairResourceWriter.INSTANCE.writePrivateKey(pair, comment, encryption, out);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot encode the key in OpenSSH format: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    static KeyPair decodeOpenSsh(Path file, byte[] content, char[] passphrase) throws IOException {
        AtomicBoolean asked = new AtomicBoolean();
        FilePasswordProvider provider = (session, resource, retry) -> {
            asked.set(true);
            if (passphrase == null) {
                throw new IOException("no passphrase"); // replaced below by a message naming the file
            }
            return new String(passphrase);
        };
        List<KeyPair> pairs = new ArrayList<>();
        try {
            Iterable<KeyPair> loaded = SecurityUtils.loadKeyPairIdentities(
                    null, NamedResource.ofName(file.toString()), new ByteArrayInputStream(content), provider);
            if (loaded != null) {
                loaded.forEach(pairs::add);
            }
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            if (asked.get() && passphrase == null) {
                throw missingPassphrase(file);
            }
            throw new IOException(asked.get()
                    ? "cannot decrypt " + file + ": wrong passphrase or damaged file; check the configured key"
                            + " passphrase (ssh-keygen -y -f " + file + " tests it)"
                    : "cannot read " + file + " as an OpenSSH private key; restore it from backup, or move it away"
                            + " to generate a new key (nodes must then trust the new public key)",
                    e);
        }
        if (passphrase != null && !asked.get()) {
            throw new IOException(file + " is not encrypted but a key passphrase is configured; encrypt it with"
                    + " ssh-keygen -p -f " + file + " or remove the passphrase from the configuration");
        }
        if (pairs.size() != 1 || !KeyPairProvider.SSH_ED25519.equals(KeyUtils.getKeyType(pairs.get(0)))) {
            throw new IOException(file + " does not hold exactly one Ed25519 key; restore the right file or"
                    + " move it away to generate a new key");
        }
        return pairs.get(0);
    }

    static String publicLine(KeyPair pair, String comment) {
        return SshKeys.toLine(pair.getPublic()) + " " + comment + "\n";
    }

    // ---- EC P-256, PKCS#8 PEM ---------------------------------------------------------------

    static byte[] encodePkcs8(KeyPair pair, char[] passphrase) throws IOException {
        try {
            OutputEncryptor encryptor = null;
            if (passphrase != null) {
                encryptor = new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                        .setPRF(PKCS8Generator.PRF_HMACSHA256)
                        .setIterationCount(PBKDF2_ITERATIONS)
                        .setPassword(passphrase)
                        .setProvider(BC)
                        .build();
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (JcaPEMWriter pem = new JcaPEMWriter(new OutputStreamWriter(out, StandardCharsets.US_ASCII))) {
                pem.writeObject(new JcaPKCS8Generator(pair.getPrivate(), encryptor));
            }
            return out.toByteArray();
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new IOException("cannot set up PKCS#8 encryption: " + e.getMessage(), e);
        }
    }

    static KeyPair decodePkcs8(Path file, byte[] content, char[] passphrase) throws IOException {
        Object object;
        try (Reader reader = new InputStreamReader(new ByteArrayInputStream(content), StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            object = parser.readObject();
        } catch (IOException | RuntimeException e) {
            throw unreadablePem(file, e);
        }
        PrivateKeyInfo info;
        if (object instanceof PKCS8EncryptedPrivateKeyInfo encrypted) {
            if (passphrase == null) {
                throw missingPassphrase(file);
            }
            try {
                info = encrypted.decryptPrivateKeyInfo(
                        new JceOpenSSLPKCS8DecryptorProviderBuilder().setProvider(BC).build(passphrase));
            } catch (Exception e) {
                throw new IOException("cannot decrypt " + file + ": wrong passphrase or damaged file; check the"
                        + " configured key passphrase (openssl pkey -in " + file + " -noout tests it)", e);
            }
        } else if (object instanceof PrivateKeyInfo plain) {
            if (passphrase != null) {
                throw new IOException(file + " is not encrypted but a key passphrase is configured; encrypt it"
                        + " (openssl pkcs8 -topk8 -v2 aes-256-cbc) or remove the passphrase from the configuration");
            }
            info = plain;
        } else {
            throw unreadablePem(file, null);
        }
        try {
            PrivateKey key = new JcaPEMKeyConverter().getPrivateKey(info);
            if (!(key instanceof ECPrivateKey ec) || !isP256(ec)) {
                throw new IOException(file + " does not hold an EC P-256 key; restore the right file or move it"
                        + " away to generate a new key");
            }
            return new KeyPair(publicFromPrivate(ec), ec);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw unreadablePem(file, e);
        }
    }

    /** An EC public key as PEM {@code PUBLIC KEY} (X.509 SubjectPublicKeyInfo), as {@code openssl pkey -pubout} writes. */
    static byte[] encodePublicPem(java.security.PublicKey key) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JcaPEMWriter pem = new JcaPEMWriter(new OutputStreamWriter(out, StandardCharsets.US_ASCII))) {
            pem.writeObject(key);
        }
        return out.toByteArray();
    }

    /**
     * The EC P-256 public key of a PEM {@code PUBLIC KEY} file.
     *
     * @throws IOException naming the file when it holds anything else
     */
    static java.security.PublicKey decodePublicPem(Path file, byte[] content) throws IOException {
        try (Reader reader = new InputStreamReader(new ByteArrayInputStream(content), StandardCharsets.US_ASCII);
                PEMParser parser = new PEMParser(reader)) {
            if (parser.readObject() instanceof SubjectPublicKeyInfo info
                    && new JcaPEMKeyConverter().getPublicKey(info) instanceof ECPublicKey ec && isP256(ec.getParams())) {
                return ec;
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot read " + file + " as a PEM EC P-256 public key; copy it again from the"
                    + " gateway's data folder", e);
        }
        throw new IOException(file + " does not hold a PEM EC P-256 public key; copy it again from the gateway's data folder");
    }

    private static IOException missingPassphrase(Path file) {
        return new IOException(file + " is encrypted but no key passphrase is configured; configure the"
                + " passphrase it was written with");
    }

    private static IOException unreadablePem(Path file, Exception cause) {
        return new IOException("cannot read " + file + " as a PKCS#8 PEM private key; restore it from backup, or"
                + " move it away to generate a new key", cause);
    }

    private static boolean isP256(ECPrivateKey key) {
        return isP256(key.getParams());
    }

    private static boolean isP256(java.security.spec.ECParameterSpec params) {
        X9ECParameters p256 = ECNamedCurveTable.getByName(P256);
        return params.getOrder().equals(p256.getN())
                && params.getCurve().getField().getFieldSize() == 256
                && params.getGenerator().getAffineX().equals(p256.getG().getAffineXCoord().toBigInteger());
    }

    /** PKCS#8 need not carry the public point; Q = d·G recomputes it rather than trusting a second file. */
    private static java.security.PublicKey publicFromPrivate(ECPrivateKey key) throws GeneralSecurityException {
        X9ECParameters p256 = ECNamedCurveTable.getByName(P256);
        org.bouncycastle.math.ec.ECPoint q = p256.getG().multiply(key.getS()).normalize();
        BigInteger x = q.getAffineXCoord().toBigInteger();
        BigInteger y = q.getAffineYCoord().toBigInteger();
        return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), key.getParams()));
    }
}
