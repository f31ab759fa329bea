package dev.gatehouse.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class SshKeysTest {

    @Test
    void everyAllowedUserKeyTypeIsAccepted() {
        for (String key : new String[] {TestKeys.ed25519(1), TestKeys.ecdsa256(2), TestKeys.skEd25519(3),
                TestKeys.rsa(3072, 4)}) {
            assertThat(SshKeys.normalise(key + " comment here", SshKeys.USER_TYPES)).isEqualTo(key);
        }
    }

    @Test
    void typeOutsideTheListIsRefused() {
        assertThatThrownBy(() -> SshKeys.normalise("ssh-dss AAAA", SshKeys.USER_TYPES))
                .hasMessageStartingWith("has key type 'ssh-dss'; use one of ssh-ed25519");
        assertThatThrownBy(() -> SshKeys.normalise(TestKeys.skEd25519(1), SshKeys.HOST_TYPES))
                .hasMessageStartingWith("has key type 'sk-ssh-ed25519@openssh.com'");
    }

    @Test
    void lineWithoutBase64IsRefused() {
        assertThatThrownBy(() -> SshKeys.normalise("ssh-ed25519", SshKeys.USER_TYPES))
                .hasMessageStartingWith("is not a public key line");
        assertThatThrownBy(() -> SshKeys.normalise("ssh-ed25519 not*base64", SshKeys.USER_TYPES))
                .hasMessageStartingWith("has a key that is not valid base64");
    }

    /** A key labelled ed25519 that is really another type could pin the wrong key. */
    @Test
    void typeMustMatchTheTypeInsideTheBlob() {
        String rsaBlob = TestKeys.rsa(2048, 1).split(" ")[1];
        assertThatThrownBy(() -> SshKeys.normalise("ssh-ed25519 " + rsaBlob, SshKeys.USER_TYPES))
                .hasMessageStartingWith("says 'ssh-ed25519' but the key inside is 'ssh-rsa'");
    }

    @Test
    void truncatedBlobsAreRefused() {
        String full = TestKeys.ed25519(1).split(" ")[1];
        byte[] blob = Base64.getDecoder().decode(full);
        byte[] cut = java.util.Arrays.copyOf(blob, blob.length - 5);
        assertThatThrownBy(() -> SshKeys.normalise("ssh-ed25519 " + Base64.getEncoder().encodeToString(cut), SshKeys.USER_TYPES))
                .hasMessageStartingWith("has a truncated or damaged key");
        byte[] huge = TestKeys.blob(new byte[0]);
        huge[0] = (byte) 0xff; // length 0xff000000: must not allocate or overflow
        assertThatThrownBy(() -> SshKeys.normalise("ssh-ed25519 " + Base64.getEncoder().encodeToString(huge), SshKeys.USER_TYPES))
                .hasMessageStartingWith("has a truncated or damaged key");
    }

    @Test
    void wrongFieldCountOrSizeIsRefused() {
        byte[] type = "ssh-ed25519".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> SshKeys.normalise(TestKeys.line("ssh-ed25519", type), SshKeys.USER_TYPES))
                .hasMessageContaining("1 fields instead of 2");
        assertThatThrownBy(() -> SshKeys.normalise(TestKeys.line("ssh-ed25519", type, new byte[31]), SshKeys.USER_TYPES))
                .hasMessageContaining("31 bytes instead of 32");
    }

    @Test
    void ecdsaCurveMustMatchTheType() {
        String type = "ecdsa-sha2-nistp384";
        String key = TestKeys.line(type, type.getBytes(StandardCharsets.US_ASCII),
                "nistp256".getBytes(StandardCharsets.US_ASCII), new byte[65]);
        assertThatThrownBy(() -> SshKeys.normalise(key, SshKeys.USER_TYPES)).hasMessageContaining("names curve 'nistp256'");
    }

    @Test
    void shortRsaKeysAreRefused() {
        assertThatThrownBy(() -> SshKeys.normalise(TestKeys.rsa(1024, 7), SshKeys.USER_TYPES))
                .hasMessageStartingWith("has a 1024-bit RSA key; use at least 2048 bits");
        assertThat(SshKeys.normalise(TestKeys.rsa(2048, 7), SshKeys.USER_TYPES)).startsWith("ssh-rsa ");
    }
}
