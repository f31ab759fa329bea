package dev.gatehouse.recorder;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/**
 * One live recording: coalesces small writes into chunks and appends them to the store.
 *
 * <p>Implementation notes. One buffer holds the bytes of the current stream; it is emitted as a
 * chunk when it is full, when an event of another stream arrives, or when an event arrives
 * {@link #COALESCE_MICROS} or more after the buffer was started (the chunk keeps the buffer's
 * start time, so replay timing stays within that window). Terminal streams ({@code o}, {@code i})
 * never split a UTF-8 character: an incomplete trailing sequence waits in a per-stream carry of at
 * most 3 bytes, and invalid bytes are replaced with U+FFFD. Exec streams are stored raw up to the
 * cap. Every stream is hashed and counted in full on the caller's array, before any copying. A
 * plain monitor guards the state: output/error and input/resize come from different threads, but
 * the lock is almost never contended. Appends may block when the store applies backpressure; that
 * deliberately stalls the session rather than dropping audit data.
 */
final class ChunkedRecording implements Recording {
    static final long COALESCE_MICROS = 50_000;

    enum Kind {
        SHELL, EXEC, SFTP;

        static Kind parse(String kind) {
            if (kind != null) {
                switch (kind) {
                    case "shell": return SHELL;
                    case "exec": return EXEC;
                    case "sftp": return SFTP;
                    default: break;
                }
            }
            throw new IllegalArgumentException("recording kind was " + kind + "; use shell, exec or sftp");
        }
    }

    private static final byte[] NO_BYTES = new byte[0];
    /** Enough for a prompt or a line of output; a flood grows it to the chunk size. */
    private static final int FIRST_BUFFER = 4096;
    private static final String O = "o";
    private static final String I = "i";
    private static final String STDOUT = "stdout";
    private static final String STDERR = "stderr";

    private final AuditStore store;
    private final String sessionId;
    private final Kind kind;
    private final boolean recordInput;
    private final long cap;
    private final Clock clock;
    private final long startSecond;
    private final long startMicroOfSecond;

    /**
     * Bytes waiting to become a chunk. Grows while output flows, up to {@link #chunkBytes}, and is
     * dropped when flushed: an idle session holds none of it.
     */
    private byte[] buf = NO_BYTES;
    private final int chunkBytes;
    private int bufLen;
    private String bufStream; // null when empty
    private long bufStartMicros;
    private final byte[] carryO = new byte[3];
    private int carryOLen;
    private final byte[] carryI = new byte[3];
    private int carryILen;

    private final MessageDigest outDigest = sha256();
    private final MessageDigest errDigest = sha256();
    private long outBytes;
    private long errBytes;
    private long inBytes;
    private long storedOut;
    private long storedErr;
    private boolean truncated;
    private long chunks;
    private int fileOps;
    private long lastMicros;
    private String lastHash;
    private RecordingSummary summary;
    /** The command lines of a shell, for searching sessions by command; null for exec and sftp. */
    private final TypedCommands typed;

    ChunkedRecording(AuditStore store, RecorderOptions options, String sessionId, Kind kind, Instant start) {
        this.store = store;
        this.sessionId = sessionId;
        this.kind = kind;
        this.recordInput = options.recordInput();
        this.cap = options.streamCapBytes();
        this.clock = options.clock();
        this.chunkBytes = options.chunkBytes();
        this.startSecond = start.getEpochSecond();
        this.startMicroOfSecond = start.getNano() / 1000;
        // Keystrokes are read only when they are recorded: otherwise typed secrets must not reach the store.
        this.typed = kind != Kind.SHELL ? null
                : new TypedCommands(recordInput ? TypedCommands.Source.INPUT : TypedCommands.Source.OUTPUT);
    }

    synchronized void writeMeta(byte[] header) {
        emit("meta", 0, header);
    }

    @Override
    public synchronized void output(byte[] data, int offset, int length) {
        if (summary != null || length <= 0) {
            return;
        }
        outDigest.update(data, offset, length);
        outBytes += length;
        if (kind == Kind.SHELL) {
            append(O, data, offset, length);
            shown(data, offset, length);
        } else if (kind == Kind.EXEC) {
            storedOut += appendCapped(STDOUT, data, offset, length, storedOut);
        }
    }

    @Override
    public synchronized void error(byte[] data, int offset, int length) {
        if (summary != null || length <= 0) {
            return;
        }
        errDigest.update(data, offset, length);
        errBytes += length;
        if (kind == Kind.SHELL) {
            append(O, data, offset, length); // a terminal shows stderr among the output
            shown(data, offset, length);
        } else if (kind == Kind.EXEC) {
            storedErr += appendCapped(STDERR, data, offset, length, storedErr);
        }
    }

    @Override
    public synchronized void input(byte[] data, int offset, int length) {
        if (summary != null || length <= 0) {
            return;
        }
        inBytes += length;
        if (kind == Kind.SHELL && recordInput) {
            append(I, data, offset, length);
            typed.feed(data, offset, length);
        }
    }

