package dev.gatehouse.gateway.access;

import dev.gatehouse.gateway.auth.SecretBox;
import dev.gatehouse.gateway.auth.Totp;
import dev.gatehouse.gateway.auth.TotpSecret;
import dev.gatehouse.gateway.session.AuthThrottle;
import dev.gatehouse.gateway.session.AuditTrail;
import dev.gatehouse.gateway.session.EventType;
import dev.gatehouse.recorder.AccessLog;
import dev.gatehouse.recorder.EventQuery;
import dev.gatehouse.recorder.StoredEvent;
import java.time.Instant;
import java.util.OptionalLong;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;

/**
 * TOTP enrolment and checking (R04). Secrets are stored sealed (AES-GCM, bound to the user name)
 * in the access log; a code is accepted once, within one step of clock skew; failures are
 * throttled per person ({@value #FAILURES_PER_MINUTE} a minute per policy user name, whoever else
 * fails) so six digits cannot be guessed online, and one person's typos lock out nobody else.
 */
public final class SecondFactor {
    private static final String ISSUER = "Gatehouse";
    /** Wrong codes tolerated per person per minute, at login and at re-enrolment together. */
    static final int FAILURES_PER_MINUTE = 5;

    private final AccessLog log;
    private final AuditTrail audit;
    private final SecretBox box;
    private final Totp totp;
    private final Clock clock;
    private final AuthThrottle<String> failures;
    private final SecureRandom random = new SecureRandom();

    public SecondFactor(AccessLog log, AuditTrail audit, SecretBox box, Clock clock) {
        this.log = log;
        this.audit = audit;
        this.box = box;
        this.totp = new Totp(clock);
        this.clock = clock;
        this.failures = AuthThrottle.perPerson(clock, FAILURES_PER_MINUTE);
    }

    public boolean enrolled(String user) {
        return log.totpSecret(user).isPresent();
    }

    /** A new secret for {@code user}, stored sealed; shown to the user once. */
    public Enrolment enroll(String user) {
        TotpSecret secret = Totp.generate(random);
        log.saveTotpSecret(user, box.seal(secret.bytes(), user), clock.instant());
        return new Enrolment(secret.base32(), secret.otpauthUri(ISSUER, user));
    }

    /**
     * Checks a code; empty when wrong, replayed, throttled or not enrolled, else the time step it
     * belongs to (the caller records it in the {@code auth.totp} audit event). The accepted step is
     * claimed in the store before this returns ({@link AccessLog#claimTotpStep}, one row per user
     * that only moves forward), so a code is accepted once per user across restarts and across
     * every gateway instance sharing the store, even within its 30 s step; steps recorded in
     * recent {@code auth.totp} events (before that table existed) are refused too.
     *
     * @throws dev.gatehouse.recorder.StoreUnavailableException when the store cannot be read or the step not claimed
     */
    public OptionalLong verify(String user, String code) {
        if (throttled(user)) {
            return OptionalLong.empty();
        }
        Optional<String> sealed = log.totpSecret(user);
        OptionalLong accepted = OptionalLong.empty();
        if (sealed.isPresent()) {
            TotpSecret secret = new TotpSecret(box.open(sealed.get(), user));
            String offered = code == null ? "" : code.trim();
            OptionalLong step = totp.matchingStep(secret, offered);
            if (step.isPresent() && step.getAsLong() > lastRecordedStep(user) && totp.verify(secret, offered, user)
                    && log.claimTotpStep(user, step.getAsLong(), clock.instant())) {
                accepted = step;
            }
        }
        if (accepted.isEmpty()) {
            failures.recordFailure(user);
        }
        return accepted;
    }

    /** Whether {@code user} gave too many wrong codes in the last minute; {@link #verify} then refuses any code. */
    public boolean throttled(String user) {
        return !failures.allows(user);
    }

    /** The newest step this user's codes were accepted for, as the audit log remembers it (recent events only). */
    private long lastRecordedStep(String user) {
        Instant since = clock.instant().minusSeconds(180);
        long last = Long.MIN_VALUE;
        for (StoredEvent e : audit.store().events(new EventQuery(EventType.AUTH_TOTP.wire(), user, null, since, 1000))) {
            String step = e.event().details().get("step");
            if ("success".equals(e.event().outcome()) && step != null) {
                try {
                    last = Math.max(last, Long.parseLong(step));
                } catch (NumberFormatException ignored) {
                    // not a step we wrote
                }
            }
        }
        return last;
    }

    /** What enrolment shows the user, once. */
    public record Enrolment(String secretBase32, String otpauthUri) {
        @Override
        public String toString() {
            return "Enrolment[****]";
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
