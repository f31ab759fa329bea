package dev.gatehouse.recorder;

import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Turns stored chunks into asciicast v2 (one header object, then {@code [seconds, type, text]}
 * lines) and plays them back. Exec stdout/stderr become {@code o} events so that players show them;
 * file-operation chunks are not terminal events and are left out.
 */
final class AsciicastCodec {
    /** Like asciinema's idle time limit: a long pause in the session replays as at most this. */
    static final long MAX_PAUSE_MICROS = 2_000_000;

    // Plain decimals ("0.000010", never "1.0E-5"): some asciicast readers are strict.
    private static final ObjectMapper JSON =
            JsonMapper.builder().enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN).build();

    private AsciicastCodec() {}

    static void export(List<RecordingChunk> chunks, Appendable out) throws IOException {
        out.append(JSON.writeValueAsString(header(chunks))).append('\n');
        Events events = new Events(chunks);
        Object[] line = new Object[3];
        while (events.next()) {
            line[0] = BigDecimal.valueOf(events.micros, 6);
            line[1] = events.type;
            line[2] = events.text;
            out.append(JSON.writeValueAsString(line)).append('\n');
        }
    }

    static void replay(List<RecordingChunk> chunks, PrintStream out, double speed, Asciicast.Sleeper sleeper)
            throws InterruptedException {
        Iterator<Asciicast.Frame> frames = frames(chunks, speed);
        while (frames.hasNext()) {
            Asciicast.Frame frame = frames.next();
            if (frame.pauseMicros() > 0) {
                sleeper.sleepMicros(frame.pauseMicros());
            }
            out.write(frame.bytes(), 0, frame.bytes().length);
            out.flush();
        }
    }

    static Iterator<Asciicast.Frame> frames(List<RecordingChunk> chunks, double speed) {
        if (!(speed > 0)) {
            throw new IllegalArgumentException("replay speed was " + speed + "; use a positive factor such as 1 or 2");
        }
        Events events = new Events(chunks);
        return new Iterator<>() {
            private long previous;
            private Asciicast.Frame next;

            @Override
            public boolean hasNext() {
                while (next == null && events.next()) {
                    if ("o".equals(events.type)) {
                        long pause = (long) (Math.min(events.micros - previous, MAX_PAUSE_MICROS) / speed);
                        previous = events.micros;
                        next = new Asciicast.Frame(Math.max(0, pause), events.text.getBytes(StandardCharsets.UTF_8));
                    }
                }
                return next != null;
            }

            @Override
            public Asciicast.Frame next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                Asciicast.Frame f = next;
                next = null;
                return f;
            }
        };
    }

    /** The stored header (first {@code meta} chunk) made valid, or a synthesised one. */
    static ObjectNode header(List<RecordingChunk> chunks) {
        ObjectNode header = null;
        for (RecordingChunk c : chunks) {
            if ("meta".equals(c.stream())) {
                try {
                    JsonNode node = JSON.readTree(c.data());
                    if (node != null && node.isObject()) {
                        header = (ObjectNode) node;
                    }
                } catch (IOException | RuntimeException e) {
                    // an unreadable header must not stop an auditor from seeing the session
                }
                break;
            }
        }
        if (header == null) {
            header = JSON.createObjectNode();
        }
        header.put("version", 2);
        if (!header.path("width").canConvertToInt() || header.path("width").asInt() <= 0) {
            header.put("width", 80);
        }
        if (!header.path("height").canConvertToInt() || header.path("height").asInt() <= 0) {
            header.put("height", 24);
        }
        return header;
    }

    /** Walks the chunks as asciicast events, with non-decreasing times. */
    static final class Events {
        private final List<RecordingChunk> chunks;
        private int index;
        private final ByteStreamText stdout = new ByteStreamText();
        private final ByteStreamText stderr = new ByteStreamText();
        private boolean tailDone;
        long micros;
        String type;
        String text;

        Events(List<RecordingChunk> chunks) {
            this.chunks = chunks;
        }

        boolean next() {
            while (index < chunks.size()) {
                RecordingChunk c = chunks.get(index++);
                byte[] data = c.data() == null ? new byte[0] : c.data();
                String t;
                String s;
                switch (c.stream()) {
                    case "o": case "i": case "r":
                        t = c.stream();
                        s = new String(data, StandardCharsets.UTF_8);
                        break;
                    case "stdout":
                        t = "o";
                        s = stdout.decode(data, false);
                        break;
                    case "stderr":
                        t = "o";
                        s = stderr.decode(data, false);
                        break;
                    default:
                        continue; // meta, file and anything newer are not terminal events
                }
                if (s.isEmpty()) {
                    continue;
                }
                set(c.offsetMicros(), t, s);
                return true;
            }
            if (!tailDone) { // bytes of a character cut off at the very end
                tailDone = true;
                String s = stdout.decode(new byte[0], true) + stderr.decode(new byte[0], true);
                if (!s.isEmpty()) {
                    set(micros, "o", s);
                    return true;
                }
            }
            return false;
        }

        private void set(long at, String t, String s) {
            micros = Math.max(micros, Math.max(0, at));
            type = t;
            text = s;
        }
    }

    /**
     * Decodes a raw exec stream chunk by chunk: a character split between chunks is joined, and a
     * bare LF becomes CRLF because without a pty nothing else would return the cursor.
     */
    static final class ByteStreamText {
        private final byte[] carry = new byte[3];
        private int carryLen;
        private boolean lastWasCr;

        String decode(byte[] data, boolean end) {
            byte[] all = data;
            if (carryLen > 0) {
                all = new byte[carryLen + data.length];
                System.arraycopy(carry, 0, all, 0, carryLen);
                System.arraycopy(data, 0, all, carryLen, data.length);
            }
            int cut = end ? all.length : Utf8.completeLength(all, all.length);
            carryLen = all.length - cut;
            System.arraycopy(all, cut, carry, 0, carryLen);
            String s = new String(all, 0, cut, StandardCharsets.UTF_8);
            StringBuilder sb = null;
            for (int i = 0; i < s.length(); i++) {
                char ch = s.charAt(i);
                if (ch == '\n' && !lastWasCr) {
                    if (sb == null) {
                        sb = new StringBuilder(s.length() + 16).append(s, 0, i);
                    }
                    sb.append('\r');
                }
                if (sb != null) {
                    sb.append(ch);
                }
                lastWasCr = ch == '\r';
            }
            return sb == null ? s : sb.toString();
        }
    }
}
