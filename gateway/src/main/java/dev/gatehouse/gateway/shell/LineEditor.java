package dev.gatehouse.gateway.shell;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The interactive gateway shell's line discipline, fed one byte at a time as input arrives, so no
 * thread waits for a user to type: printable bytes are kept (and echoed when there is a pty), DEL
 * and BS erase one UTF-8 character, Ctrl-C drops the line, Ctrl-D on an empty line ends the
 * session, CR or LF ends a line (LF right after CR is the same line end). A line longer than
 * {@link ShellCommands#MAX_LINE} keeps its first bytes and the command check refuses it.
 */
final class LineEditor {
    /** What a byte did. */
    enum Event { NONE, LINE, INTERRUPT, END }

    private final boolean echo;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final ByteArrayOutputStream echoed = new ByteArrayOutputStream();
    private boolean afterCr;
    private String completed;

    /** @param echo whether the client has a pty and expects its typing echoed */
    LineEditor(boolean echo) {
        this.echo = echo;
    }

    Event feed(int b) {
        int c = b & 0xff;
        boolean lf = c == '\n';
        boolean skip = lf && afterCr;
        afterCr = c == '\r';
        if (skip) {
            return Event.NONE;
        }
        if (c == '\r' || lf) {
            if (echo) {
                echoed.writeBytes(new byte[] {'\r', '\n'});
            }
            completed = line.toString(StandardCharsets.UTF_8);
            line.reset();
            return Event.LINE;
        }
        if (c == 4 && line.size() == 0) {
            return Event.END;
        }
        if (c == 3) {
            if (echo) {
                echoed.writeBytes("^C\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            line.reset();
            return Event.INTERRUPT;
        }
        if (c == 0x7f || c == 8) {
            erase();
            return Event.NONE;
        }
        if (line.size() > ShellCommands.MAX_LINE) {
            return Event.NONE;
        }
        line.write(c);
        if (echo && c >= 0x20) {
            echoed.write(c);
        }
        return Event.NONE;
    }

    /** The line that the last {@link Event#LINE} completed. */
    String completed() {
        return completed;
    }

    /** Bytes to echo to the client since the last call. */
    byte[] takeEcho() {
        byte[] out = echoed.toByteArray();
        echoed.reset();
        return out;
    }

    private void erase() {
        if (line.size() == 0) {
            return;
        }
        byte[] b = line.toByteArray();
        int cut = b.length - 1;
        while (cut > 0 && (b[cut] & 0xc0) == 0x80) {
            cut--;
        }
        line.reset();
        line.write(b, 0, cut);
        if (echo) {
            echoed.writeBytes(new byte[] {'\b', ' ', '\b'});
        }
    }
}
