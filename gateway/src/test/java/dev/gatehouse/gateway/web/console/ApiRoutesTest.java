package dev.gatehouse.gateway.web.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ApiRoutesTest {
    final ApiEndpoint list = r -> ApiResponse.ok("list");
    final ApiEndpoint one = r -> ApiResponse.ok("one");
    final ApiEndpoint approve = r -> ApiResponse.ok("approve");
    final ApiEndpoint unlock = r -> ApiResponse.ok("unlock");
    final ApiRoutes routes = new ApiRoutes()
            .get("/api/v1/requests", list)
            .get("/api/v1/requests/{id}", one)
            .post("/api/v1/requests/{id}/approve", approve)
            .delete("/api/v1/locks/{kind}/{name}", unlock);

    @Test
    void literalAndNamedSegmentsMatchWithTheirValues() {
        assertThat(routes.match("GET", "/api/v1/requests").orElseThrow().endpoint()).isSameAs(list);
        ApiRoutes.Match m = routes.match("GET", "/api/v1/requests/r-123").orElseThrow();
        assertThat(m.endpoint()).isSameAs(one);
        assertThat(m.params()).isEqualTo(Map.of("id", "r-123"));
        assertThat(routes.match("DELETE", "/api/v1/locks/user/dan").orElseThrow().params())
                .isEqualTo(Map.of("kind", "user", "name", "dan"));
    }

    @Test
    void methodSegmentCountAndEmptySegmentsMustFit() {
        assertThat(routes.match("POST", "/api/v1/requests/r-1")).isEmpty();
        assertThat(routes.match("GET", "/api/v1/requests/r-1/approve")).isEmpty();
        assertThat(routes.match("GET", "/api/v1/requests/")).as("an empty {id}").isEmpty();
        assertThat(routes.match("GET", "/api/v1/requests/r-1/")).isEmpty();
        assertThat(routes.match("GET", "/api/v1")).isEmpty();
        assertThat(routes.match("GET", "/api/v2/requests")).isEmpty();
    }

    @Test
    void firstAddedFirstMatched() {
        ApiEndpoint mine = r -> ApiResponse.ok("mine");
        ApiRoutes r = new ApiRoutes().get("/api/v1/requests/mine", mine).get("/api/v1/requests/{id}", one);
        assertThat(r.match("GET", "/api/v1/requests/mine").orElseThrow().endpoint()).isSameAs(mine);
        assertThat(r.match("GET", "/api/v1/requests/r-9").orElseThrow().endpoint()).isSameAs(one);
    }

    @Test
    void methodsForAPathAnswer405sAllow() {
        ApiRoutes r = new ApiRoutes().get("/api/v1/locks", list).post("/api/v1/locks", list).get("/api/v1/locks", one);
        assertThat(r.methodsFor("/api/v1/locks")).containsExactly("GET", "POST");
        assertThat(routes.methodsFor("/api/v1/requests/r-1")).containsExactly("GET");
        assertThat(routes.methodsFor("/api/v1/nothing")).isEmpty();
    }

    @Test
    void patternsLiveUnderApiV1() {
        assertThatThrownBy(() -> new ApiRoutes().get("/admin/x", list)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("/api/v1/");
    }
}
