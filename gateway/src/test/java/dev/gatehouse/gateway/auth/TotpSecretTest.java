package dev.gatehouse.gateway.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TotpSecretTest {
    private static final TotpSecret RFC_SECRET =
            new TotpSecret("12345678901234567890".getBytes(StandardCharsets.US_ASCII));
    private static final String RFC_BASE32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

    /** RFC 4648 section 10 vectors, padding removed. */
    @ParameterizedTest
    @CsvSource({"f, MY", "fo, MZXQ", "foo, MZXW6", "foob, MZXW6YQ", "fooba, MZXW6YTB", "foobar, MZXW6YTBOI"})
    void base32MatchesRfc4648Vectors(String plain, String encoded) {
        byte[] bytes = plain.getBytes(StandardCharsets.US_ASCII);
        assertThat(Base32.encode(bytes)).isEqualTo(encoded);
        assertThat(Base32.decode(encoded)).isEqualTo(bytes);
    }

    @Test
    void base32RoundTripsGeneratedSecrets() {
        SecureRandom random = new SecureRandom();
        for (int i = 0; i < 50; i++) {
            TotpSecret secret = Totp.generate(random);
            assertThat(TotpSecret.fromBase32(secret.base32())).isEqualTo(secret);
        }
        assertThat(RFC_SECRET.base32()).isEqualTo(RFC_BASE32);
    }

    @Test
    void fromBase32AcceptsWhatPeopleTypeBack() {
        assertThat(TotpSecret.fromBase32("gezd gnbv gy3t qojq gezd gnbv gy3t qojq")).isEqualTo(RFC_SECRET);
        assertThat(TotpSecret.fromBase32(RFC_BASE32 + "======")).isEqualTo(RFC_SECRET);
    }

    /** Threat: a parse error message copies the secret into a log. */
    @Test
    void fromBase32RejectsBadInputWithoutEchoingIt() {
        assertThatThrownBy(() -> TotpSecret.fromBase32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJ1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("position 32")
                .hasMessageNotContaining("GEZD");
        assertThatThrownBy(() -> TotpSecret.fromBase32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQA"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("impossible length");
        assertThatThrownBy(() -> TotpSecret.fromBase32("MZXW6YTBOJ"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not canonical");
        assertThatThrownBy(() -> TotpSecret.fromBase32(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> TotpSecret.fromBase32("A".repeat(2000))).isInstanceOf(IllegalArgumentException.class);
    }

    /** Threat: a short secret (RFC 4226 demands at least 128 bits) makes the shared key guessable. */
    @Test
    void rejectsSecretsShorterThan128Bits() {
        assertThatThrownBy(() -> TotpSecret.fromBase32("MZXW6YTBOI"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("got 6");
        assertThatThrownBy(() -> TotpSecret.fromBase32("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void otpauthUriHasTheKeyUriFormat() {
        assertThat(RFC_SECRET.otpauthUri("Gatehouse", "alice@example.com")).isEqualTo(
                "otpauth://totp/Gatehouse:alice%40example.com?secret=" + RFC_BASE32
                        + "&issuer=Gatehouse&algorithm=SHA1&digits=6&period=30");
        assertThat(RFC_SECRET.otpauthUri("Acme Gatehouse", "bob smith&co"))
                .startsWith("otpauth://totp/Acme%20Gatehouse:bob%20smith%26co?secret=")
                .contains("&issuer=Acme%20Gatehouse&");
    }

    @Test
    void otpauthUriRefusesNamesAppsWouldSplitWrongly() {
        assertThatThrownBy(() -> RFC_SECRET.otpauthUri("Gate:house", "alice"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("issuer");
        assertThatThrownBy(() -> RFC_SECRET.otpauthUri("Gatehouse", " "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("account");
    }

    /** Threat: logging a secret (or a record holding one) hands the second factor to log readers. */
    @Test
    void toStringNeverShowsTheSecret() {
        assertThat(RFC_SECRET.toString()).isEqualTo("TotpSecret[****]")
                .doesNotContain(RFC_BASE32).doesNotContain("1234567890");
    }

    /** Threat: a caller mutates the array it passed in or got back and silently changes the stored secret. */
    @Test
    void holdsItsOwnCopyOfTheBytes() {
        byte[] in = "12345678901234567890".getBytes(StandardCharsets.US_ASCII);
        TotpSecret secret = new TotpSecret(in);
        in[0] = 'X';
        secret.bytes()[1] = 'Y';
        assertThat(secret).isEqualTo(RFC_SECRET).hasSameHashCodeAs(RFC_SECRET);
    }
}
