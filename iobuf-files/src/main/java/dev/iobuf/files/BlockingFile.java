package dev.iobuf.files;

import dev.iobuf.alloc.FixedBuf;
import dev.iobuf.memory.IoVec;
import dev.iobuf.pool.PooledBuffer;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.reactor.EventLoop;
import dev.iobuf.uring.reactor.SpliceSender;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;

/**
 * A file over io_uring in blocking calls, made for virtual threads: each call hands its operation
 * to the {@link EventLoop} that owns the ring and parks until the completion, so thousands of
 * virtual threads share one ring and one loop thread.
 *
 * <pre>{@code
 * try (BlockingFile file = BlockingFile.open(loop, path, StandardOpenOption.READ)) {
 *     int n = file.read(buffer, 0);          // bytes read, -1 at end of file
 * }
 * }</pre>
 *
 * <p>Failures throw the JDK's exceptions where one fits ({@link java.nio.file.NoSuchFileException},
 * {@link java.nio.file.AccessDeniedException}, otherwise
 * {@link java.nio.file.FileSystemException}), each naming the file and the call, e.g.
 * {@code /data/log: write (write-only, O_DIRECT): ENOSPC (no space left on device)}.
 * Reads may be short, as the kernel returns them; {@link #readFully} reads on until the buffer is
 * full. Everything else {@link AsyncFile} says (fixed buffers chosen by themselves, the O_DIRECT
 * checks, retries of {@code EINTR}/{@code EAGAIN}) holds here too.
 *
 * <p>Any thread except the loop's may call; calls from several threads run concurrently. A call
 * allocates one small object (its hand-off record). For many operations from one thread at once,
 * use a {@link FileBatch}: one hand-off and one wait for all of them.
 */
public final class BlockingFile implements AutoCloseable {
    private final AsyncFile file;
    private final EventLoop loop;

    private BlockingFile(AsyncFile file) {
        this.file = file;
        this.loop = file.loop();
    }

    /**
     * Opens {@code path} through {@code loop}'s ring. Options are those of
     * {@link AsyncFile#open}: {@link java.nio.file.StandardOpenOption}s and {@link FileOption}s.
     *
     * @throws java.nio.file.NoSuchFileException        when the file (or a directory on the way) is missing
     * @throws java.nio.file.FileAlreadyExistsException for CREATE_NEW of an existing file
     * @throws java.nio.file.AccessDeniedException      when permissions forbid it
     * @throws IOException                              for other failures, naming the file
     */
    public static BlockingFile open(EventLoop loop, Path path, OpenOption... options) throws IOException {
        return open(loop, path, Set.of(options));
    }

    /** Like {@link #open(EventLoop, Path, OpenOption...)} with a set of options. */
    public static BlockingFile open(EventLoop loop, Path path, Set<? extends OpenOption> options) throws IOException {
        OpenFlags.of(options); // refuse bad options on the caller's thread
        final class Open extends LoopCall implements AsyncFile.OpenHandler {
            AsyncFile opened;
            IOException failure;

            @Override
            void start() {
                AsyncFile.open(loop, path, options, this);
            }

            @Override
            public void onOpen(AsyncFile file, IOException failure) {
                this.opened = file;
                this.failure = failure;
                onComplete(0, 0);
            }
        }
        Open call = new Open();
        call.call(loop);
        if (call.failure != null) {
            throw call.failure;
        }
        return new BlockingFile(call.opened);
    }

    /** The file underneath, for callback-style operations on the loop thread. */
    public AsyncFile async() {
        return file;
    }

    /** The path the file was opened with (absolute). */
    public Path path() {
        return file.path();
    }

    /** Whether the file is open. */
    public boolean isOpen() {
        return file.isOpen();
    }

    /** See {@link AsyncFile#directMemoryAlignment()}. */
    public int directMemoryAlignment() {
        return file.directMemoryAlignment();
    }

    /** See {@link AsyncFile#directOffsetAlignment()}. */
    public int directOffsetAlignment() {
        return file.directOffsetAlignment();
    }

    // ---- reads and writes ---------------------------------------------------------------------

    /**
     * Reads into {@code buffer} from file offset {@code position}.
     *
     * @return the bytes read (possibly fewer than asked), or -1 at end of file
     * @throws IllegalArgumentException for heap memory, a negative position, or memory misaligned
     *                                  for O_DIRECT (the message names address, offset, length)
     */
    public int read(MemorySegment buffer, long position) throws IOException {
        int n = check("read", new Op(Op.READ, buffer, position).call(loop));
        return n == 0 && buffer.byteSize() > 0 ? -1 : n;
    }

