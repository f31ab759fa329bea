package dev.gatehouse.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SecretBoxTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final SecretBox box = new SecretBox(keyMaterial());
    private final byte[] secret = Totp.generate(RANDOM).bytes();

    private static byte[] keyMaterial() {
        byte[] k = new byte[48];
        RANDOM.nextBytes(k);
        return k;
    }

    @Test
    void sealedSecretOpensToTheSameBytes() {
        String sealed = box.seal(secret);
        assertThat(sealed).startsWith("v1:");
        assertThat(box.open(sealed)).isEqualTo(secret);
        assertThat(box.open(box.seal(secret, "alice"), "alice")).isEqualTo(secret);
    }

    /** Threat: equal secrets produce equal ciphertexts, telling a database reader which users share one. */
    @Test
    void sealingTwiceGivesDifferentCiphertexts() {
        assertThat(box.seal(secret)).isNotEqualTo(box.seal(secret));
    }

    /** Threat: someone with write access to the store alters a sealed secret and the gateway uses the result. */
    @Test
    void anyModifiedByteIsDetected() {
        byte[] raw = Base64.getDecoder().decode(box.seal(secret).substring(3));
        for (int i = 0; i < raw.length; i++) {
            byte[] tampered = raw.clone();
            tampered[i] ^= 0x01;
            String value = "v1:" + Base64.getEncoder().encodeToString(tampered);
            assertThatThrownBy(() -> box.open(value))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("failed authentication");
        }
    }

    /** Threat: a store copied to another gateway (other key) yields usable second factors. */
    @Test
    void anotherKeyCannotOpen() {
        String sealed = box.seal(secret);
        assertThatThrownBy(() -> new SecretBox(keyMaterial()).open(sealed))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("failed authentication");
    }

    /** Threat: a store writer copies their own sealed secret into a victim's row and answers the victim's challenge. */
    @Test
    void secretSealedForOneUserDoesNotOpenForAnother() {
        String sealedForMallory = box.seal(secret, "mallory");
        assertThatThrownBy(() -> box.open(sealedForMallory, "alice"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> box.open(sealedForMallory)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedValuesAreRefusedWithAClearMessage() {
        assertThatThrownBy(() -> box.open(null)).hasMessageContaining("v1:");
        assertThatThrownBy(() -> box.open("v2:AAAA")).hasMessageContaining("v1:");
        assertThatThrownBy(() -> box.open("v1:not base64!")).hasMessageContaining("base64");
        assertThatThrownBy(() -> box.open("v1:AAAA")).hasMessageContaining("truncated");
    }

    /** Threat: a short or empty key material gives a guessable sealing key. */
    @Test
    void refusesShortKeyMaterial() {
        assertThatThrownBy(() -> new SecretBox(new byte[16]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 32 bytes");
    }

    @Test
    void sameKeyMaterialDerivesTheSameKey() {
        byte[] material = "an audit private key encoding, 32+ bytes long".getBytes(StandardCharsets.US_ASCII);
        String sealed = new SecretBox(material).seal(secret);
        assertThat(new SecretBox(material.clone()).open(sealed)).isEqualTo(secret);
        assertThat(new SecretBox(material).toString()).doesNotContain("audit");
    }
}
