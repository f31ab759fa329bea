package dev.gatehouse.gateway.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The stored type names are part of the audit record (README, "The audit store"): they must stay distinct and unchanged. */
class EventTypeTest {

    @Test
    void everyStoredNameIsDistinctAndDotted() {
        var names = Arrays.stream(EventType.values()).map(EventType::wire).toList();
        assertThat(names).doesNotHaveDuplicates();
        assertThat(names).allMatch(n -> n.matches("[a-z]+(\\.[a-z_]+)+"), "lower-case <area>.<what>, such as app.session.start");
    }

    @Test
    void refusedAccessDecisionsKeepTheirStoredNames() {
        assertThat(Arrays.asList(EventType.REQUEST_REFUSED, EventType.APPROVE_REFUSED, EventType.DENY_REFUSED,
                EventType.CANCEL_REFUSED, EventType.REVOKE_REFUSED, EventType.LOCK_REFUSED, EventType.UNLOCK_REFUSED))
                .extracting(EventType::wire)
                .containsExactly("request.refused", "approve.refused", "deny.refused", "cancel.refused", "revoke.refused",
                        "lock.refused", "unlock.refused");
    }
}
