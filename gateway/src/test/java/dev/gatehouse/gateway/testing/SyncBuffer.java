package dev.gatehouse.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;

/** Output written by MINA's threads and read by the test's: a byte buffer whose writes and reads are synchronized. */
public final class SyncBuffer extends ByteArrayOutputStream {
    @Override
    public synchronized void write(byte[] b, int off, int len) {
        super.write(b, off, len);
    }

    @Override
    public synchronized String toString(Charset charset) {
        return super.toString(charset);
    }
}
