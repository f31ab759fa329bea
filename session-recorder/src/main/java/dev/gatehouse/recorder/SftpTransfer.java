package dev.gatehouse.recorder;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One open SFTP file handle: counts the bytes moved and hashes them while they arrive in order
 * from offset 0; any gap, overlap or change of direction gives up the hash (bytes still count).
 */
final class SftpTransfer {
    private final String path;
    private final boolean openedForWrite;
    private final MessageDigest digest;
    private int direction; // 0 none yet, 1 upload, 2 download
    private long bytes;
    private long next;
    private boolean inOrder = true;
    private boolean hashing;
    private String error;

    SftpTransfer(String path, boolean openedForWrite) {
        this.path = path;
        this.openedForWrite = openedForWrite;
        try {
            this.digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** A WRITE (upload) or DATA (download) at {@code offset} starts; its bytes follow via {@link #data}. */
    void begin(long offset, boolean upload) {
        int dir = upload ? 1 : 2;
        if (direction != 0 && direction != dir) {
            inOrder = false;
        }
        direction = dir;
        if (offset != next) {
            inOrder = false;
        }
        hashing = inOrder;
    }

    void data(byte[] b, int off, int len) {
        bytes += len;
        if (hashing) {
            digest.update(b, off, len);
            next += len;
        }
    }

    void fail(String status) {
        if (error == null) {
            error = status;
        }
    }

    String op() {
        if (direction == 0) {
            return openedForWrite ? "upload" : "download";
        }
        return direction == 1 ? "upload" : "download";
    }

    String path() {
        return path;
    }

    long bytes() {
        return bytes;
    }

    String error() {
        return error;
    }

    /** Hex SHA-256 of the content, or null when it was not seen whole and in order. */
    String sha256() {
        return inOrder ? HexFormat.of().formatHex(digest.digest()) : null;
    }
}