    /** Reads at most {@code length} bytes into the start of {@code buffer}; see {@link #read(MemorySegment, long)}. */
    public int read(PooledBuffer buffer, int length, long position) throws IOException {
        return read(buffer.segment().asSlice(0, checkLength(length, buffer.segment().byteSize())), position);
    }

    /** Reads at most {@code length} bytes into the start of {@code buffer}; see {@link #read(MemorySegment, long)}. */
    public int read(FixedBuf buffer, int length, long position) throws IOException {
        return read(buffer.segment().asSlice(0, checkLength(length, buffer.capacity())), position);
    }

    /** Reads into the entries of {@code iov}: the bytes read in all, or -1 at end of file. */
    public long read(IoVec iov, long position) throws IOException {
        int n = check("readv", new Op(Op.READV, iov, position).call(loop));
        return n == 0 && iov.totalLength() > 0 ? -1 : n;
    }

    /**
     * Reads until {@code buffer} is full.
     *
     * @throws EOFException when the file ends first (saying how many bytes were read)
     */
    public void readFully(MemorySegment buffer, long position) throws IOException {
        long done = 0;
        long size = buffer.byteSize();
        while (done < size) {
            int n = read(buffer.asSlice(done), position + done);
            if (n < 0) {
                throw new EOFException(path() + ": end of file at offset " + (position + done) + " after "
                        + done + " of " + size + " bytes");
            }
            done += n;
        }
    }

    /**
     * Writes {@code buffer} at file offset {@code position} (ignored with APPEND).
     *
     * @return the bytes written; fewer than asked only when the kernel stopped early
     */
    public int write(MemorySegment buffer, long position) throws IOException {
        return check("write", new Op(Op.WRITE, buffer, position).call(loop));
    }

    /** Writes the first {@code length} bytes of {@code buffer}; see {@link #write(MemorySegment, long)}. */
    public int write(PooledBuffer buffer, int length, long position) throws IOException {
        return write(buffer.segment().asSlice(0, checkLength(length, buffer.segment().byteSize())), position);
    }

    /** Writes the first {@code length} bytes of {@code buffer}; see {@link #write(MemorySegment, long)}. */
    public int write(FixedBuf buffer, int length, long position) throws IOException {
        return write(buffer.segment().asSlice(0, checkLength(length, buffer.capacity())), position);
    }

    /** Writes the entries of {@code iov}: the bytes written in all. */
    public long write(IoVec iov, long position) throws IOException {
        return check("writev", new Op(Op.WRITEV, iov, position).call(loop));
    }

    /** Writes all of {@code buffer}, writing on after a short write. */
    public void writeFully(MemorySegment buffer, long position) throws IOException {
        long done = 0;
        long size = buffer.byteSize();
        while (done < size) {
            int n = write(buffer.asSlice(done), position + done);
            if (n == 0) {
                throw new IOException(path() + ": write made no progress at offset " + (position + done));
            }
            done += n;
        }
    }

    /**
     * Sends {@code length} bytes of the file from {@code position} to the socket (or pipe, or
     * file) {@code socketFd} without copying them through user memory: {@code SPLICE} through a
     * pipe, sendfile's way. Blocks until all are sent or the file ended.
     *
     * @return the bytes sent: fewer than {@code length} only when the file ended first
     * @throws IOException when a splice failed (e.g. {@code EPIPE}: the peer closed), saying how
     *                     many bytes were sent before
     */
    public long sendTo(int socketFd, long position, long length) throws IOException {
        final class Send extends LoopCall {
            SpliceSender sender;
            long sent;

            @Override
            void start() {
                sender = SpliceSender.open(loop);
                try {
                    file.sendTo(sender, position, length, socketFd, false, (n, error) -> {
                        sent = n;
                        sender.close();
                        onComplete(0, error);
                    });
                } catch (RuntimeException e) {
                    sender.close();
                    throw e;
                }
            }
        }
        Send send = new Send();
        int error = send.call(loop);
        if (error < 0) {
            throw FileErrors.exception("splice to fd " + socketFd + " after " + send.sent + " bytes", path(),
                    OpenFlags.describe(flagsForMessages()), error);
        }
        return send.sent;
    }

    // ---- the rest -------------------------------------------------------------------------------

    /** {@code fsync}: data and metadata reach the device. */
    public void fsync() throws IOException {
        check("fsync", new Op(Op.FSYNC, 0, 0, 0).call(loop));
    }

