package dev.gatehouse.gateway.ssh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GatewayChannelSessionTest {
    @Test
    void terminalSizesAreCheckedAsTheUint32sTheyAreOnTheWire() {
        // Threat: sizes such as -1, 0 or 2^31 stored as sent poison recordings and the players that read them.
        assertThat(GatewayChannelSession.sizeProblem("xterm-256color", 80, 24, 640, 480, false)).isNull();
        assertThat(GatewayChannelSession.sizeProblem("", 0, 0, 0, 0, false)).as("a client without a terminal sends zeros").isNull();
        assertThat(GatewayChannelSession.sizeProblem(null, 0, 24, 0, 0, true)).contains("out of range (1 to 10000 characters)");
        assertThat(GatewayChannelSession.sizeProblem(null, -1, 24, 0, 0, true)).startsWith("terminal size 4294967295x24");
        assertThat(GatewayChannelSession.sizeProblem("xterm", 1 << 31, 24, 0, 0, false)).startsWith("terminal size 2147483648x24");
        assertThat(GatewayChannelSession.sizeProblem("xterm", 80, 24, -5, 0, false)).contains("pixels is out of range");
        assertThat(GatewayChannelSession.sizeProblem("xterm\u001b[2J", 80, 24, 0, 0, false))
                .isEqualTo("terminal type xterm\\x1b[2J is not a plain name");
        assertThat(GatewayChannelSession.sizeProblem(null, 10_000, 10_000, 100_000, 100_000, true)).isNull();
    }
}
