package dev.gatehouse.pki;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * PEM (RFC 7468) for X.509 certificates and PKCS#8 private keys, through Bouncy Castle's
 * {@code JcaPEMWriter} and {@code PEMParser}. Readers name the file and what is wrong.
 */
public final class TlsPem {
    private TlsPem() {}

    /** {@code -----BEGIN CERTIFICATE-----} PEM of {@code certificate}, ending in a newline. */
    public static String certificate(X509Certificate certificate) {
        return write(certificate);
    }

    /** Unencrypted PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}, RFC 5958) of {@code key}. */
    public static String privateKey(PrivateKey key) {
        try {
            return write(new JcaPKCS8Generator(key, null).generate());
        } catch (org.bouncycastle.util.io.pem.PemGenerationException e) {
            throw new IllegalArgumentException("cannot encode this " + key.getAlgorithm() + " key as PKCS#8: " + e.getMessage(), e);
        }
    }

    private static String write(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException("PEM encoding failed", e);
        }
        return out.toString();
    }

    /**
     * The certificates in a PEM file, in file order (a chain: leaf first).
     *
     * @throws IOException when the file is missing or unreadable, holds something else than
     *     certificates, or none
     */
    public static List<X509Certificate> readCertificates(Path file) throws IOException {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Object object : parse(file)) {
            if (!(object instanceof X509CertificateHolder holder)) {
                throw new IOException(file + " holds a " + kind(object) + " where a certificate (-----BEGIN CERTIFICATE-----)"
                        + " was expected; put only the certificate chain, leaf first, in this file");
            }
            try {
                certificates.add(new JcaX509CertificateConverter().getCertificate(holder));
            } catch (CertificateException e) {
                throw new IOException(file + " holds a certificate the JDK cannot read: " + e.getMessage(), e);
            }
        }
        if (certificates.isEmpty()) {
            throw new IOException(file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return List.copyOf(certificates);
    }

    /**
     * The one private key in a PEM file: PKCS#8 ({@code PRIVATE KEY}) or a traditional
     * {@code EC PRIVATE KEY} / {@code RSA PRIVATE KEY}.
     *
     * @throws IOException when the file is missing or unreadable, the key is encrypted (not
     *     supported here: use an unencrypted file readable only by the gateway), or there is not
     *     exactly one key
     */
    public static PrivateKey readPrivateKey(Path file) throws IOException {
        List<Object> objects = parse(file);
        if (objects.size() != 1) {
            throw new IOException(file + " holds " + objects.size() + " PEM objects; it must hold exactly one private key");
        }
        Object object = objects.get(0);
        if (object instanceof PrivateKeyInfo info) {
            return jdkKey(file, info);
        }
        if (object instanceof PEMKeyPair pair) {
            return jdkKey(file, pair.getPrivateKeyInfo());
        }
        if (object instanceof PKCS8EncryptedPrivateKeyInfo || object instanceof PEMEncryptedKeyPair) {
            throw new IOException(file + " holds an encrypted private key; give the gateway an unencrypted key file"
                    + " readable only by its user (chmod 600)");
        }
        throw new IOException(file + " holds a " + kind(object) + " where a private key (-----BEGIN PRIVATE KEY-----)"
                + " was expected");
    }

    /**
     * The key as the JDK's own provider makes it (algorithm {@code EC}, {@code RSA}, ...), never a
     * Bouncy Castle key object, which the JDK's TLS key managers do not match to "EC" suites.
     */
    private static PrivateKey jdkKey(Path file, PrivateKeyInfo info) throws IOException {
        String oid = info.getPrivateKeyAlgorithm().getAlgorithm().getId();
        String algorithm = switch (oid) {
            case "1.2.840.10045.2.1" -> "EC";
            case "1.2.840.113549.1.1.1" -> "RSA";
            case "1.2.840.113549.1.1.10" -> "RSASSA-PSS";
            case "1.3.101.112" -> "Ed25519";
            default -> throw new IOException(file + " holds a private key of an unsupported algorithm (OID " + oid
                    + "); use an EC P-256/P-384, RSA or Ed25519 key");
        };
        try {
            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " holds a malformed " + algorithm + " private key: " + e.getMessage(), e);
        }
    }

    private static List<Object> parse(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IOException(file + " does not exist", e);
        } catch (IOException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                objects.add(o);
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not valid PEM: " + e.getMessage(), e);
        }
        return objects;
    }

    private static String kind(Object object) {
        if (object instanceof PrivateKeyInfo || object instanceof PEMKeyPair
                || object instanceof PKCS8EncryptedPrivateKeyInfo || object instanceof PEMEncryptedKeyPair) {
            return "private key";
        }
        if (object instanceof X509CertificateHolder) {
            return "certificate";
        }
        return object.getClass().getSimpleName();
    }
}
