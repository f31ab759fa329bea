package dev.gatehouse.gateway.shell;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.gateway.session.Identity;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ShellCommandsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Commands refused before they reach any service; services are deliberately absent. */
    private int run(String line) {
        return new ShellCommands(null, new Identity("alice", "SHA256:x", "127.0.0.1:1"))
                .run(line, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void controlCharactersAreRefusedBeforeParsing() {
        // Threat: escape sequences in a command would be echoed into audit listings and auditors' terminals.
        assertThat(run("whoami\u001b[2J")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("gatehouse: command contains control characters (U+001B)\n");
        assertThat(out.size()).isZero();
    }

    @Test
    void overlongLinesAreRefused() {
        assertThat(run("x".repeat(ShellCommands.MAX_LINE + 1))).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("gatehouse: command line is longer than");
    }

    @Test
    void unbalancedQuotesAreRefused() {
        assertThat(run("replay 'abc")).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("gatehouse: unbalanced quote in command\n");
    }

    @Test
    void splitHonoursQuotes() {
        assertThat(ShellCommands.split("request mlops@gpu-1 --reason 'restart the driver' --for 30m"))
                .containsExactly("request", "mlops@gpu-1", "--reason", "restart the driver", "--for", "30m");
        assertThat(ShellCommands.split("  ")).isEmpty();
        assertThat(ShellCommands.split("a \"\" b")).containsExactly("a", "", "b");
        assertThatThrownBy(() -> ShellCommands.split("\"x")).isInstanceOf(IllegalArgumentException.class);
    }
}
