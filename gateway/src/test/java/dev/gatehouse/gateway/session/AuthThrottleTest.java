package dev.gatehouse.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.pki.testing.TestClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class AuthThrottleTest {
    @Test
    void aSourceAddressIsBlockedAfterTheLimitAndReleasedAfterAMinute() {
        // Threat: online guessing of keys or user names from one address.
        TestClock clock = new TestClock();
        AuthThrottle throttle = new AuthThrottle(clock, 5);
        for (int i = 0; i < 5; i++) {
            assertThat(throttle.allows("10.0.0.9", "user" + i)).isTrue();
            throttle.recordFailure("10.0.0.9", "user" + i);
        }
        assertThat(throttle.allows("10.0.0.9", "someone-new")).isFalse();
        assertThat(throttle.allows("10.0.0.10", "someone-new")).isTrue();
        clock.advance(Duration.ofSeconds(61));
        assertThat(throttle.allows("10.0.0.9", "someone-new")).isTrue();
    }

    @Test
    void aUserNameIsBlockedWhateverAddressTheAttemptsComeFrom() {
        // Threat: a distributed attack on one account from many addresses.
        TestClock clock = new TestClock();
        AuthThrottle throttle = new AuthThrottle(clock, 3);
        for (int i = 0; i < 3; i++) {
            throttle.recordFailure("10.0.1." + i, "aiops@gpu-node-1");
        }
        assertThat(throttle.allows("10.0.2.1", "aiops@gpu-node-1")).isFalse();
        assertThat(throttle.allows("10.0.2.1", "other@gpu-node-1")).isTrue();
    }

    @Test
    void failuresOutsideTheWindowDoNotCount() {
        TestClock clock = new TestClock();
        AuthThrottle throttle = new AuthThrottle(clock, 3);
        throttle.recordFailure("10.0.0.1", "u");
        throttle.recordFailure("10.0.0.1", "u");
        clock.advance(Duration.ofSeconds(45));
        throttle.recordFailure("10.0.0.1", "u");
        assertThat(throttle.allows("10.0.0.1", "u")).isFalse();
        clock.advance(Duration.ofSeconds(20));
        assertThat(throttle.allows("10.0.0.1", "u")).isTrue();
    }
}
