package dev.gatehouse.gateway.ssh;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.sshd.client.ClientBuilder;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.cipher.BuiltinCiphers;
import org.apache.sshd.common.compression.BuiltinCompressions;
import org.apache.sshd.common.helpers.AbstractFactoryManager;
import org.apache.sshd.common.kex.BuiltinDHFactories;
import org.apache.sshd.common.kex.DHFactory;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.apache.sshd.common.mac.BuiltinMacs;
import org.apache.sshd.common.signature.BuiltinSignatures;
import org.apache.sshd.server.ServerBuilder;

/**
 * The only algorithms Gatehouse may offer (R10): post-quantum hybrid key exchange, AEAD ciphers,
 * encrypt-then-MAC MACs; no SHA-1, CBC, NIST-curve key exchange or DSA. Strict key exchange (the
 * Terrapin countermeasure) is negotiated automatically by MINA SSHD when the peer offers it.
 * Which of them are offered, and in what order, is configuration ({@code ssh.ciphers},
 * {@code ssh.kex}, {@code ssh.upstream_kex}); the defaults and why are in the README.
 */
public final class Algorithms {
    /** Every key exchange Gatehouse can offer, by its SSH name. */
    public static final Map<String, BuiltinDHFactories> KEX = named(
            BuiltinDHFactories.mlkem768x25519,
            BuiltinDHFactories.sntrup761x25519_openssh,
            BuiltinDHFactories.curve25519,
            BuiltinDHFactories.curve25519_libssh);

    /** Every cipher Gatehouse can offer, by its SSH name. */
    public static final Map<String, BuiltinCiphers> CIPHERS = named(
            BuiltinCiphers.aes128gcm, BuiltinCiphers.aes256gcm, BuiltinCiphers.cc20p1305_openssh);

    /**
     * Key exchange offered to clients, PQ hybrids first. The client's order decides; OpenSSH 9.9+
     * picks ML-KEM, older clients sntrup761.
     */
    public static final List<String> DEFAULT_KEX = List.of("mlkem768x25519-sha256", "sntrup761x25519-sha512@openssh.com",
            "curve25519-sha256", "curve25519-sha256@libssh.org");

    /**
     * Key exchange toward nodes, where the gateway chooses: ML-KEM hybrid first (cheap), then
     * curve25519; sntrup761 last, because in Java it costs about 100 ms of CPU per connection.
     */
    public static final List<String> DEFAULT_UPSTREAM_KEX = List.of("mlkem768x25519-sha256", "curve25519-sha256",
            "curve25519-sha256@libssh.org", "sntrup761x25519-sha512@openssh.com");

    /**
     * Ciphers offered to clients: AES-GCM only. OpenSSH clients take chacha20-poly1305 whenever it
     * is offered, and Java's ChaCha20 runs at a few hundred MiB/s per core against several GiB/s for
     * AES-GCM with AES-NI; offering it would cap every transfer through the gateway.
     */
    public static final List<String> DEFAULT_CIPHERS = List.of("aes256-gcm@openssh.com", "aes128-gcm@openssh.com");

    /** Ciphers toward nodes: we are the client and choose AES-GCM first. */
    static final List<String> UPSTREAM_CIPHERS = List.of("aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
            "chacha20-poly1305@openssh.com");

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
    public static void applyFront(AbstractFactoryManager manager, List<String> kex, List<String> ciphers) {
        apply(manager, kex, ciphers, ServerBuilder.DH2KEX);
    }

    /** Upstream (client) algorithms. */
    public static void applyUpstream(AbstractFactoryManager manager, List<String> kex) {
        apply(manager, kex, UPSTREAM_CIPHERS, ClientBuilder.DH2KEX);
    }

    private static void apply(AbstractFactoryManager manager, List<String> kexNames, List<String> cipherNames,
            Function<DHFactory, KeyExchangeFactory> role) {
        List<BuiltinDHFactories> kex = pick(KEX, kexNames);
        List<BuiltinCiphers> ciphers = pick(CIPHERS, cipherNames);
        manager.setKeyExchangeFactories(NamedFactory.setUpTransformedFactories(true, kex, role));
        manager.setCipherFactories(List.copyOf(NamedFactory.setUpBuiltinFactories(true, ciphers)));
        manager.setMacFactories(List.copyOf(NamedFactory.setUpBuiltinFactories(true, MACS)));
        manager.setSignatureFactories(List.copyOf(NamedFactory.setUpBuiltinFactories(true, SIGNATURES)));
        manager.setCompressionFactories(List.of(BuiltinCompressions.none));
    }

    private static <T> List<T> pick(Map<String, T> known, List<String> names) {
        List<T> out = new ArrayList<>();
        for (String name : names) {
            T value = known.get(name);
            if (value == null) {
                throw new IllegalArgumentException("unknown algorithm '" + name + "' (known: " + known.keySet() + ")");
            }
            out.add(value);
        }
        return out;
    }

    @SafeVarargs
    private static <T extends org.apache.sshd.common.NamedResource> Map<String, T> named(T... values) {
        Map<String, T> out = new LinkedHashMap<>();
        for (T v : values) {
            out.put(v.getName(), v);
        }
        return java.util.Collections.unmodifiableMap(out);
    }
}
