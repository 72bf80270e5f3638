package dev.iobuf.net;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Objects;

/**
 * The {@link ConnectionChannel} of any {@link BlockingConnection}, built on its read, write and
 * close calls only. Heap buffers go through their array, direct ones through
 * {@link MemorySegment#ofBuffer} (the one allocation of a call); no other state.
 */
final class ConnectionByteChannel implements ConnectionChannel {
    private final BlockingConnection conn;

    ConnectionByteChannel(BlockingConnection conn) {
        this.conn = Objects.requireNonNull(conn, "conn");
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        checkWritable(dst);
        ensureOpen();
        int pos = dst.position();
        int len = dst.limit() - pos;
        if (len == 0) {
            return 0;
        }
        int n = dst.hasArray() ? conn.read(dst.array(), dst.arrayOffset() + pos, len)
                : conn.read(MemorySegment.ofBuffer(dst));
        if (n > 0) {
            dst.position(pos + n);
        }
        return n;
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        for (int i = offset; i < offset + length; i++) {
            checkWritable(dsts[i]);
        }
        ensureOpen();
        for (int i = offset; i < offset + length; i++) {
            if (dsts[i].hasRemaining()) {
                return read(dsts[i]); // one read: more may never come, so do not wait to fill the next buffer
            }
        }
        return 0;
    }

    @Override
    public long read(ByteBuffer[] dsts) throws IOException {
        return read(dsts, 0, dsts.length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        ensureOpen();
        int pos = src.position();
        int len = src.limit() - pos;
        if (len == 0) {
            return 0;
        }
        if (src.hasArray()) {
            conn.write(src.array(), src.arrayOffset() + pos, len);
        } else {
            conn.write(MemorySegment.ofBuffer(src)); // direct, or a read-only heap buffer (no array)
        }
        src.position(pos + len);
        return len;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        for (int i = offset; i < offset + length; i++) {
            Objects.requireNonNull(srcs[i], "srcs[i]");
        }
        ensureOpen();
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            total += write(srcs[i]);
        }
        return total;
    }

    @Override
    public long write(ByteBuffer[] srcs) throws IOException {
        return write(srcs, 0, srcs.length);
    }

    @Override
    public boolean isOpen() {
        return !conn.isClosed();
    }

    @Override
    public void close() {
        conn.close();
    }

    private static void checkWritable(ByteBuffer dst) {
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("cannot read into a read-only buffer");
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (conn.isClosed()) {
            throw new ClosedChannelException();
        }
    }
}
