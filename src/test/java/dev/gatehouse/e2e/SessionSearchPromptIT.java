package dev.gatehouse.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Without recorded keystrokes ({@code record_input: false}) the commands of an interactive session
 * are read from the output lines after the node shell's prompt, as the real bash on the node draws it.
 */
class SessionSearchPromptIT extends GatewayTest {

    @Override
    Gateway.Options options() {
        Gateway.Options o = new Gateway.Options();
        o.recordInput = false;
        return o;
    }

    @Test
    void aCommandAfterThePromptFindsItsSession() {
        String token = Keys.token();
        String id = SessionSearchIT.typedSession(gw, "echo pn-" + token + "-$((6*7))",
                "pn-" + token + "-42");
        assertThat(SessionSearchIT.found(gw, "--command", "pn-" + token + "-$((6*7))")).containsExactly(id);
        // The output line '...-42' follows no prompt: it is not a command.
        assertThat(SessionSearchIT.found(gw, "--command", "pn-" + token + "-42")).isEmpty();
    }
}
