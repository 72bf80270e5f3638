package dev.iobuf.files;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * A {@link FileChannel} over a {@link BlockingFile}: code written against the JDK runs on the ring
 * unchanged. Reads and writes of direct buffers go straight to the kernel; heap buffers go
 * through a bounce buffer of the channel. {@code map} and the locks are the JDK's own, on a
 * {@code FileChannel} the adapter opens on the same path when first asked.
 */
final class RingFileChannel extends FileChannel {
    /*
     * Implementation notes.
     *
     * The position is guarded by the channel's monitor, as the JDK's FileChannelImpl guards it:
     * relative reads and writes hold it for their whole call, positional ones do not touch it. The
     * bounce buffer for heap buffers is shared under the same monitor (positional calls with heap
     * buffers take the monitor too). O_DIRECT needs aligned memory: the bounce buffer is aligned to
     * the file's memory alignment; offsets and lengths remain the caller's business.
     */
    private static final int BOUNCE = 256 * 1024;

    private final BlockingFile file;
    private final boolean readable;
    private final boolean writable;
    private final boolean append;
    private long position;
    private Arena bounceArena;
    private MemorySegment bounce;
    private FileChannel jdk;

    RingFileChannel(BlockingFile file) {
        this.file = file;
        int flags = file.async().openFlags();
        int access = flags & 3;
        this.readable = access == OpenFlags.O_RDONLY || access == OpenFlags.O_RDWR;
        this.writable = access != OpenFlags.O_RDONLY;
        this.append = (flags & OpenFlags.O_APPEND) != 0;
    }

    private void ensureOpen() throws IOException {
        if (!isOpen()) {
            throw new java.nio.channels.ClosedChannelException();
        }
    }

    private MemorySegment bounce(int length) {
        if (bounce == null) {
            bounceArena = Arena.ofShared();
            int align = Math.max(4096, file.directMemoryAlignment());
            bounce = bounceArena.allocate(BOUNCE, align);
        }
        return bounce.asSlice(0, Math.min(length, BOUNCE));
    }

