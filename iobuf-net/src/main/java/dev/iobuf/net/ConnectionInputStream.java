package dev.iobuf.net;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;

/**
 * The {@link InputStream} of any {@link BlockingConnection} ({@link BlockingConnection#inputStream()}),
 * built on its read and close calls only: unbuffered, each read one read of the connection.
 */
final class ConnectionInputStream extends InputStream {
    private final BlockingConnection conn;
    /** For {@link #read()}: one reader at a time, so one array serves every call. */
    private final byte[] one = new byte[1];

    ConnectionInputStream(BlockingConnection conn) {
        this.conn = Objects.requireNonNull(conn, "conn");
    }

    @Override
    public int read() throws IOException {
        int n;
        do {
            n = conn.read(one, 0, 1); // blocks until a byte came: 0 is not expected, but not -1 either
        } while (n == 0);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        return len == 0 ? 0 : conn.read(b, off, len);
    }

    /** 0: the connection does not say what has arrived; a read blocks until something has. */
    @Override
    public int available() {
        return 0;
    }

    /** Closes the connection (both directions), as {@link BlockingConnection#close()}. */
    @Override
    public void close() {
        conn.close();
    }
}
