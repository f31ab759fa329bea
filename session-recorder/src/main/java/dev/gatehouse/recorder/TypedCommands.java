package dev.gatehouse.recorder;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The command lines of an interactive session, as far as its terminal streams show them, for
 * searching sessions by command ({@link AuditStore#indexCommands}). Two sources:
 * <ul>
 *   <li>{@link Source#INPUT}, when keystrokes are recorded: each line the user ended with Enter,
 *       after the line editing keys the shell applies (Backspace/DEL erase a character, Ctrl-U and
 *       Ctrl-C drop the line); escape sequences (arrow keys, history) are skipped, so a line
 *       recalled from history or finished by Tab completion holds only what was typed.</li>
 *   <li>{@link Source#OUTPUT}, otherwise: each output line that starts with a prompt
 *       ({@code user@host:dir$ }, {@code [user@host dir]# }, {@code host% }, {@code $ }), with the
 *       text after the prompt as the command. Lines are rebuilt as a terminal would show them
 *       (carriage return, backspace, cursor left/right and erase-in-line on one line; other escape
 *       sequences dropped). Programs that draw full screens, prompts of another shape, and output
 *       lines that look like a prompt ({@code # comment}) make this miss or add lines.</li>
 * </ul>
 * Bounded: at most {@link #MAX_COMMANDS} commands of at most {@link #MAX_LINE} characters each.
 * Not thread-safe; the recording calls it under its lock.
 */
public final class TypedCommands {
    /** Where the command lines are read from. */
    public enum Source {
        INPUT("input"), OUTPUT("output");

        private final String origin;

        Source(String origin) {
            this.origin = origin;
        }

        /** The {@code origin} word {@link AuditStore#indexCommands} stores. */
        public String origin() {
            return origin;
        }
    }

    static final int MAX_COMMANDS = 10_000;
    static final int MAX_LINE = 1_000;
    private static final Pattern PROMPT = Pattern.compile(
            "^(?:\\[[^\\]]{1,100}\\]|[^\\s$#%>\\[]{0,100})[$#%>] +(\\S.*)$");

    private final Source source;
    private final List<String> commands = new ArrayList<>();
    private final StringBuilder line = new StringBuilder();
    private int cursor;
    private final StringBuilder pending = new StringBuilder(); // undecoded bytes of a UTF-8 sequence, as chars 0-255
    private int escape; // 0 none, 1 after ESC, 2 in CSI, 3 in OSC/DCS string, 4 after ESC in a string, 5 SS3 next char
    private final StringBuilder csi = new StringBuilder();
    private boolean lastWasCr;

    public TypedCommands(Source source) {
        this.source = source;
    }

    public Source source() {
        return source;
    }

    /** Feeds bytes of the stream named by {@link #source()}. */
    public void feed(byte[] data, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            int b = data[i] & 0xff;
            if (b < 0x80 || escape != 0) {
                flushPending();
                accept((char) b);
            } else {
                pending.append((char) b);
                decodePending();
            }
        }
    }

    /** The command lines so far, oldest first. */
    public List<String> commands() {
        return List.copyOf(commands);
    }

    private void decodePending() {
        int first = pending.charAt(0);
        int need = first >= 0xf0 ? 4 : first >= 0xe0 ? 3 : first >= 0xc0 ? 2 : 1;
        if (pending.length() >= need) {
            byte[] bytes = new byte[pending.length()];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) pending.charAt(i);
            }
            pending.setLength(0);
            String text = new String(bytes, StandardCharsets.UTF_8);
            for (int i = 0; i < text.length(); i++) {
                put(text.charAt(i));
            }
        }
    }

    private void flushPending() {
        if (pending.length() > 0) {
            pending.setLength(0);
            put('\ufffd');
        }
    }

    private void accept(char c) {
        switch (escape) {
            case 1 -> {
                escape = c == '[' ? 2 : c == ']' || c == 'P' || c == '_' || c == '^' ? 3 : c == 'O' ? 5 : 0;
                csi.setLength(0);
                return;
            }
            case 2 -> {
                if (c >= 0x40 && c <= 0x7e) {
                    escape = 0;
                    control(c, csi.toString());
                } else if (csi.length() < 32) {
                    csi.append(c);
                }
                return;
            }
            case 3 -> {
                escape = c == 0x1b ? 4 : c == 0x07 ? 0 : 3;
                return;
            }
            case 4 -> {
                escape = c == '\\' ? 0 : 3;
                return;
            }
            case 5 -> {
                escape = 0;
                return;
            }
            default -> {
                // not in an escape sequence
            }
        }
        boolean cr = c == '\r';
        if (c == 0x1b) {
            escape = 1;
        } else if (source == Source.INPUT) {
            typed(c);
        } else {
            shown(c);
        }
        lastWasCr = cr;
    }

    /** A keystroke. */
    private void typed(char c) {
        switch (c) {
            case '\r', '\n' -> {
                if (!(c == '\n' && lastWasCr)) {
                    end(line.toString());
                }
            }
            case 0x7f, 0x08 -> {
                if (line.length() > 0) {
                    line.setLength(line.length() - 1);
                }
            }
            case 0x15, 0x03 -> line.setLength(0);
            default -> put(c);
        }
    }

    /** A character the terminal shows. */
    private void shown(char c) {
        switch (c) {
            case '\n' -> {
                Matcher m = PROMPT.matcher(line.toString().stripTrailing());
                line.setLength(0);
                cursor = 0;
                if (m.matches()) {
                    end(m.group(1));
                }
            }
            case '\r' -> cursor = 0;
            case 0x08 -> cursor = Math.max(0, cursor - 1);
            case 0x07 -> {
                // bell
            }
            default -> put(c);
        }
    }

    private void put(char c) {
        if (c == '\t') {
            c = ' ';
        }
        if (c < 0x20 || c == 0x7f) {
            return;
        }
        if (source == Source.INPUT) {
            if (line.length() < MAX_LINE) {
                line.append(c);
            }
            return;
        }
        if (cursor < line.length()) {
            line.setCharAt(cursor, c);
            cursor++;
        } else if (line.length() < MAX_LINE) {
            while (line.length() < cursor) {
                line.append(' ');
            }
            line.append(c);
            cursor = line.length();
        }
    }

    /** A CSI sequence on the output: the cursor moves and erases that stay on one line. */
    private void control(char command, String params) {
        if (source == Source.INPUT) {
            return;
        }
        int n;
        try {
            n = params.isEmpty() ? 1 : Math.max(1, Integer.parseInt(params));
        } catch (NumberFormatException e) {
            n = 1;
        }
        switch (command) {
            case 'C' -> cursor = Math.min(MAX_LINE, cursor + n);
            case 'D' -> cursor = Math.max(0, cursor - n);
            case 'K' -> {
                if (params.isEmpty() || params.equals("0")) {
                    line.setLength(Math.min(line.length(), cursor));
                } else if (params.equals("2")) {
                    line.setLength(0);
                }
            }
            case 'P' -> {
                int end = Math.min(line.length(), cursor + n);
                if (cursor < end) {
                    line.delete(cursor, end);
                }
            }
            default -> {
                // colours and the rest change nothing a search needs
            }
        }
    }

    private void end(String text) {
        line.setLength(0);
        cursor = 0;
        String command = text.strip();
        if (!command.isEmpty() && commands.size() < MAX_COMMANDS) {
            commands.add(command);
        }
    }
}
