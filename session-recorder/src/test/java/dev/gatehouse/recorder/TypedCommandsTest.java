package dev.gatehouse.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TypedCommandsTest {

    private static List<String> read(TypedCommands.Source source, String... pieces) {
        TypedCommands t = new TypedCommands(source);
        for (String p : pieces) {
            byte[] b = p.getBytes(StandardCharsets.UTF_8);
            t.feed(b, 0, b.length);
        }
        return t.commands();
    }

    @Test
    void promptsOfTheCommonShells() {
        assertThat(read(TypedCommands.Source.OUTPUT,
                "alice@node:~/src$ make test\r\n",
                "[root@node01 /etc]# systemctl restart sshd\r\n",
                "node% git status\r\n",
                "$ uptime\r\n",
                "plain output line\r\n",
                "alice@node:~$ \r\n")) // an empty command line is no command
                .containsExactly("make test", "systemctl restart sshd", "git status", "uptime");
    }

    @Test
    void outputLinesAreRebuiltAsTheTerminalShowsThem() {
        // The shell echoes a corrected typo as backspace, space, backspace; readline redraws with
        // carriage return and erase-in-line; colours are escape sequences; a split UTF-8 character.
        assertThat(read(TypedCommands.Source.OUTPUT,
                "\u001b]0;alice@node: ~\u0007\u001b[01;32malice@node\u001b[00m:~$ lss\b \b -l\r\n",
                "alice@node:~$ old text\r\u001b[Kalice@node:~$ cat caf\u00e9.txt\r\n"))
                .containsExactly("ls -l", "cat caf\u00e9.txt");
    }

    @Test
    void splitUtf8CharacterIsJoined() {
        TypedCommands t = new TypedCommands(TypedCommands.Source.OUTPUT);
        byte[] a = "$ echo caf".getBytes(StandardCharsets.UTF_8);
        byte[] e = "\u00e9\r\n".getBytes(StandardCharsets.UTF_8);
        t.feed(a, 0, a.length);
        t.feed(e, 0, 1);
        t.feed(e, 1, e.length - 1);
        assertThat(t.commands()).containsExactly("echo caf\u00e9");
    }

    @Test
    void keystrokesWithLineEditing() {
        assertThat(read(TypedCommands.Source.INPUT,
                "lx\u007fs -la\r",
                "secret-typo\u0015whoami\r\n", // Ctrl-U drops the line
                "rm -rf /\u0003", // Ctrl-C: never run
                "\u001b[A\u001bOB\r", // history keys only: no text
                "ping host\n"))
                .containsExactly("ls -la", "whoami", "ping host");
    }

    @Test
    void boundedInCountAndLength() {
        TypedCommands t = new TypedCommands(TypedCommands.Source.INPUT);
        byte[] line = ("x".repeat(5000) + "\r").getBytes(StandardCharsets.US_ASCII);
        t.feed(line, 0, line.length);
        assertThat(t.commands()).singleElement().satisfies(c -> assertThat(c).hasSize(TypedCommands.MAX_LINE));
        byte[] many = "a\r".repeat(TypedCommands.MAX_COMMANDS + 10).getBytes(StandardCharsets.US_ASCII);
        t.feed(many, 0, many.length);
        assertThat(t.commands()).hasSize(TypedCommands.MAX_COMMANDS);
    }
}
