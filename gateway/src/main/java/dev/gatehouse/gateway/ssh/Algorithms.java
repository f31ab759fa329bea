package dev.gatehouse.gateway.ssh;

import java.util.List;
import org.apache.sshd.common.compression.BuiltinCompressions;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.helpers.AbstractFactoryManager;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.mac.BuiltinMacs;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.server.ServerBuilder;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.common.kex.DHFactory;
import java.util.function.Function;

/**
 * The only algorithms Gatehouse offers (R10): post-quantum hybrid key exchange first, AEAD ciphers,
 * encrypt-then-MAC MACs; no SHA-1, CBC, NIST-curve key exchange or DSA. Strict key exchange (the
 * Terrapin countermeasure) is negotiated automatically by MINA SSHD when the peer offers it.
 */
public final class Algorithms {
    /** Key exchange, most preferred first. */
    static final List<BuiltinDHFactories> KEX = List.of(
            BuiltinDHFactories.mlkem768x25519,
            BuiltinDHFactories.sntrup761x25519_openssh,
            BuiltinDHFactories.curve25519,
            BuiltinDHFactories.curve25519_libssh);

    /**
     * Ciphers offered to clients. OpenSSH clients pick by their own order (chacha20 first), so
     * this order matters only for other clients.
     */
    static final List<BuiltinCiphers> FRONT_CIPHERS = List.of(
            BuiltinCiphers.cc20p1305_openssh, BuiltinCiphers.aes256gcm, BuiltinCiphers.aes128gcm);

    /** Ciphers toward nodes: we are the client and choose AES-GCM first (AES-NI is several times faster in Java). */
    static final List<BuiltinCiphers> UPSTREAM_CIPHERS = List.of(
            BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm, BuiltinCiphers.cc20p1305_openssh);

    static final List<BuiltinMacs> MACS = List.of(BuiltinMacs.hmacsha512etm, BuiltinMacs.hmacsha256etm);

    /**
     * Signature algorithms. The host key is Ed25519 only, so only ssh-ed25519 is advertised as a host
     * key algorithm; the others verify users' keys (RSA only with SHA-2) and nodes' host keys.
     */
    static final List<BuiltinSignatures> SIGNATURES = List.of(
            BuiltinSignatures.ed25519, BuiltinSignatures.ed25519_cert,
            BuiltinSignatures.nistp256, BuiltinSignatures.nistp256_cert,
            BuiltinSignatures.nistp384, BuiltinSignatures.nistp384_cert,
            BuiltinSignatures.nistp521, BuiltinSignatures.nistp521_cert,
            BuiltinSignatures.rsaSHA512, BuiltinSignatures.rsaSHA512_cert,
            BuiltinSignatures.rsaSHA256, BuiltinSignatures.rsaSHA256_cert,
            BuiltinSignatures.sk_ssh_ed25519, BuiltinSignatures.sk_ecdsa_sha2_nistp256);

    private Algorithms() {}

    /** Front (server) algorithms. */
    public static void applyFront(AbstractFactoryManager manager) {
        apply(manager, FRONT_CIPHERS, ServerBuilder.DH2KEX);
    }

    /** Upstream (client) algorithms. */
    public static void applyUpstream(AbstractFactoryManager manager) {
        apply(manager, UPSTREAM_CIPHERS, ClientBuilder.DH2KEX);
    }

    private static void apply(AbstractFactoryManager manager, List<BuiltinCiphers> ciphers,
            Function<DHFactory, KeyExchangeFactory> role) {
        List<KeyExchangeFactory> kex = NamedFactory.setUpTransformedFactories(true, KEX, role);
        manager.setKeyExchangeFactories(kex);
        manager.setCipherFactories(List.copyOf(NamedFactory.setUpBuiltinFactories(true, ciphers)));
        manager.setMacFactories(List.copyOf(NamedFactory.setUpBuiltinFactories(true, MACS)));
        manager.setSignatureFactories(List.copyOf(NamedFactory.setUpBuiltinFactories(true, SIGNATURES)));
        manager.setCompressionFactories(List.of(BuiltinCompressions.none));
    }
}
