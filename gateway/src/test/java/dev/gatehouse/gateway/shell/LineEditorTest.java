package dev.gatehouse.gateway.shell;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineEditorTest {

    /** Feeds text; returns the lines it completed, with "^C" and "^D" for the other events. */
    private static List<String> feed(LineEditor editor, String text) {
        List<String> out = new ArrayList<>();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            switch (editor.feed(b)) {
                case LINE -> out.add(editor.completed());
                case INTERRUPT -> out.add("^C");
                case END -> out.add("^D");
                default -> { }
            }
        }
        return out;
    }

    @Test
    void linesEndAtCrOrLfAndCrLfIsOneLineEnd() {
        LineEditor editor = new LineEditor(false);
        assertThat(feed(editor, "whoami\r\nnodes\nhelp\r")).containsExactly("whoami", "nodes", "help");
        assertThat(editor.takeEcho()).as("no pty, no echo").isEmpty();
    }

    @Test
    void backspaceErasesAWholeUtf8Character() {
        LineEditor editor = new LineEditor(true);
        assertThat(feed(editor, "caf\u00e9\u007f\u007fe\r")).containsExactly("cae");
        assertThat(new String(editor.takeEcho(), StandardCharsets.UTF_8)).isEqualTo("caf\u00e9\b \b\b \be\r\n");
    }

    @Test
    void ctrlCDropsTheLineAndCtrlDEndsOnlyAnEmptyLine() {
        LineEditor editor = new LineEditor(true);
        assertThat(feed(editor, "lock user bob\u0003whoami\u0004\r\u0004")).containsExactly("^C", "whoami\u0004", "^D");
    }

    @Test
    void controlBytesAreKeptForTheCommandCheckButNeverEchoed() {
        // the command check refuses the line; the echo must not carry the escape to the terminal either
        LineEditor editor = new LineEditor(true);
        assertThat(feed(editor, "a\u001b[2Jb\r")).containsExactly("a\u001b[2Jb");
        assertThat(new String(editor.takeEcho(), StandardCharsets.UTF_8)).isEqualTo("a[2Jb\r\n");
    }

    @Test
    void anOverlongLineIsCutNotGrownWithoutBound() {
        LineEditor editor = new LineEditor(false);
        String line = feed(editor, "x".repeat(ShellCommands.MAX_LINE * 3) + "\n").get(0);
        assertThat(line).hasSize(ShellCommands.MAX_LINE + 1);
    }
}