    /** {@code fdatasync}: data (and the metadata needed to read it) reach the device. */
    public void fdatasync() throws IOException {
        check("fdatasync", new Op(Op.FDATASYNC, 0, 0, 0).call(loop));
    }

    /** {@code sync_file_range}, see {@link AsyncFile#syncRange}. */
    public void syncRange(long offset, int length, int syncFlags) throws IOException {
        check("sync_file_range", new Op(Op.SYNC_RANGE, offset, length, syncFlags).call(loop));
    }

    /** {@code fallocate}, see {@link AsyncFile#allocate}. */
    public void allocate(int mode, long offset, long length) throws IOException {
        check("fallocate", new Op(Op.ALLOCATE, offset, length, mode).call(loop));
    }

    /** {@code ftruncate}: the file's size becomes {@code size}. */
    public void truncate(long size) throws IOException {
        check("ftruncate", new Op(Op.TRUNCATE, size, 0, 0).call(loop));
    }

    /** {@code posix_fadvise}, see {@link AsyncFile#advise}. */
    public void advise(long offset, long length, int advice) throws IOException {
        check("fadvise", new Op(Op.ADVISE, offset, length, advice).call(loop));
    }

    /** {@code statx}: size, block size and the O_DIRECT alignment. */
    public FileStat stat() throws IOException {
        Op op = new Op(Op.STAT, 0, 0, 0);
        check("statx", op.call(loop));
        return op.stat;
    }

    /** The file's size ({@code statx}). */
    public long size() throws IOException {
        return stat().size();
    }

    /**
     * A {@link FileChannel} over this file, for code written against the JDK: reads and writes go
     * through the ring. Closing the channel closes the file.
     */
    public FileChannel channel() {
        return new RingFileChannel(this);
    }

    /** Closes the file after the operations in flight; a second close does nothing. */
    @Override
    public void close() throws IOException {
        Op op = new Op(Op.CLOSE, 0, 0, 0);
        int res = op.call(loop);
        if (res < 0 && res != -Errno.EBADF) {
            check("close", res);
        }
    }

    @Override
    public String toString() {
        return "BlockingFile" + file.toString().substring("AsyncFile".length());
    }

    private int check(String call, int res) throws IOException {
        if (res < 0) {
            throw FileErrors.exception(call, path(), OpenFlags.describe(flagsForMessages()), res);
        }
        return res;
    }

    private int flagsForMessages() {
        return file.openFlags();
    }

    private static int checkLength(int length, long capacity) {
        if (length < 0 || length > capacity) {
            throw new IllegalArgumentException("length " + length + " is outside the buffer's " + capacity + " bytes");
        }
        return length;
    }

    /** One call: what to do on the loop thread. */
    private final class Op extends LoopCall {
        static final int READ = 0, WRITE = 1, READV = 2, WRITEV = 3, FSYNC = 4, FDATASYNC = 5,
                SYNC_RANGE = 6, ALLOCATE = 7, TRUNCATE = 8, ADVISE = 9, STAT = 10, CLOSE = 11;
        final int kind;
        MemorySegment buffer;
        IoVec iov;
        long a;
        long b;
        int c;
        FileStat stat;

        Op(int kind, MemorySegment buffer, long position) {
            this.kind = kind;
            this.buffer = buffer;
            this.a = position;
        }

        Op(int kind, IoVec iov, long position) {
            this.kind = kind;
            this.iov = iov;
            this.a = position;
        }

        Op(int kind, long a, long b, int c) {
            this.kind = kind;
            this.a = a;
            this.b = b;
            this.c = c;
        }

        @Override
        void start() {
            AsyncFile f = file;
            switch (kind) {
                case READ -> f.read(buffer, a, this, 0);
                case WRITE -> f.write(buffer, a, this, 0);
                case READV -> f.read(iov, a, this, 0);
                case WRITEV -> f.write(iov, a, this, 0);
                case FSYNC -> f.fsync(this, 0);
                case FDATASYNC -> f.fdatasync(this, 0);
                case SYNC_RANGE -> f.syncRange(a, (int) b, c, this, 0);
                case ALLOCATE -> f.allocate(c, a, b, this, 0);
                case TRUNCATE -> f.truncate(a, this, 0);
                case ADVISE -> f.advise(a, b, c, this, 0);
                case STAT -> f.stat(this, 0);
                case CLOSE -> f.close(this, 0);
                default -> throw new IllegalStateException("call " + kind);
            }
        }

        @Override
        public void onComplete(long token, int res) {
            if (kind == STAT && res >= 0) {
                stat = file.lastStat();
            }
            super.onComplete(token, res);
        }
    }
}
