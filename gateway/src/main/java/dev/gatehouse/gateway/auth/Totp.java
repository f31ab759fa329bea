package dev.gatehouse.gateway.auth;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RFC 6238 TOTP over RFC 4226 HOTP with the parameters every authenticator app assumes:
 * HMAC-SHA1, 6 digits, 30 s steps, T0 = 0.
 *
 * <p>Verification accepts one step of clock skew either way and remembers, per replay key (the
 * user), the last step it accepted, so a code seen over a shoulder or in a proxy log cannot be
 * used a second time (RFC 6238 section 5.2). Callers still count failures in the auth throttle:
 * six digits fall to unlimited guessing.
 */
public final class Totp {
    static final int DIGITS = 6;
    static final int STEP_SECONDS = 30;
    static final int SKEW_STEPS = 1;
    static final int SECRET_BYTES = 20;
    static final int MAX_REPLAY_KEYS = 100_000;
    private static final int MODULUS = 1_000_000;
    private static final Logger log = LoggerFactory.getLogger(Totp.class);

    private final Clock clock;
    /** Last accepted step per replay key; guarded by {@code this}. */
    private final Map<String, Long> lastAcceptedStep = new HashMap<>();
    private final int maxReplayKeys;

    public Totp(Clock clock) {
        this(clock, MAX_REPLAY_KEYS);
    }

    Totp(Clock clock, int maxReplayKeys) {
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxReplayKeys = maxReplayKeys;
    }

    /** A new 160-bit secret, the length RFC 4226 recommends. */
    public static TotpSecret generate(SecureRandom random) {
        byte[] bytes = new byte[SECRET_BYTES];
        random.nextBytes(bytes);
        return new TotpSecret(bytes);
    }

    /** The code an authenticator app shows at {@code time}. */
    public String codeAt(TotpSecret secret, Instant time) {
        return hotp(secret, stepOf(time.getEpochSecond()));
    }

    /**
     * True when {@code code} is exactly six ASCII digits, matches the current step or a neighbour,
     * and that step is later than the last one accepted for {@code replayKey}.
     */
    public boolean verify(TotpSecret secret, String code, String replayKey) {
        Objects.requireNonNull(replayKey, "replayKey");
        OptionalLong matched = matchingStep(secret, code);
        return matched.isPresent() && markUsed(replayKey, matched.getAsLong(), stepOf(clock.instant().getEpochSecond()));
    }

    /**
     * The time step {@code code} belongs to (now, or one step either side), without replay
     * checking or marking; empty when it matches none. Callers that keep accepted steps
     * elsewhere (across restarts) use it to refuse a replay before {@link #verify}.
     */
    public OptionalLong matchingStep(TotpSecret secret, String code) {
        Objects.requireNonNull(secret, "secret");
        if (!isSixAsciiDigits(code)) {
            return OptionalLong.empty();
        }
        byte[] offered = code.getBytes(StandardCharsets.US_ASCII);
        long now = stepOf(clock.instant().getEpochSecond());
        long matched = Long.MIN_VALUE;
        // Compute and compare every candidate so timing does not say which step (if any) matched.
        for (long step = now - SKEW_STEPS; step <= now + SKEW_STEPS; step++) {
            byte[] expected = hotp(secret, step).getBytes(StandardCharsets.US_ASCII);
            if (MessageDigest.isEqual(expected, offered)) {
                matched = step;
            }
        }
        return matched == Long.MIN_VALUE ? OptionalLong.empty() : OptionalLong.of(matched);
    }

    private synchronized boolean markUsed(String replayKey, long step, long now) {
        Long last = lastAcceptedStep.get(replayKey);
        if (last != null && step <= last) {
            return false;
        }
        if (last == null && lastAcceptedStep.size() >= maxReplayKeys && !evictExpired(now)) {
            // Dropping a live entry would reopen replay for that user, so refuse instead.
            log.warn("TOTP replay table is full ({} users verified within {} s); refusing until entries expire",
                    maxReplayKeys, (2 * SKEW_STEPS + 1) * STEP_SECONDS);
            return false;
        }
        lastAcceptedStep.put(replayKey, step);
        return true;
    }

    /** Removes entries whose step can no longer verify; true when that freed room. */
    private boolean evictExpired(long now) {
        Iterator<Long> it = lastAcceptedStep.values().iterator();
        while (it.hasNext()) {
            if (it.next() < now - SKEW_STEPS) {
                it.remove();
            }
        }
        return lastAcceptedStep.size() < maxReplayKeys;
    }

    private static boolean isSixAsciiDigits(String code) {
        if (code == null || code.length() != DIGITS) {
            return false;
        }
        for (int i = 0; i < DIGITS; i++) {
            char c = code.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static long stepOf(long epochSecond) {
        return Math.floorDiv(epochSecond, STEP_SECONDS);
    }

    /** RFC 4226 section 5.3: HMAC-SHA1 of the counter, dynamic truncation, modulo 10^6. */
    static String hotp(TotpSecret secret, long counter) {
        byte[] hash;
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(secret.bytes(), "HmacSHA1"));
            hash = mac.doFinal(ByteBuffer.allocate(Long.BYTES).putLong(counter).array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 is unavailable in this JDK; TOTP cannot work", e);
        }
        int offset = hash[hash.length - 1] & 0x0f;
        int binary = ((hash[offset] & 0x7f) << 24)
                | ((hash[offset + 1] & 0xff) << 16)
                | ((hash[offset + 2] & 0xff) << 8)
                | (hash[offset + 3] & 0xff);
        String digits = Integer.toString(binary % MODULUS);
        return "0".repeat(DIGITS - digits.length()) + digits;
    }
}
