package dev.gatehouse.bench;

import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What one SSH packet costs to seal in this JDK: the JCE AEADs the gateway runs once per leg per
 * packet (MINA SSHD uses the JCE provider for AES-GCM and JCE ChaCha20 for chacha20-poly1305),
 * with a fresh nonce per packet as SSH does. Multiply ops/s by {@code packet} for bytes/s per core.
 */
@State(Scope.Thread)
public class CipherBench {
    @Param({"32768"})
    public int packet;

    private byte[] in;
    private byte[] out;
    private Cipher gcm;
    private Cipher chacha;
    private SecretKeySpec aesKey;
    private SecretKeySpec chachaKey;
    private final byte[] nonce = new byte[12];
    private long counter;
    private byte[] sealed;
    private byte[] work;
    private final byte[] fixedNonce = new byte[12];

    @Setup
    public void setUp() throws Exception {
        SecureRandom r = new SecureRandom();
        byte[] k = new byte[32];
        r.nextBytes(k);
        aesKey = new SecretKeySpec(k, 0, 16, "AES");
        chachaKey = new SecretKeySpec(k, "ChaCha20");
        in = new byte[packet];
        r.nextBytes(in);
        out = new byte[packet + 16];
        gcm = Cipher.getInstance("AES/GCM/NoPadding");
        chacha = Cipher.getInstance("ChaCha20-Poly1305");
        Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, fixedNonce));
        c.updateAAD(in, 0, 4);
        sealed = new byte[packet + 16];
        System.arraycopy(in, 0, sealed, 0, 4);
        c.doFinal(in, 4, packet - 4, sealed, 4);
        work = new byte[packet + 16];
    }

    private byte[] nextNonce() {
        counter++;
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] = (byte) (counter >>> (8 * i));
        }
        return nonce;
    }

    @Benchmark
    public int aes128gcm() throws Exception {
        gcm.init(Cipher.ENCRYPT_MODE, aesKey, new GCMParameterSpec(128, nextNonce()));
        gcm.updateAAD(in, 0, 4);
        return gcm.doFinal(in, 4, packet - 4, out, 0);
    }

    /** Receiving side, in place in one buffer as an SSH packet is decrypted. */
    @Benchmark
    public int aes128gcmDecryptInPlace() throws Exception {
        System.arraycopy(sealed, 0, work, 0, sealed.length);
        gcm.init(Cipher.DECRYPT_MODE, aesKey, new GCMParameterSpec(128, fixedNonce));
        gcm.updateAAD(work, 0, 4);
        return gcm.doFinal(work, 4, packet - 4 + 16, work, 4);
    }

    @Benchmark
    public int chacha20poly1305() throws Exception {
        chacha.init(Cipher.ENCRYPT_MODE, chachaKey, new IvParameterSpec(nextNonce()));
        chacha.updateAAD(in, 0, 4);
        return chacha.doFinal(in, 4, packet - 4, out, 0);
    }
}