    @Override
    public synchronized void resize(int cols, int rows) {
        if (summary != null || kind == Kind.SFTP) {
            return;
        }
        long now = nowMicros();
        flush();
        emit("r", now, (cols + "x" + rows).getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public synchronized void fileOperation(FileOperation operation) {
        if (summary != null || operation == null) {
            return;
        }
        long now = nowMicros();
        flush();
        try {
            emit("file", now, ChunkingRecorder.JSON.writeValueAsBytes(operation));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode file operation " + operation + " of session " + sessionId, e);
        }
        fileOps++;
    }

    @Override
    public synchronized void flushIdle() {
        if (summary == null && bufStream != null && nowMicros() - bufStartMicros >= COALESCE_MICROS) {
            flush();
        }
    }

    @Override
    public synchronized RecordingSummary finish() {
        if (summary == null) {
            flush();
            long now = nowMicros();
            // A character cut off by the end of the session is stored as U+FFFD rather than lost.
            if (carryOLen > 0) {
                emit(O, now, Utf8.sanitizedCopy(carryO, 0, carryOLen));
            }
            if (carryILen > 0) {
                emit(I, now, Utf8.sanitizedCopy(carryI, 0, carryILen));
            }
            HexFormat hex = HexFormat.of();
            summary = new RecordingSummary(lastHash, chunks, outBytes, hex.formatHex(outDigest.digest()), errBytes,
                    hex.formatHex(errDigest.digest()), inBytes, truncated, fileOps);
            if (typed != null) {
                ChunkingRecorder.indexCommands(store, sessionId, typed.source().origin(), typed.commands());
            }
        }
        return summary;
    }

    /** Terminal output, for the command lines after a prompt (when keystrokes are not recorded). */
    private void shown(byte[] data, int offset, int length) {
        if (typed.source() == TypedCommands.Source.OUTPUT) {
            typed.feed(data, offset, length);
        }
    }

    /** Stores up to the cap; returns how many bytes were taken. */
    private long appendCapped(String stream, byte[] data, int offset, int length, long stored) {
        long room = cap - stored;
        if (room < length) {
            truncated = true;
        }
        int n = (int) Math.min(length, Math.max(0, room));
        if (n > 0) {
            append(stream, data, offset, n);
        }
        return n;
    }

    private void append(String stream, byte[] data, int offset, int length) {
        long now = nowMicros();
        if (bufStream != null && (bufStream != stream || now - bufStartMicros >= COALESCE_MICROS)) {
            flush();
        }
        if (bufStream == null) {
            bufStream = stream;
            bufStartMicros = now;
            if (buf.length == 0) {
                buf = new byte[Math.min(chunkBytes, FIRST_BUFFER)];
            }
            bufLen = takeCarry(stream);
        }
        while (length > 0) {
            if (bufLen == buf.length) {
                buf = Arrays.copyOf(buf, Math.min(chunkBytes, Math.max(bufLen + length, buf.length * 2)));
            }
            int n = Math.min(length, buf.length - bufLen);
            System.arraycopy(data, offset, buf, bufLen, n);
            bufLen += n;
            offset += n;
            length -= n;
            if (bufLen == chunkBytes) {
                emitFullBuffer(now);
            }
        }
    }

    /**
     * Emits a full buffer, keeping an incomplete trailing character for the next bytes. Output is
     * flowing, so the next buffer is taken at full size. In the common case (the buffer ends on a
     * character boundary and is valid UTF-8, or the stream is not text) the buffer itself becomes
     * the chunk's data, with no copy.
     */
    private void emitFullBuffer(long now) {
        boolean text = isText(bufStream);
        int cut = text ? Utf8.completeLength(buf, bufLen) : bufLen;
        byte[] next = new byte[chunkBytes];
        System.arraycopy(buf, cut, next, 0, bufLen - cut);
        // Only text can fall short of the whole buffer (a character cut off, or invalid bytes).
        boolean whole = cut == buf.length && (!text || Utf8.isValid(buf, 0, cut));
        emit(bufStream, bufStartMicros, whole ? buf : Utf8.sanitizedCopy(buf, 0, cut));
        buf = next;
        bufLen -= cut;
        bufStartMicros = now;
    }

    private void flush() {
        if (bufStream == null) {
            return;
        }
        if (isText(bufStream)) {
            int cut = Utf8.completeLength(buf, bufLen);
            if (cut > 0) {
                emit(bufStream, bufStartMicros, Utf8.sanitizedCopy(buf, 0, cut));
            }
            putCarry(bufStream, cut);
        } else if (bufLen > 0) {
            emit(bufStream, bufStartMicros, Arrays.copyOf(buf, bufLen));
        }
        bufStream = null;
        bufLen = 0;
        buf = NO_BYTES;
    }

    private int takeCarry(String stream) {
        int n = 0;
        if (stream == O) {
            n = carryOLen;
            System.arraycopy(carryO, 0, buf, 0, n);
            carryOLen = 0;
        } else if (stream == I) {
            n = carryILen;
            System.arraycopy(carryI, 0, buf, 0, n);
            carryILen = 0;
        }
        return n;
    }

    private void putCarry(String stream, int cut) {
        int n = bufLen - cut; // at most 3 by Utf8.completeLength
        if (stream == O) {
            System.arraycopy(buf, cut, carryO, 0, n);
            carryOLen = n;
        } else {
            System.arraycopy(buf, cut, carryI, 0, n);
            carryILen = n;
        }
    }

    private static boolean isText(String stream) {
        return stream == O || stream == I;
    }

    /** @param data handed over: a fresh array that nothing here writes to again */
    private void emit(String stream, long offsetMicros, byte[] data) {
        lastHash = store.appendOwnedChunk(RecordingChunk.of(sessionId, stream, offsetMicros, data));
        chunks++;
    }

    /** Session time in microseconds; never goes backwards even if the wall clock does. */
    private long nowMicros() {
        Instant now = clock.instant();
        long micros = (now.getEpochSecond() - startSecond) * 1_000_000L + (now.getNano() / 1000 - startMicroOfSecond);
        if (micros > lastMicros) {
            lastMicros = micros;
        }
        return lastMicros;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "Recording[session=%s, kind=%s, chunks=%d, out=%d, err=%d, in=%d]",
                sessionId, kind, chunks, outBytes, errBytes, inBytes);
    }
}
