package dev.gatehouse.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SessionIdsTest {
    @Test
    void idsSortByTimeAndAreUnique() {
        String earlier = SessionIds.next(Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC));
        String later = SessionIds.next(Clock.fixed(Instant.parse("2026-11-25T10:00:01Z"), ZoneOffset.UTC));
        assertThat(earlier).hasSize(26).matches("[0-9a-hjkmnp-tv-z]{26}");
        assertThat(earlier.compareTo(later)).isNegative();
        Set<String> seen = new HashSet<>();
        Clock fixed = Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);
        for (int i = 0; i < 10_000; i++) {
            assertThat(seen.add(SessionIds.next(fixed))).isTrue();
        }
    }

    @Test
    void lookalikesAreRejected() {
        assertThat(SessionIds.looksValid(SessionIds.next(Clock.systemUTC()))).isTrue();
        assertThat(SessionIds.looksValid("../../etc/passwd")).isFalse();
        assertThat(SessionIds.looksValid("")).isFalse();
        assertThat(SessionIds.looksValid(null)).isFalse();
        assertThat(SessionIds.looksValid("ILOU".repeat(6) + "ab")).isFalse();
    }
}
