package dev.gatehouse.gateway.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.recorder.SessionQuery;
import dev.gatehouse.recorder.TenantScope;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class SessionFiltersTest {

    @Test
    void everyFilterReachesTheQuery() {
        SessionQuery q = SessionFilters.parse(List.of("--user", "alice", "--node", "gpu-1", "--login", "aiops",
                "--kind", "exec", "--from", "2026-03-01T10:00:00Z", "--to", "2026-03-02T00:00:00+01:00", "--outcome",
                "running", "--command", "systemctl restart", "--limit", "20"), TenantScope.ALL);
        assertThat(q).isEqualTo(new SessionQuery("alice", "gpu-1", "aiops", "exec", Instant.parse("2026-03-01T10:00:00Z"),
                Instant.parse("2026-03-01T23:00:00Z"), "running", "systemctl restart", TenantScope.ALL, null, 20));
        assertThat(SessionFilters.parse(List.of(), TenantScope.ALL).limit()).isEqualTo(SessionFilters.MAX_LIMIT);
    }

    @Test
    void everyOutcomeASessionCanShowIsAFilter() {
        for (String outcome : List.of("success", "failure", "closed", "terminated", "interrupted", "running")) {
            assertThat(SessionFilters.parse(List.of("--outcome", outcome), TenantScope.ALL).outcome()).isEqualTo(outcome);
        }
    }

    @Test
    void badFiltersAreRefusedWithTheReason() {
        assertThatThrownBy(() -> SessionFilters.parse(List.of("--colour", "red"), TenantScope.ALL))
                .hasMessageContaining("sessions: unexpected argument '--colour'");
        assertThatThrownBy(() -> SessionFilters.parse(List.of("--user"), TenantScope.ALL)).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> SessionFilters.parse(List.of("--user", "a", "--user", "b"), TenantScope.ALL))
                .hasMessageContaining("more than once");
        assertThatThrownBy(() -> SessionFilters.parse(List.of("--kind", "telnet"), TenantScope.ALL))
                .hasMessageContaining("--kind must be one of");
        assertThatThrownBy(() -> SessionFilters.parse(List.of("--outcome", "ok"), TenantScope.ALL))
                .hasMessageContaining("--outcome must be one of");
        assertThatThrownBy(() -> SessionFilters.parse(List.of("--from", "yesterday"), TenantScope.ALL))
                .hasMessageContaining("RFC 3339");
        assertThatThrownBy(() -> SessionFilters.parse(List.of("--limit", "0"), TenantScope.ALL))
                .hasMessageContaining("from 1 to 1000");
    }
}
