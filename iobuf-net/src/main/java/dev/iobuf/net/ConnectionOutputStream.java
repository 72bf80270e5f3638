package dev.iobuf.net;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * The {@link OutputStream} of any {@link BlockingConnection} ({@link BlockingConnection#outputStream()}),
 * built on its write and close calls only: unbuffered, each write one write of the connection.
 */
final class ConnectionOutputStream extends OutputStream {
    private final BlockingConnection conn;
    /** For {@link #write(int)}: one writer at a time, so one array serves every call. */
    private final byte[] one = new byte[1];

    ConnectionOutputStream(BlockingConnection conn) {
        this.conn = Objects.requireNonNull(conn, "conn");
    }

    @Override
    public void write(int b) throws IOException {
        one[0] = (byte) b;
        conn.write(one, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len > 0) {
            conn.write(b, off, len);
        }
    }

    /** Nothing to do: a write returns when its bytes are queued, and queued bytes are sent without being asked. */
    @Override
    public void flush() {
    }

    /** Closes the connection (both directions), as {@link BlockingConnection#close()}: what was written is still sent. */
    @Override
    public void close() {
        conn.close();
    }
}
