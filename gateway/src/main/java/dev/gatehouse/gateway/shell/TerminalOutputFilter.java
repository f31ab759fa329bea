package dev.gatehouse.gateway.shell;

import java.io.ByteArrayOutputStream;

/**
 * Makes another user's terminal output safe to show on an admin's terminal ({@code observe} in
 * the gateway shell). The observed user controls every byte: a hostile one could set the admin's
 * clipboard (OSC 52), plant hyperlinks (OSC 8) or window titles, send device control strings, or
 * make the admin's terminal answer (device status, device attributes, window reports), and the
 * answer would arrive as the admin's own input. This filter keeps what draws a screen and drops
 * the rest.
 *
 * <p>Kept: printable text and well-formed UTF-8 (RFC 3629), CR, LF, TAB, BS, CSI sequences that
 * move the cursor, erase, scroll, set colours or screen modes (ECMA-48 section 5.4), and the
 * plain ESC sequences {@code ESC 7}, {@code ESC 8}, {@code ESC =}, {@code ESC >}, {@code ESC D},
 * {@code ESC E}, {@code ESC M} and the character-set designations {@code ESC ( F}, {@code ESC ) F}.
 * Dropped whole: OSC strings ({@code ESC ]} to BEL or ST), DCS, SOS, PM and APC strings
 * ({@code ESC P}, {@code ESC X}, {@code ESC ^}, {@code ESC _} to ST), CSI sequences whose final
 * byte is {@code n} (device status report), {@code c} (device attributes), {@code t} (window
 * operations) or {@code x} (DECREQTPARM), any CSI with a {@code $} intermediate (DECRQM and other
 * requests) or a {@code >} prefix with final {@code q} (XTVERSION), private modes that make the
 * terminal report the mouse or focus ({@code ?1000}-{@code ?1006}, {@code ?1015}, {@code ?1016});
 * every other ESC sequence; all other C0 controls (ENQ makes a terminal send its answerback), DEL;
 * and C1 controls, whether as raw bytes 0x80-0x9F or UTF-8 encoded (U+0080-U+009F). Malformed
 * UTF-8 (stray continuation bytes, overlong forms, surrogates, beyond U+10FFFF) becomes U+FFFD.
 *
 * <p>Stateful: a sequence split across writes is recognised as one. State is bounded: a CSI
 * sequence longer than {@link #MAX_CSI} bytes is dropped whole, and a string (OSC, DCS, ...)
 * is never buffered; one longer than {@link #MAX_STRING} bytes without its terminator is given
 * up (its bytes so far dropped) and what follows is shown as text. Not thread-safe: one instance
 * per output stream, fed in order.
 */
public final class TerminalOutputFilter {
    /** Longest CSI sequence kept, in bytes (ESC and {@code [} included); longer ones are dropped. */
    public static final int MAX_CSI = 64;
    /** Bytes of an OSC, DCS, SOS, PM or APC string skipped before it is given up as unterminated. */
    public static final int MAX_STRING = 4096;

    private static final byte ESC = 0x1b;
    private static final byte[] REPLACEMENT = {(byte) 0xef, (byte) 0xbf, (byte) 0xbd};

    private enum State { GROUND, ESCAPE, ESCAPE_CHARSET, ESCAPE_OTHER, CSI, STRING, STRING_ESCAPE }

    private State state = State.GROUND;
    /** The CSI sequence so far (bounded by {@link #MAX_CSI}); or the charset designation's ESC and intermediate. */
    private final byte[] sequence = new byte[MAX_CSI];
    private int sequenceLength;
    private boolean sequenceTooLong;
    /** In a string: whether BEL ends it (OSC only), and how many bytes were skipped. */
    private boolean belEnds;
    private int stringLength;
    /** A UTF-8 character split so far: its bytes, how many it needs. */
    private final byte[] utf8 = new byte[4];
    private int utf8Length;
    private int utf8Needed;

    /** A stream that writes to {@code out} what a new filter lets through of the bytes written to it. */
    public static java.io.OutputStream onto(java.io.OutputStream out) {
        TerminalOutputFilter filter = new TerminalOutputFilter();
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                out.write(filter.filter(b, off, len));
            }

