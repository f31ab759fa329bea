package dev.gatehouse.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TargetTest {

    @Test
    void loginAtNodeNamesBoth() {
        assertThat(Target.parse("aiops@gpu-node-1")).contains(new Target("aiops", "gpu-node-1"));
    }

    @Test
    void plainUserNameMeansTheGatewayShell() {
        assertThat(Target.parse("alice")).isEmpty();
        assertThat(Target.parse("")).isEmpty();
    }

    /** Splitting at the first '@' would let "a@b@node" reach node "b@node"; the last '@' names the node. */
    @Test
    void splitsAtTheLastAt() {
        assertThat(Target.parse("a@b@gpu-node-1")).contains(new Target("a@b", "gpu-node-1"));
    }

    @Test
    void emptyNodeIsAnError() {
        assertThatThrownBy(() -> Target.parse("aiops@"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no node after '@' in user name");
    }

    @Test
    void emptyLoginIsReturnedForTheEvaluatorToRefuse() {
        assertThat(Target.parse("@node")).contains(new Target("", "node"));
    }

    @Test
    void hostileLoginIsReturnedAsIs() {
        assertThat(Target.parse("root,aiops\n@gpu-node-1")).contains(new Target("root,aiops\n", "gpu-node-1"));
    }

    /** A node part with path or control characters must not reach host lookup or log lines raw. */
    @Test
    void malformedNodeIsAnErrorWithAnEscapedReason() {
        assertThatThrownBy(() -> Target.parse("aiops@../etc"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("node name '../etc' is not valid");
        assertThatThrownBy(() -> Target.parse("aiops@node\u001b[2J"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\\x1b")
                .hasMessageNotContaining("\u001b");
        assertThatThrownBy(() -> Target.parse("aiops@" + "n".repeat(64)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Target.parse("aiops@-node"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
