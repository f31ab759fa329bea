package dev.gatehouse.gateway.access;

import dev.gatehouse.gateway.auth.SecretBox;
import dev.gatehouse.gateway.auth.Totp;
import dev.gatehouse.gateway.auth.TotpSecret;
import dev.gatehouse.gateway.session.AuthThrottle;
import dev.gatehouse.recorder.AccessLog;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Optional;

/**
 * TOTP enrolment and checking (R04). Secrets are stored sealed (AES-GCM, bound to the user name)
 * in the access log; a code is accepted once, within one step of clock skew; failures are
 * throttled per user so six digits cannot be guessed online.
 */
public final class SecondFactor {
    private static final String ISSUER = "Gatehouse";

    private final AccessLog log;
    private final SecretBox box;
    private final Totp totp;
    private final Clock clock;
    private final AuthThrottle failures;
    private final SecureRandom random = new SecureRandom();

    public SecondFactor(AccessLog log, SecretBox box, Clock clock) {
        this.log = log;
        this.box = box;
        this.totp = new Totp(clock);
        this.clock = clock;
        this.failures = new AuthThrottle(clock, 5);
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

    /** Checks a code; false when wrong, replayed, throttled or not enrolled. */
    public boolean verify(String user, String code) {
        if (!failures.allows("totp", user)) {
            return false;
        }
        Optional<String> sealed = log.totpSecret(user);
        boolean ok = false;
        if (sealed.isPresent()) {
            TotpSecret secret = new TotpSecret(box.open(sealed.get(), user));
            ok = totp.verify(secret, code == null ? "" : code.trim(), user);
        }
        if (!ok) {
            failures.recordFailure("totp", user);
        }
        return ok;
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
