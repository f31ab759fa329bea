package dev.gatehouse.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.pki.testing.TestClock;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AuthThrottleTest {
    private final TestClock clock = new TestClock();
    private final SourceKey attacker = new SourceKey("203.0.113.9");
    private final SourceKey engineer = new SourceKey("198.51.100.7");

    /** Threat: online guessing of keys from one source, at full speed. */
    @Test
    void aSourceIsRefusedOnceItsFailuresReachTheLimit() {
        AuthThrottle<SourceKey> throttle = AuthThrottle.perSource(clock, 5);
        for (int i = 0; i < 5; i++) {
            assertThat(throttle.allows(attacker)).isTrue();
            throttle.recordFailure(attacker);
        }
        assertThat(throttle.allows(attacker)).isFalse();
    }

    /** Threat: a stranger's failures lock out people at other sources (R30). */
    @Test
    void oneSourcesFailuresDoNotTouchAnotherSource() {
        AuthThrottle<SourceKey> throttle = AuthThrottle.perSource(clock, 3);
        for (int i = 0; i < 50; i++) {
            throttle.recordFailure(attacker);
        }
        assertThat(throttle.allows(attacker)).isFalse();
        assertThat(throttle.allows(engineer)).isTrue();
    }

    /** Threat: one person's wrong second-factor codes lock out other people. */
    @Test
    void onePersonsFailuresDoNotTouchAnotherPerson() {
        AuthThrottle<String> throttle = AuthThrottle.perPerson(clock, 5);
        for (int i = 0; i < 5; i++) {
            throttle.recordFailure("eve");
        }
        assertThat(throttle.allows("eve")).isFalse();
        assertThat(throttle.allows("alice")).isTrue();
    }

    @Test
    void anEmptyBucketRefillsEvenlyOverAMinute() {
        AuthThrottle<SourceKey> throttle = AuthThrottle.perSource(clock, 6); // one token every 10 s
        for (int i = 0; i < 6; i++) {
            throttle.recordFailure(attacker);
        }
        clock.advance(Duration.ofSeconds(9));
        assertThat(throttle.allows(attacker)).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(throttle.allows(attacker)).as("one more try after 60/6 s").isTrue();
        throttle.recordFailure(attacker);
        assertThat(throttle.allows(attacker)).isFalse();
        clock.advance(Duration.ofMinutes(1));
        for (int i = 0; i < 6; i++) {
            assertThat(throttle.allows(attacker)).as("a full bucket again after a quiet minute").isTrue();
            throttle.recordFailure(attacker);
        }
        assertThat(throttle.allows(attacker)).isFalse();
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> AuthThrottle.perSource(Clock.systemUTC(), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1");
    }

    @Test
    void itSaysWhatItIsKeyedByAndWhatItCounts() {
        assertThat(AuthThrottle.perSource(clock, 10)).hasToString("AuthThrottle[per source, 10 failures a minute]");
        assertThat(AuthThrottle.refusedQueriesPerSource(clock, 600))
                .hasToString("AuthThrottle[per source, 600 refused key queries a minute]");
        assertThat(AuthThrottle.perPerson(clock, 5)).hasToString("AuthThrottle[per person, 5 failures a minute]");
    }
}