    // ---- reads ----------------------------------------------------------------------------------

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        int n = read(dst, position);
        if (n > 0) {
            position += n;
        }
        return n;
    }

    @Override
    public int read(ByteBuffer dst, long pos) throws IOException {
        Objects.requireNonNull(dst, "dst");
        if (pos < 0) {
            throw new IllegalArgumentException("negative position " + pos);
        }
        ensureOpen();
        if (!readable) {
            throw new NonReadableChannelException();
        }
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException("read-only buffer");
        }
        if (!dst.hasRemaining()) {
            return 0;
        }
        if (dst.isDirect()) {
            int n = file.read(MemorySegment.ofBuffer(dst), pos);
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }
        synchronized (this) {
            MemorySegment b = bounce(dst.remaining());
            int n = file.read(b, pos);
            if (n > 0) {
                dst.put(b.asSlice(0, n).asByteBuffer());
            }
            return n;
        }
    }

    @Override
    public synchronized long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, dsts.length);
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer d = dsts[i];
            if (!d.hasRemaining()) {
                continue;
            }
            int want = d.remaining();
            int n = read(d);
            if (n < 0) {
                return total == 0 ? -1 : total;
            }
            total += n;
            if (n < want) {
                break;
            }
        }
        return total;
    }

    // ---- writes ---------------------------------------------------------------------------------

    @Override
    public synchronized int write(ByteBuffer src) throws IOException {
        long at = append ? size() : position;
        int n = write(src, at);
        position = at + n;
        return n;
    }

    @Override
    public int write(ByteBuffer src, long pos) throws IOException {
        Objects.requireNonNull(src, "src");
        if (pos < 0) {
            throw new IllegalArgumentException("negative position " + pos);
        }
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        if (!src.hasRemaining()) {
            return 0;
        }
        if (src.isDirect()) {
            int n = file.write(MemorySegment.ofBuffer(src), pos);
            src.position(src.position() + n);
            return n;
        }
        synchronized (this) {
            MemorySegment b = bounce(src.remaining());
            int len = (int) b.byteSize();
            b.copyFrom(MemorySegment.ofBuffer(src.slice(src.position(), len)));
            int n = file.write(b, pos);
            src.position(src.position() + n);
            return n;
        }
    }

    @Override
    public synchronized long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, srcs.length);
        long total = 0;
        for (int i = offset; i < offset + length; i++) {
            ByteBuffer s = srcs[i];
            while (s.hasRemaining()) {
                int n = write(s);
                if (n == 0) {
                    return total;
                }
                total += n;
            }
        }
        return total;
    }

    // ---- position, size, force ----------------------------------------------------------------

    @Override
    public synchronized long position() throws IOException {
        ensureOpen();
        return append ? size() : position;
    }

    @Override
    public synchronized FileChannel position(long newPosition) throws IOException {
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
        ensureOpen();
        position = newPosition;
        return this;
    }

    @Override
    public long size() throws IOException {
        ensureOpen();
        return file.size();
    }

    @Override
    public synchronized FileChannel truncate(long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        if (size < size()) {
            file.truncate(size);
        }
        if (position > size) {
            position = size;
        }
        return this;
    }

    @Override
    public void force(boolean metaData) throws IOException {
        ensureOpen();
        if (metaData) {
            file.fsync();
        } else {
            file.fdatasync();
        }
    }

    // ---- transfers ------------------------------------------------------------------------------

    @Override
    public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
        ensureOpen();
        if (!readable) {
            throw new NonReadableChannelException();
        }
        long done = 0;
        ByteBuffer chunk = ByteBuffer.allocateDirect((int) Math.min(BOUNCE, Math.max(1, count)));
        while (done < count) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), count - done));
            int n = read(chunk, pos + done);
            if (n <= 0) {
                break;
            }
            chunk.flip();
            while (chunk.hasRemaining()) {
                if (target.write(chunk) == 0 && chunk.hasRemaining()) {
                    return done + n - chunk.remaining(); // a non-blocking target that is full
                }
            }
            done += n;
        }
        return done;
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long pos, long count) throws IOException {
        ensureOpen();
        if (!writable) {
            throw new NonWritableChannelException();
        }
        long done = 0;
        ByteBuffer chunk = ByteBuffer.allocateDirect((int) Math.min(BOUNCE, Math.max(1, count)));
        while (done < count) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), count - done));
            int n = src.read(chunk);
            if (n <= 0) {
                break;
            }
            chunk.flip();
            long at = pos + done;
            while (chunk.hasRemaining()) {
                at += write(chunk, at);
            }
            done += n;
        }
        return done;
    }

    // ---- the JDK's own: mapping and locks -------------------------------------------------------

    private synchronized FileChannel jdk() throws IOException {
        ensureOpen();
        if (jdk == null) {
            jdk = writable && readable
                    ? FileChannel.open(file.path(), StandardOpenOption.READ, StandardOpenOption.WRITE)
                    : FileChannel.open(file.path(), writable ? StandardOpenOption.WRITE : StandardOpenOption.READ);
        }
        return jdk;
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long pos, long size) throws IOException {
        return jdk().map(mode, pos, size);
    }

    @Override
    public MemorySegment map(MapMode mode, long offset, long size, Arena arena) throws IOException {
        return jdk().map(mode, offset, size, arena);
    }

    @Override
    public FileLock lock(long pos, long size, boolean shared) throws IOException {
        return jdk().lock(pos, size, shared);
    }

    @Override
    public FileLock tryLock(long pos, long size, boolean shared) throws IOException {
        return jdk().tryLock(pos, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        IOException failure = null;
        try {
            file.close();
        } catch (IOException e) {
            failure = e;
        }
        synchronized (this) {
            if (jdk != null) {
                jdk.close();
            }
            if (bounceArena != null) {
                bounceArena.close();
                bounceArena = null;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