            @Override
            public void write(int b) throws java.io.IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }
        };
    }

    /** Filters {@code length} bytes of {@code data} from {@code offset}; returns what may be shown. */
    public byte[] filter(byte[] data, int offset, int length) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(length);
        for (int i = offset; i < offset + length; i++) {
            feed(data[i], out);
        }
        return out.toByteArray();
    }

    /** Filters all of {@code data}. */
    public byte[] filter(byte[] data) {
        return filter(data, 0, data.length);
    }

    private void feed(byte b, ByteArrayOutputStream out) {
        int c = b & 0xff;
        switch (state) {
            case GROUND -> ground(c, out);
            case ESCAPE -> escape(c, out);
            case ESCAPE_CHARSET -> {
                if (c >= 0x30 && c <= 0x7e) {
                    out.write(ESC);
                    out.write(sequence[1]);
                    out.write(c);
                    state = State.GROUND;
                } else {
                    abandon(c, out);
                }
            }
            case ESCAPE_OTHER -> {
                // intermediates continue; a final byte ends the (dropped) sequence
                if (c >= 0x30 && c <= 0x7e) {
                    state = State.GROUND;
                } else if (c < 0x20 || c > 0x7e) {
                    abandon(c, out);
                }
            }
            case CSI -> csi(c, out);
            case STRING -> {
                if (c == ESC) {
                    state = State.STRING_ESCAPE;
                } else if (c == 0x07 && belEnds) {
                    state = State.GROUND;
                } else if (c == 0x18 || c == 0x1a) {
                    state = State.GROUND; // CAN and SUB cancel a string
                } else if (++stringLength > MAX_STRING) {
                    state = State.GROUND; // unterminated: given up, never buffered
                }
            }
            case STRING_ESCAPE -> {
                // ESC \ is ST; any other ESC ends the string too and starts a new sequence
                state = State.GROUND;
                if (c != '\\') {
                    state = State.ESCAPE;
                    escape(c, out);
                }
            }
        }
    }

    private void ground(int c, ByteArrayOutputStream out) {
        if (utf8Needed > 0) {
            if ((c & 0xc0) == 0x80) {
                utf8[utf8Length++] = (byte) c;
                if (utf8Length == utf8Needed) {
                    finishCharacter(out);
                }
                return;
            }
            // the character was cut short: a replacement, then this byte on its own
            out.writeBytes(REPLACEMENT);
            utf8Needed = 0;
            utf8Length = 0;
        }
        if (c == ESC) {
            state = State.ESCAPE;
        } else if (c == '\r' || c == '\n' || c == '\t' || c == '\b') {
            out.write(c);
        } else if (c >= 0x20 && c < 0x7f) {
            out.write(c);
        } else if (c >= 0xc2 && c <= 0xf4) {
            utf8[0] = (byte) c;
            utf8Length = 1;
            utf8Needed = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
        } else if (c >= 0xa0) {
            out.writeBytes(REPLACEMENT); // a stray continuation byte or an invalid lead byte
        }
        // dropped: other C0 controls, DEL, raw C1 (0x80-0x9f)
    }

    private void finishCharacter(ByteArrayOutputStream out) {
        int cp = utf8[0] & (utf8Needed == 2 ? 0x1f : utf8Needed == 3 ? 0x0f : 0x07);
        for (int i = 1; i < utf8Needed; i++) {
            cp = (cp << 6) | (utf8[i] & 0x3f);
        }
        int min = utf8Needed == 2 ? 0x80 : utf8Needed == 3 ? 0x800 : 0x10000;
        boolean valid = cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
        if (!valid) {
            out.writeBytes(REPLACEMENT);
        } else if (cp >= 0x80 && cp <= 0x9f) {
            // a C1 control in its UTF-8 form (U+009B is CSI to many terminals): dropped
        } else {
            out.write(utf8, 0, utf8Needed);
        }
        utf8Needed = 0;
        utf8Length = 0;
    }

    private void escape(int c, ByteArrayOutputStream out) {
        switch (c) {
            case '[' -> {
                state = State.CSI;
                sequence[0] = ESC;
                sequence[1] = '[';
                sequenceLength = 2;
                sequenceTooLong = false;
            }
            case ']' -> startString(true);
            case 'P', 'X', '^', '_' -> startString(false);
            case '7', '8', '=', '>', 'D', 'E', 'M' -> {
                out.write(ESC);
                out.write(c);
                state = State.GROUND;
            }
            case '(', ')' -> {
                sequence[1] = (byte) c;
                state = State.ESCAPE_CHARSET;
            }
            case ESC -> state = State.ESCAPE;
            default -> {
                if (c >= 0x20 && c <= 0x2f) {
                    state = State.ESCAPE_OTHER;
                } else if (c >= 0x30 && c <= 0x7e) {
                    state = State.GROUND; // another two-byte sequence (ESC c, ESC Z, ...): dropped
                } else {
                    abandon(c, out);
                }
            }
        }
    }

    private void startString(boolean osc) {
        state = State.STRING;
        belEnds = osc;
        stringLength = 0;
    }

    private void csi(int c, ByteArrayOutputStream out) {
        if (c >= 0x20 && c <= 0x3f) {
            if (sequenceLength < MAX_CSI) {
                sequence[sequenceLength++] = (byte) c;
            } else {
                sequenceTooLong = true;
            }
            return;
        }
        if (c >= 0x40 && c <= 0x7e) {
            state = State.GROUND;
            if (sequenceLength < MAX_CSI && !sequenceTooLong) {
                sequence[sequenceLength++] = (byte) c;
                if (allowed()) {
                    out.write(sequence, 0, sequenceLength);
                }
            }
            return;
        }
        abandon(c, out);
    }

    /** Whether the complete CSI sequence in {@link #sequence} may reach the terminal. */
    private boolean allowed() {
        char fin = (char) sequence[sequenceLength - 1];
        String body = new String(sequence, 2, sequenceLength - 3, java.nio.charset.StandardCharsets.US_ASCII);
        if (fin == 'n' || fin == 'c' || fin == 't' || fin == 'x') {
            return false; // the terminal would answer (DSR, DA, window reports) or resize/move its window
        }
        if (body.indexOf('$') >= 0 || (body.startsWith(">") && fin == 'q')) {
            return false; // requests (DECRQM, DECRQPSR ...) and XTVERSION
        }
        if ((fin == 'h' || fin == 'l') && body.startsWith("?")) {
            for (String mode : body.substring(1).split(";")) {
                if (mode.matches("100[0-6]|1015|1016")) {
                    return false; // mouse and focus reports would arrive as the observer's input
                }
            }
        }
        return true;
    }

    /**
     * A sequence broken by a byte that cannot continue it: the sequence is dropped; ESC starts a
     * new one, CAN and SUB only cancel, anything else is handled as if no sequence had started.
     */
    private void abandon(int c, ByteArrayOutputStream out) {
        state = State.GROUND;
        if (c == 0x18 || c == 0x1a) {
            return;
        }
        ground(c, out);
    }
}
