package dev.gatehouse.recorder;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * SFTP v3 (draft-ietf-secsh-filexfer-02) observer: pairs requests with replies by id and handles
 * with files, hashes file data as it streams past, and reports each operation when the node
 * answers it.
 *
 * <p>Implementation notes. Each direction has its own {@link SftpFramer}; only packet heads are
 * buffered, WRITE/DATA payloads go straight into the file's digest. Outstanding requests (4096)
 * and open handles (1024) are capped; the oldest is dropped first (an evicted open file is
 * reported as {@code incomplete}). A stream that cannot be SFTP yields one {@code unparseable}
 * operation (its {@code target} says why) and observation stops; nothing is ever thrown into the
 * data path (a failing sink's exception does propagate: audit-store failure must fail closed).
 * The two directions arrive on different threads, so the methods share one monitor.
 * SYMLINK is read in OpenSSH's argument order (target path first, then link path), because the
 * nodes run OpenSSH and it swapped the draft's order.
 */
final class SftpStreamObserver implements SftpObserver {
    static final int MAX_PENDING = 4096;
    static final int MAX_HANDLES = 1024;
    /** id + handle length + longest legal handle (256) + offset + data length. */
    private static final int WRITE_HEAD = 4 + 4 + 256 + 8 + 4;

    private static final int INIT = 1, VERSION = 2, OPEN = 3, CLOSE = 4, READ = 5, WRITE = 6, SETSTAT = 9,
            REMOVE = 13, MKDIR = 14, RMDIR = 15, RENAME = 18, SYMLINK = 20, STATUS = 101, HANDLE = 102,
            DATA = 103, EXTENDED = 200;
    private static final int FX_OK = 0, FX_EOF = 1;
    private static final int PFLAG_WRITE = 2, PFLAG_APPEND = 4;
    private static final String[] STATUS_NAMES = {"ok", "end of file", "no such file", "permission denied",
        "failure", "bad message", "no connection", "connection lost", "operation unsupported"};

    private enum Kind { OPEN, READ, WRITE, CLOSE, META }

    /** An outstanding request: what its reply completes. */
    private record Pending(Kind kind, SftpTransfer file, String op, String path, String target, boolean forWrite,
            long offset) {}

    private final Consumer<FileOperation> sink;
    private final SftpFramer fromClient;
    private final SftpFramer fromServer;
    private final Map<Integer, Pending> pending = new LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Pending> eldest) {
            if (size() <= MAX_PENDING) {
                return false;
            }
            if (eldest.getValue().kind == Kind.CLOSE) {
                report(eldest.getValue().file, "incomplete");
            }
            return true;
        }
    };
    private final Map<String, SftpTransfer> handles = new LinkedHashMap<>(16, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, SftpTransfer> eldest) {
            if (size() <= MAX_HANDLES) {
                return false;
            }
            report(eldest.getValue(), "incomplete");
            return true;
        }
    };
    private SftpTransfer clientPayload; // the file a WRITE's data is for, or null
    private SftpTransfer serverPayload; // the file a DATA's data is for, or null
    private int version = -1;
    private boolean stopped;

    SftpStreamObserver(Consumer<FileOperation> sink) {
        this.sink = sink;
        this.fromClient = new SftpFramer("client", new ClientSide());
        this.fromServer = new SftpFramer("server", new ServerSide());
    }

    @Override
    public synchronized void clientToServer(byte[] data, int offset, int length) {
        feed(fromClient, data, offset, length);
    }

    @Override
    public synchronized void serverToClient(byte[] data, int offset, int length) {
        feed(fromServer, data, offset, length);
    }

    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        List<SftpTransfer> open = new ArrayList<>(handles.values());
        for (Pending p : pending.values()) {
            if (p.kind == Kind.CLOSE) {
                open.add(p.file);
            }
        }
        handles.clear();
        pending.clear();
        try {
            for (SftpTransfer f : open) {
                report(f, "incomplete");
            }
        } catch (SinkFailure e) {
            throw (RuntimeException) e.getCause();
        }
    }

    private void feed(SftpFramer framer, byte[] data, int offset, int length) {
        if (stopped || length <= 0) {
            return;
        }
        try {
            framer.feed(data, offset, length);
        } catch (SinkFailure e) {
            throw (RuntimeException) e.getCause();
        } catch (SftpFramer.Malformed | RuntimeException e) {
            // Never let a parsing problem reach the data path; say once that we stopped looking.
            stopped = true;
            handles.clear();
            pending.clear();
            String why = e.getMessage() != null ? e.getMessage() : e.toString();
            sink.accept(new FileOperation("unparseable", null, why, 0, null, "unparseable"));
        }
    }

    /** Reports a file; its hash only when the node confirmed the close and no request failed. */
    private void report(SftpTransfer f, String status) {
        boolean ok = f.error() == null && "ok".equals(status);
        emit(new FileOperation(f.op(), f.path(), null, f.bytes(), ok ? f.sha256() : null,
                f.error() != null ? f.error() : status));
    }

    /** The sink's own failure (e.g. the store is unavailable) must reach the caller, not look like bad input. */
    private void emit(FileOperation op) {
        SinkFailure.deliver(sink, op);
    }


    private static String statusText(int code, String message) {
        if (code == FX_OK) {
            return "ok";
        }
        if (message != null && !message.isBlank()) {
            return message;
        }
        return code >= 0 && code < STATUS_NAMES.length ? STATUS_NAMES[code] : "error " + code;
    }

    private final class ClientSide implements SftpFramer.Handler {
        @Override
        public int prefixLength(int type, int bodyLength) {
            switch (type) {
                case WRITE:
                    return WRITE_HEAD;
                case INIT: case OPEN: case CLOSE: case READ: case SETSTAT: case REMOVE: case MKDIR: case RMDIR:
                case RENAME: case SYMLINK: case EXTENDED:
                    return bodyLength;
                default:
                    return 0;
            }
        }

        @Override
        public void onPrefix(int type, SftpFramer.Reader r, int bodyLength) throws SftpFramer.Malformed {
            clientPayload = null;
            if (type == INIT) {
                return;
            }
            int id = r.u32();
            switch (type) {
                case OPEN: {
                    String path = r.utf8();
                    int pflags = r.u32();
                    boolean forWrite = (pflags & (PFLAG_WRITE | PFLAG_APPEND)) != 0;
                    pending.put(id, new Pending(Kind.OPEN, null, null, path, null, forWrite, 0));
                    break;
                }
                case CLOSE: {
                    SftpTransfer f = handles.remove(r.opaque());
                    if (f != null) {
                        pending.put(id, new Pending(Kind.CLOSE, f, null, null, null, false, 0));
                    }
                    break;
                }
                case READ: {
                    SftpTransfer f = handles.get(r.opaque());
                    long offset = r.u64();
                    if (f != null) {
                        pending.put(id, new Pending(Kind.READ, f, null, null, null, false, offset));
                    }
                    break;
                }
                case WRITE: {
                    String handle = r.opaque();
                    long offset = r.u64();
                    int dataLength = r.u32();
                    if (dataLength != bodyLength - r.position()) {
                        throw new SftpFramer.Malformed("client WRITE data length " + Integer.toUnsignedString(dataLength)
                                + " does not match its packet");
                    }
                    SftpTransfer f = handles.get(handle);
                    if (f != null) {
                        pending.put(id, new Pending(Kind.WRITE, f, null, null, null, true, offset));
                        f.begin(offset, true);
                        f.data(r.buffer(), r.position(), r.remaining());
                        clientPayload = f;
                    }
                    break;
                }
                case SETSTAT: meta(id, "setstat", r.utf8(), null); break;
                case REMOVE: meta(id, "remove", r.utf8(), null); break;
                case MKDIR: meta(id, "mkdir", r.utf8(), null); break;
                case RMDIR: meta(id, "rmdir", r.utf8(), null); break;
                case RENAME: meta(id, "rename", r.utf8(), r.utf8()); break;
                case SYMLINK: {
                    String target = r.utf8();
                    meta(id, "symlink", r.utf8(), target);
                    break;
                }
                case EXTENDED: {
                    String name = r.utf8();
                    if (name.equals("posix-rename@openssh.com")) {
                        meta(id, "rename", r.utf8(), r.utf8());
                    } else if (name.equals("hardlink@openssh.com")) {
                        String from = r.utf8();
                        meta(id, "hardlink", r.utf8(), from);
                    }
                    break;
                }
                default:
                    break;
            }
        }

        private void meta(int id, String op, String path, String target) {
            pending.put(id, new Pending(Kind.META, null, op, path, target, false, 0));
        }

        @Override
        public void onPayload(byte[] data, int offset, int length) {
            if (clientPayload != null) {
                clientPayload.data(data, offset, length);
            }
        }
    }

    private final class ServerSide implements SftpFramer.Handler {
        @Override
        public int prefixLength(int type, int bodyLength) {
            switch (type) {
                case DATA: return 8;
                case VERSION: case STATUS: case HANDLE: return bodyLength;
                default: return 0;
            }
        }

        @Override
        public void onPrefix(int type, SftpFramer.Reader r, int bodyLength) throws SftpFramer.Malformed {
            serverPayload = null;
            if (type == VERSION) {
                version = r.u32();
                return;
            }
            Pending p = pending.remove(r.u32());
            switch (type) {
                case DATA: {
                    int dataLength = r.u32();
                    if (dataLength != bodyLength - 8) {
                        throw new SftpFramer.Malformed("server DATA length " + Integer.toUnsignedString(dataLength)
                                + " does not match its packet");
                    }
                    if (p != null && p.kind == Kind.READ) {
                        p.file.begin(p.offset, false);
                        serverPayload = p.file;
                    }
                    break;
                }
                case HANDLE:
                    if (p != null && p.kind == Kind.OPEN) {
                        handles.put(r.opaque(), new SftpTransfer(p.path, p.forWrite));
                    }
                    break;
                case STATUS:
                    if (p != null) {
                        int code = r.u32();
                        // OpenSSH always sends message and language; very old servers may omit them.
                        String message = r.remaining() >= 4 ? r.utf8() : null;
                        onStatus(p, code, statusText(code, message));
                    }
                    break;
                default:
                    break;
            }
        }

        private void onStatus(Pending p, int code, String status) {
            switch (p.kind) {
                case OPEN:
                    emit(new FileOperation(p.forWrite ? "upload" : "download", p.path, null, 0, null, status));
                    break;
                case META:
                    emit(new FileOperation(p.op, p.path, p.target, 0, null, status));
                    break;
                case CLOSE:
                    report(p.file, status);
                    break;
                case READ: case WRITE:
                    if (code != FX_OK && code != FX_EOF) {
                        p.file.fail(status);
                    }
                    break;
                default:
                    break;
            }
        }

        @Override
        public void onPayload(byte[] data, int offset, int length) {
            if (serverPayload != null) {
                serverPayload.data(data, offset, length);
            }
        }
    }

    @Override
    public synchronized String toString() {
        return "SftpObserver[version=" + version + ", handles=" + handles.size() + ", pending=" + pending.size()
                + (stopped ? ", stopped" : "") + "]";
    }
}
