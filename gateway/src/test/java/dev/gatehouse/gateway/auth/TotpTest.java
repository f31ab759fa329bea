package dev.gatehouse.gateway.auth;

import dev.gatehouse.pki.testing.TestClock;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class TotpTest {
    /** The SHA1 seed of RFC 6238 Appendix B. */
    private static final TotpSecret RFC_SECRET =
            new TotpSecret("12345678901234567890".getBytes(StandardCharsets.US_ASCII));
    private static final Instant T0 = Instant.ofEpochSecond(1_700_000_010L); // 10 s into a step

    private final TestClock clock = new TestClock(T0);
    private final Totp totp = new Totp(clock);
    private final TotpSecret secret = Totp.generate(new SecureRandom());

    /** RFC 6238 Appendix B, SHA1 rows: six digits are the last six of the eight-digit vectors. */
    @ParameterizedTest
    @CsvSource({
        "59, 94287082",
        "1111111109, 07081804",
        "1111111111, 14050471",
        "1234567890, 89005924",
        "2000000000, 69279037",
        "20000000000, 65353130",
    })
    void matchesRfc6238AppendixBVectors(long epochSecond, String eightDigits) {
        assertThat(totp.codeAt(RFC_SECRET, Instant.ofEpochSecond(epochSecond))).isEqualTo(eightDigits.substring(2));
    }

    @Test
    void rfcVectorVerifiesAtItsTime() {
        clock.set(Instant.ofEpochSecond(1111111109));
        assertThat(totp.verify(RFC_SECRET, "081804", "alice")).isTrue();
    }

    @Test
    void acceptsTheCurrentCode() {
        assertThat(totp.verify(secret, totp.codeAt(secret, T0), "alice")).isTrue();
    }

    @Test
    void acceptsOneStepOfClockSkewEitherWay() {
        String previous = totp.codeAt(secret, T0.minusSeconds(30));
        String next = totp.codeAt(secret, T0.plusSeconds(30));
        assertThat(totp.verify(secret, previous, "alice")).isTrue();
        assertThat(totp.verify(secret, next, "bob")).isTrue();
    }

    /** Threat: a code noted minutes ago (screenshot, shoulder) still opens an elevated session. */
    @Test
    void refusesCodesTwoStepsAway() {
        assertThat(totp.verify(secret, totp.codeAt(secret, T0.minusSeconds(60)), "alice")).isFalse();
        assertThat(totp.verify(secret, totp.codeAt(secret, T0.plusSeconds(60)), "alice")).isFalse();
    }

    /** Threat: a code seen over a shoulder or in a proxy log is replayed within its validity window. */
    @Test
    void refusesTheSameCodeTwiceForTheSameUser() {
        String code = totp.codeAt(secret, T0);
        assertThat(totp.verify(secret, code, "alice")).isTrue();
        assertThat(totp.verify(secret, code, "alice")).isFalse();
        clock.advance(Duration.ofSeconds(25)); // next step; the old code is still inside the skew window
        assertThat(totp.verify(secret, code, "alice")).isFalse();
    }

    /** Threat: after the current code was used, the still-valid previous step's code is used as a second login. */
    @Test
    void refusesAnEarlierStepAfterALaterOneWasAccepted() {
        assertThat(totp.verify(secret, totp.codeAt(secret, T0), "alice")).isTrue();
        assertThat(totp.verify(secret, totp.codeAt(secret, T0.minusSeconds(30)), "alice")).isFalse();
        clock.advance(Duration.ofSeconds(30));
        assertThat(totp.verify(secret, totp.codeAt(secret, clock.instant()), "alice")).isTrue();
    }

    @Test
    void replayStateIsPerUser() {
        String code = totp.codeAt(secret, T0);
        assertThat(totp.verify(secret, code, "alice")).isTrue();
        assertThat(totp.verify(secret, code, "bob")).isTrue();
    }

    @Test
    void refusesAWrongCode() {
        String code = totp.codeAt(secret, T0);
        String wrong = String.format("%06d", (Integer.parseInt(code) + 1) % 1_000_000);
        assertThat(totp.verify(secret, wrong, "alice")).isFalse();
    }

    /** Threat: lenient parsing (whitespace, signs, non-ASCII digits) lets odd input reach the comparison. */
    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"12345", "1234567", " 12345", "12345 ", "+12345", "-12345", "12345a", "12 345", "１２３４５６"})
    void refusesAnythingButSixAsciiDigits(String code) {
        assertThat(totp.verify(secret, code, "alice")).isFalse();
    }

    /** Threat: Unicode digits that Character.isDigit accepts are taken as the right code. */
    @Test
    void refusesTheRightCodeWrittenInNonAsciiDigits() {
        String code = totp.codeAt(secret, T0);
        StringBuilder arabicIndic = new StringBuilder();
        code.chars().forEach(c -> arabicIndic.append((char) ('\u0660' + (c - '0'))));
        assertThat(totp.verify(secret, arabicIndic.toString(), "alice")).isFalse();
        assertThat(totp.verify(secret, " " + code, "alice")).isFalse();
        assertThat(totp.verify(secret, code, "alice")).isTrue();
    }

    /** Threat: evicting a live entry from a full replay table would reopen replay for that user. */
    @Test
    void fullReplayTableRefusesNewUsersUntilEntriesExpire() {
        Totp small = new Totp(clock, 2);
        String code = small.codeAt(secret, T0);
        assertThat(small.verify(secret, code, "alice")).isTrue();
        assertThat(small.verify(secret, code, "bob")).isTrue();
        assertThat(small.verify(secret, code, "carol")).isFalse();
        assertThat(small.verify(secret, code, "alice")).isFalse();

        clock.advance(Duration.ofSeconds(90)); // alice's and bob's steps can no longer verify
        assertThat(small.verify(secret, small.codeAt(secret, clock.instant()), "carol")).isTrue();
    }

    @Test
    void generatesDistinct160BitSecrets() {
        SecureRandom random = new SecureRandom();
        TotpSecret a = Totp.generate(random);
        TotpSecret b = Totp.generate(random);
        assertThat(a.bytes()).hasSize(20);
        assertThat(a).isNotEqualTo(b);
    }
}
