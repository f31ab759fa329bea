package dev.gatehouse.recorder;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * Observer of the legacy scp protocol. The side that sends files (the client for {@code scp -t},
 * the node for {@code scp -f}) writes records: {@code C<mode> <size> <name>\n} followed by the
 * content and a status byte, {@code D<mode> 0 <name>\n} ... {@code E\n} around a directory,
 * {@code T<mtime> 0 <atime> 0\n} before either, and {@code \1msg\n}/{@code \2msg\n} for errors.
 * The other direction only carries acknowledgements and is ignored.
 *
 * <p>Record lines are buffered up to {@link #MAX_LINE} bytes; file content is hashed as it passes.
 * Anything else yields one {@code unparseable} operation (the reason in {@code target}) and stops
 * observation; nothing is thrown into the data path except a failing sink's own exception.
 */
final class ScpStreamObserver implements ScpObserver {
    static final int MAX_LINE = 8192;

    private final boolean upload; // -t: the client sends the records
    private final String target;
    private final boolean targetIsDirectory;
    private final Consumer<FileOperation> sink;
    private final Deque<String> dirs = new ArrayDeque<>();
    private final byte[] line = new byte[MAX_LINE];
    private int lineLen;
    private final MessageDigest digest;
    private String filePath; // non-null while a file's content (or its status byte) is expected
    private long fileSize;
    private long fileSeen;
    private boolean stopped;

    private ScpStreamObserver(boolean upload, String target, boolean targetIsDirectory, Consumer<FileOperation> sink) {
        this.upload = upload;
        this.target = target;
        this.targetIsDirectory = targetIsDirectory;
        this.sink = sink;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** An observer for {@code scp [-v -r -p -d -q] -t|-f [--] PATH}, or null for any other command. */
    static ScpObserver forCommand(String command, Consumer<FileOperation> sink) {
        if (command == null) {
            return null;
        }
        List<String> words = ShellWords.split(command);
        if (words.isEmpty()) {
            return null;
        }
        String program = words.get(0);
        if (!program.equals("scp") && !program.endsWith("/scp")) {
            return null;
        }
        boolean sinkMode = false;
        boolean sourceMode = false;
        boolean directory = false;
        List<String> paths = new ArrayList<>();
        boolean optionsDone = false;
        for (String w : words.subList(1, words.size())) {
            if (!optionsDone && w.equals("--")) {
                optionsDone = true;
            } else if (!optionsDone && w.startsWith("-") && w.length() > 1) {
                for (char c : w.substring(1).toCharArray()) {
                    sinkMode |= c == 't';
                    sourceMode |= c == 'f';
                    directory |= c == 'd' || c == 'r';
                }
            } else {
                paths.add(w);
            }
        }
        if (sinkMode == sourceMode) {
            return null; // neither, or both: not a server-side scp we understand
        }
        String path = String.join(" ", paths);
        if (path.isEmpty()) {
            path = ".";
        }
        boolean dirLike = directory || path.endsWith("/") || path.equals(".") || path.equals("..") || path.equals("~");
        return new ScpStreamObserver(sinkMode, path, dirLike, sink);
    }

    @Override
    public synchronized void clientToServer(byte[] data, int offset, int length) {
        if (upload) {
            feed(data, offset, length);
        }
    }

    @Override
    public synchronized void serverToClient(byte[] data, int offset, int length) {
        if (!upload) {
            feed(data, offset, length);
        }
    }

    @Override
    public synchronized void close() {
        boolean report = !stopped && filePath != null;
        stopped = true;
        if (report) {
            sink.accept(new FileOperation(upload ? "upload" : "download", filePath, null, fileSeen, null, "incomplete"));
        }
    }

    private void feed(byte[] data, int offset, int length) {
        if (stopped) {
            return;
        }
        int end = offset + length;
        try {
            while (offset < end) {
                if (filePath != null && fileSeen < fileSize) {
                    int n = (int) Math.min(fileSize - fileSeen, end - offset);
                    digest.update(data, offset, n);
                    fileSeen += n;
                    offset += n;
                } else if (filePath != null && lineLen == 0 && data[offset] == 0) {
                    offset++; // status byte after the content: the sender read it all
                    emit(filePath, fileSeen, HexFormat.of().formatHex(digest.digest()), "ok");
                    filePath = null;
                } else {
                    byte b = data[offset++];
                    if (lineLen == 0 && b == 0) {
                        continue; // a stray ack; harmless
                    }
                    if (b == '\n') {
                        onLine(new String(line, 0, lineLen, StandardCharsets.UTF_8));
                        lineLen = 0;
                    } else if (lineLen == MAX_LINE) {
                        throw new IllegalArgumentException("scp record longer than " + MAX_LINE + " bytes");
                    } else {
                        line[lineLen++] = b;
                    }
                }
            }
        } catch (SinkFailure e) {
            throw (RuntimeException) e.getCause();
        } catch (RuntimeException e) {
            stopped = true;
            String why = e.getMessage() != null ? e.getMessage() : e.toString();
            sink.accept(new FileOperation("unparseable", null, why, 0, null, "unparseable"));
        }
    }

    private void onLine(String record) {
        char kind = record.isEmpty() ? '?' : record.charAt(0);
        String rest = record.isEmpty() ? "" : record.substring(1);
        if (filePath != null) { // \1 or \2 instead of the status byte: reading the file failed
            if (kind != 1 && kind != 2) {
                throw new IllegalArgumentException("scp expected a status after " + filePath + ", got " + describe(record));
            }
            emit(filePath, fileSeen, null, rest.isBlank() ? "failed" : rest.strip());
            filePath = null;
            return;
        }
        switch (kind) {
            case 'T':
                return; // times for the next C/D record
            case 'E':
                if (dirs.isEmpty()) {
                    throw new IllegalArgumentException("scp E record without a matching D");
                }
                dirs.pop();
                return;
            case 'C':
            case 'D': {
                String[] f = rest.split(" ", 3);
                if (f.length != 3 || !f[0].matches("[0-7]{3,5}") || !f[1].matches("[0-9]{1,19}") || f[2].isEmpty()) {
                    throw new IllegalArgumentException("scp record is malformed: " + describe(record));
                }
                String path = pathFor(f[2]);
                if (kind == 'D') {
                    dirs.push(path);
                } else {
                    filePath = path;
                    fileSize = Long.parseLong(f[1]);
                    fileSeen = 0;
                    digest.reset();
                }
                return;
            }
            case 1:
            case 2: // the sender could not send something; name what we know
                emit(dirs.isEmpty() ? target : dirs.peek(), 0, null, rest.isBlank() ? "failed" : rest.strip());
                return;
            default:
                throw new IllegalArgumentException("scp record is malformed: " + describe(record));
        }
    }

    /**
     * Where a record's name lands on the node. Inside a D record that is the directory plus the
     * name. At the top, an upload goes into the target when it is known to be a directory, else
     * to the target path itself; a download's records name files of the requested path.
     */
    private String pathFor(String name) {
        if (!dirs.isEmpty()) {
            return join(dirs.peek(), name);
        }
        if (upload) {
            return targetIsDirectory ? join(target, name) : target;
        }
        String last = target.substring(target.lastIndexOf('/') + 1);
        if (last.equals(name)) {
            return target;
        }
        int slash = target.lastIndexOf('/');
        return slash >= 0 ? join(target.substring(0, slash + 1), name) : name; // e.g. a glob matched several files
    }

    private static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    private static String describe(String record) {
        String shown = record.length() > 80 ? record.substring(0, 80) + "..." : record;
        return "'" + shown.replaceAll("\\p{Cntrl}", "?") + "'";
    }

    private void emit(String path, long bytes, String sha256, String status) {
        emitOp(new FileOperation(upload ? "upload" : "download", path, null, bytes, sha256, status));
    }

    private void emitOp(FileOperation op) {
        SinkFailure.deliver(sink, op);
    }

}
