package dev.iobuf.files;

import dev.iobuf.alloc.FixedBuf;
import dev.iobuf.memory.IoVec;
import dev.iobuf.pool.PooledBuffer;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.IoUringFileTable;
import dev.iobuf.uring.OpFlags;
import dev.iobuf.uring.Opcode;
import dev.iobuf.uring.Sqe;
import dev.iobuf.uring.reactor.CompletionHandler;
import dev.iobuf.uring.reactor.EventLoop;
import dev.iobuf.uring.reactor.SpliceSender;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/**
 * A file opened through an {@link EventLoop}'s io_uring, in the callback style: every operation is
 * queued on the loop's ring and its result reaches a {@link FileCompletion} on the loop thread.
 * Nothing is allocated per operation.
 *
 * <pre>{@code
 * AsyncFile.open(loop, path, Set.of(StandardOpenOption.READ), (file, failure) -> {
 *     if (file != null) {
 *         file.read(buffer, 0, (token, n) -> System.out.println(n + " bytes"), 0);
 *     }
 * });
 * }</pre>
 *
 * <p>All methods run on the loop thread (from elsewhere, {@link EventLoop#execute} them, or use
 * {@link BlockingFile}). Memory given to an operation must stay valid until its completion.
 *
 * <ul>
 * <li><b>Fixed buffers.</b> A read or write whose memory lies inside a buffer registered on the
 *     loop's ring ({@link EventLoop#bufferTable()}, e.g. a registered pool's slab or a
 *     {@link FixedBuf}) goes out as {@code READ_FIXED}/{@code WRITE_FIXED}, chosen by itself.</li>
 * <li><b>O_DIRECT.</b> With {@link FileOption#DIRECT} the file's direct-I/O alignment is read
 *     ({@code statx}, {@code STATX_DIOALIGN}) at open, and every read and write is checked against
 *     it before submission: a misaligned buffer address, file offset or length throws
 *     {@link IllegalArgumentException} naming the three numbers and the alignment.</li>
 * <li><b>Results as they are.</b> A read may be short, and returns 0 at end of file; the caller
 *     decides whether to read on. {@code EINTR} and {@code EAGAIN} are retried inside; other
 *     failures arrive as {@code -errno}.</li>
 * <li><b>Ordering.</b> Operations in flight run concurrently, like the kernel's; to order one after
 *     another, call {@link #linkNext()} between them (an {@code IOSQE_IO_LINK} chain, e.g. writes
 *     then fsync).</li>
 * <li><b>Fixed files.</b> With {@link FileOption#FIXED_FILE} the file is opened straight into a
 *     slot of the loop's {@linkplain EventLoop#fileTable() file table}: no fd, and no file-table
 *     lookup per operation.</li>
 * </ul>
 *
 * <p>When the loop shuts down, its open files are closed.
 */
public final class AsyncFile {
    /*
     * Implementation notes.
     *
     * Loop thread only: every field is read and written on the loop thread, so none is volatile.
     *
     * In-flight operations live in a table of reusable Op records indexed by the completion's tag
     * (EventLoop.userData(slot, op.id)); a free stack of ids hands them out, and the table doubles
     * when all are in use (the only allocation, amortised away). An Op keeps what its SQE was made
     * from, so prep() can make it again for an EINTR/EAGAIN retry. Open, the stat of open and close
     * are Ops too, with internal completions.
     *
     * Lifecycle: OPENING (openat, then statx for O_DIRECT) -> OPEN -> CLOSING (no new operations;
     * the CLOSE is submitted only once nothing else is in flight, splice transfers included, so no
     * operation or retry ever uses a descriptor number or slot after it was closed and perhaps
     * reused) -> CLOSED when the close completed: the loop slot, the
     * arena (path and statx buffer) and the fixed-file slot are given back only then, because a
     * completion may still arrive for the slot until the last operation finished.
     */

    /** Receives the file once it is open, or why it could not be opened. */
    @FunctionalInterface
    public interface OpenHandler {
        /**
         * Called once on the loop thread.
         *
         * @param file    the open file, or null when opening failed
         * @param failure why opening failed ({@link java.nio.file.NoSuchFileException},
         *                {@link java.nio.file.AccessDeniedException}...), or null
         */
        void onOpen(AsyncFile file, IOException failure);
    }

    private static final int MAX_RETRIES = 64;
    private static final int OPENING = 0;
    private static final int OPEN = 1;
    private static final int CLOSING = 2;
    private static final int CLOSED = 3;

    private final EventLoop loop;
    private final Path path;
    private final int flags;
    private final Arena arena;
    private final MemorySegment pathz;
    private final IoUringFileTable.Tenant fixedSlot;
    private final int slot;
    private int fd = -1;
    private int state = OPENING;
    private int memoryAlign;
    private int offsetAlign;
    private OpenHandler openHandler;
    private FileStat lastStat;
    private Sqe lastSqe;
    private Op lastOp;
    /** The close waiting for the operations in flight (CLOSING), and whom to tell. */
    private boolean closeDeferred;
    private FileCompletion closeCompletion;
    private long closeToken;

    private Op[] ops = new Op[0];
    private int[] free = new int[0];
    private int freeTop;
    private int inFlight;
    private long fixedBufferOps;

    private final FileCompletion internal = this::internalComplete;
    private static final long OPEN_TOKEN = 1;
    private static final long OPEN_STAT_TOKEN = 2;
    private static final long CLOSE_TOKEN = 3;
    private static final long CLEANUP_TOKEN = 4;

    private AsyncFile(EventLoop loop, Path path, int flags, boolean fixed) {
        this.loop = loop;
        this.path = path;
        this.flags = flags;
        this.arena = Arena.ofConfined();
        this.pathz = arena.allocateFrom(path.toString());
        IoUringFileTable.Tenant tenant = null;
        if (fixed) {
            try {
                tenant = loop.fileTable().tenant(1);
            } catch (RuntimeException e) {
                arena.close();
                throw e;
            }
        }
        this.fixedSlot = tenant;
        CompletionHandler h = this::onCompletion;
        this.slot = loop.register(h);
        grow(8);
    }

    /**
     * Opens {@code path} through the loop's ring ({@code OPENAT}); {@code handler} gets the file or
     * the failure on the loop thread. Loop thread.
     *
     * @param options {@link java.nio.file.StandardOpenOption}s and {@link FileOption}s; READ when
     *                none of READ, WRITE and APPEND is given, as for {@code FileChannel.open}
     * @throws UnsupportedOperationException for an option iobuf does not support
     *                                       ({@code DELETE_ON_CLOSE})
     * @throws IllegalStateException         when not called on the loop thread, or no fixed-file
     *                                       slot is free for {@link FileOption#FIXED_FILE}
     */
    public static void open(EventLoop loop, Path path, Set<? extends OpenOption> options, OpenHandler handler) {
        if (!loop.inLoop()) {
            throw new IllegalStateException("AsyncFile.open runs on the loop thread; from elsewhere use BlockingFile.open");
        }
        int flags = OpenFlags.of(options);
        AsyncFile file = new AsyncFile(loop, path.toAbsolutePath(), flags, options.contains(FileOption.FIXED_FILE));
        file.openHandler = handler;
        LoopFiles.of(loop).add(file);
        Op op = file.take(Opcode.OPENAT, file.internal, OPEN_TOKEN);
        op.opFlags = flags;
        op.len = OpenFlags.CREATE_MODE;
        file.submit(op);
    }

    // ---- what the file is -----------------------------------------------------------------------

    /** The path the file was opened with (absolute). */
    public Path path() {
        return path;
    }

    /** The loop whose ring carries the file's operations. */
    public EventLoop loop() {
        return loop;
    }

    /** Whether the file was opened with {@link FileOption#DIRECT}. */
    public boolean isDirect() {
        return (flags & OpenFlags.O_DIRECT) != 0;
    }

    /** Whether the file sits in a slot of the loop's registered file table (and has no fd). */
    public boolean isFixed() {
        return fixedSlot != null;
    }

    /** Whether the file is open (not closing or closed). */
    public boolean isOpen() {
        return state == OPEN;
    }

    /**
     * The alignment O_DIRECT needs of buffer addresses ({@code stx_dio_mem_align}); 0 when the
     * file is not opened with {@link FileOption#DIRECT}.
     */
    public int directMemoryAlignment() {
        return memoryAlign;
    }

    /**
     * The alignment O_DIRECT needs of file offsets and lengths ({@code stx_dio_offset_align}); 0
     * when the file is not opened with {@link FileOption#DIRECT}.
     */
    public int directOffsetAlignment() {
        return offsetAlign;
    }

    /** The {@code open(2)} flags the file was opened with. */
    int openFlags() {
        return flags;
    }

    /** Operations queued and not yet completed. */
    public int inFlight() {
        return inFlight;
    }

    /** Reads and writes that went out as READ_FIXED or WRITE_FIXED (registered memory). Loop thread. */
    public long fixedBufferOperations() {
        return fixedBufferOps;
    }

    /** The result of the last completed {@link #stat}, or null before one completed. */
    public FileStat lastStat() {
        return lastStat;
    }

    // ---- reads and writes ---------------------------------------------------------------------

    /**
     * Reads into {@code buffer} (native memory) from file offset {@code position}; the result is
     * the bytes read, 0 at end of file.
     *
     * @throws IllegalArgumentException for heap memory, more than 2 GiB - 1 bytes, a negative
     *                                  position, or memory misaligned for O_DIRECT
     * @throws IllegalStateException    when the file is not open
     */
    public void read(MemorySegment buffer, long position, FileCompletion completion, long token) {
        rw(Opcode.READ, address(buffer), length(buffer), position, completion, token);
    }

    /** Reads at most {@code length} bytes into the start of {@code buffer}; see {@link #read(MemorySegment, long, FileCompletion, long)}. */
    public void read(PooledBuffer buffer, int length, long position, FileCompletion completion, long token) {
        rw(Opcode.READ, buffer.segment().address(), checkLength(length, buffer.segment().byteSize()), position, completion, token);
    }

    /** Reads at most {@code length} bytes into the start of {@code buffer}; see {@link #read(MemorySegment, long, FileCompletion, long)}. */
    public void read(FixedBuf buffer, int length, long position, FileCompletion completion, long token) {
        rw(Opcode.READ, buffer.address(), checkLength(length, buffer.capacity()), position, completion, token);
    }

    /**
     * Writes all of {@code buffer} at file offset {@code position} (ignored with
     * {@link java.nio.file.StandardOpenOption#APPEND}); the result is the bytes written, which may
     * be fewer (a full disk, a limit).
     *
     * @throws IllegalArgumentException like {@link #read(MemorySegment, long, FileCompletion, long)}
     * @throws IllegalStateException    when the file is not open
     */
    public void write(MemorySegment buffer, long position, FileCompletion completion, long token) {
        rw(Opcode.WRITE, address(buffer), length(buffer), position, completion, token);
    }

    /** Writes the first {@code length} bytes of {@code buffer}; see {@link #write(MemorySegment, long, FileCompletion, long)}. */
    public void write(PooledBuffer buffer, int length, long position, FileCompletion completion, long token) {
        rw(Opcode.WRITE, buffer.segment().address(), checkLength(length, buffer.segment().byteSize()), position, completion, token);
    }

    /** Writes the first {@code length} bytes of {@code buffer}; see {@link #write(MemorySegment, long, FileCompletion, long)}. */
    public void write(FixedBuf buffer, int length, long position, FileCompletion completion, long token) {
        rw(Opcode.WRITE, buffer.address(), checkLength(length, buffer.capacity()), position, completion, token);
    }

    /**
     * Reads into the entries of {@code iov} in order ({@code preadv}); the result is the bytes
     * read in all. The iovec array and the memory it names must stay valid until completion.
     */
    public void read(IoVec iov, long position, FileCompletion completion, long token) {
        vectored(Opcode.READV, iov, position, completion, token);
    }

    /** Writes the entries of {@code iov} in order ({@code pwritev}); the result is the bytes written in all. */
    public void write(IoVec iov, long position, FileCompletion completion, long token) {
        vectored(Opcode.WRITEV, iov, position, completion, token);
    }

    private void rw(int opcode, long address, int length, long position, FileCompletion completion, long token) {
        checkPosition(position);
        checkDirect(opcode, address, length, position);
        int bufIndex = loop.registeredBufferIndex(address, length);
        if (bufIndex >= 0) {
            opcode = opcode == Opcode.READ ? Opcode.READ_FIXED : Opcode.WRITE_FIXED;
        }
        Op op = take(opcode, completion, token);
        if (bufIndex >= 0) {
            fixedBufferOps++;
        }
        op.addr = address;
        op.len = length;
        op.off = position;
        op.bufIndex = bufIndex;
        submit(op);
    }

    private void vectored(int opcode, IoVec iov, long position, FileCompletion completion, long token) {
        checkPosition(position);
        if (memoryAlign > 0) {
            for (int i = 0; i < iov.count(); i++) {
                checkDirect(opcode, iov.base(i), iov.length(i), position);
            }
        }
        Op op = take(opcode, completion, token);
        op.addr = iov.address();
        op.len = iov.count();
        op.off = position;
        submit(op);
    }

    /**
     * Sends {@code length} bytes of the file from {@code position} to {@code socketFd} through
     * {@code sender}'s pipe, without the bytes passing through user memory ({@code SPLICE});
     * {@code done} gets the bytes sent. Counted among the file's operations in flight: a close
     * waits for it.
     *
     * @param socketFixed whether {@code socketFd} is a slot of the loop's file table
     */
    public void sendTo(SpliceSender sender, long position, long length, int socketFd, boolean socketFixed,
                       SpliceSender.Done done) {
        if (state != OPEN) {
            throw new IllegalStateException(path + " is " + (state == OPENING ? "not open yet" : "closed"));
        }
        checkPosition(position);
        inFlight++;                             // before: done may run at once (length 0)
        try {
            sender.send(fixedSlot != null ? fixedSlot.slot(0) : fd, fixedSlot != null, position, length,
                    socketFd, socketFixed, (sent, error) -> {
                        inFlight--;             // a deferred close may go out now
                        try {
                            done.onDone(sent, error);
                        } finally {
                            finishIfClosed();
                        }
                    });
        } catch (RuntimeException e) {
            inFlight--;
            throw e;
        }
    }

    // ---- syncing and shaping --------------------------------------------------------------------

    /** {@code fsync}: data and metadata reach the device. */
    public void fsync(FileCompletion completion, long token) {
        Op op = take(Opcode.FSYNC, completion, token);
        submit(op);
    }

    /** {@code fdatasync}: data, and the metadata needed to read it back, reach the device. */
    public void fdatasync(FileCompletion completion, long token) {
        Op op = take(Opcode.FSYNC, completion, token);
        op.opFlags = OpFlags.FSYNC_DATASYNC;
        submit(op);
    }

    /**
     * {@code sync_file_range}: starts or waits for write-back of {@code [offset, offset + length)}
     * ({@code length} 0: to the end), with {@code OpFlags.SYNC_FILE_RANGE_*} flags. No metadata,
     * no durability promise: {@link #fdatasync} gives that.
     */
    public void syncRange(long offset, int length, int syncFlags, FileCompletion completion, long token) {
        checkPosition(offset);
        Op op = take(Opcode.SYNC_FILE_RANGE, completion, token);
        op.off = offset;
        op.len = length;
        op.opFlags = syncFlags;
        submit(op);
    }

    /**
     * {@code fallocate}: reserves (mode 0) or, with {@code OpFlags.FALLOC_FL_*}, punches or zeroes
     * {@code [offset, offset + length)}.
     */
    public void allocate(int mode, long offset, long length, FileCompletion completion, long token) {
        checkPosition(offset);
        Op op = take(Opcode.FALLOCATE, completion, token);
        op.opFlags = mode;
        op.off = offset;
        op.addr = length;
        submit(op);
    }

    /** {@code ftruncate} (Linux 6.9): the file's size becomes {@code size}. */
    public void truncate(long size, FileCompletion completion, long token) {
        checkPosition(size);
        Op op = take(Opcode.FTRUNCATE, completion, token);
        op.off = size;
        submit(op);
    }

    /** {@code posix_fadvise} for {@code [offset, offset + length)} ({@code OpFlags.POSIX_FADV_*}). */
    public void advise(long offset, long length, int advice, FileCompletion completion, long token) {
        checkPosition(offset);
        Op op = take(Opcode.FADVISE, completion, token);
        op.off = offset;
        op.addr = length;
        op.opFlags = advice;
        submit(op);
    }

    /**
     * {@code statx}: completes with 0 and the result in {@link #lastStat()}, or {@code -errno}. A
     * {@linkplain FileOption#FIXED_FILE fixed} file has no descriptor statx could take: it is
     * asked by its path, so after a rename or unlink the answer is the path's, not the file's.
     */
    public void stat(FileCompletion completion, long token) {
        Op op = take(Opcode.STATX, completion, token);
        withStatBuffer(op);
        submit(op);
    }

    /**
     * Links the operation queued last on this file to the next one queued on the loop
     * ({@code IOSQE_IO_LINK}): the next starts only after it completed, and is cancelled
     * ({@code -ECANCELED}) if it failed or was short. Call it right after queuing, before anything
     * else takes an SQE of the loop.
     *
     * @throws IllegalStateException when nothing was queued on this file yet
     */
    public void linkNext() {
        if (lastSqe == null) {
            throw new IllegalStateException("nothing was queued on " + path + " to link from");
        }
        lastSqe.link();
        if (lastOp != null) {
            lastOp.linked = true;
        }
    }

    /**
     * Closes the file: no operation may be queued after this; those in flight complete first.
     * {@code completion} gets the close's result (0 or {@code -errno}). A second close completes
     * with {@code -EBADF}.
     */
    public void close(FileCompletion completion, long token) {
        if (state != OPEN) {
            if (completion != null) {
                completion.onComplete(token, -Errno.EBADF);
            }
            return;
        }
        state = CLOSING;
        closeCompletion = completion;
        closeToken = token;
        if (inFlight == 0) {
            submitClose();
        } else {
            closeDeferred = true; // submitted when the last operation in flight completed
        }
    }

    private void submitClose() {
        closeDeferred = false;
        submit(takeAny(Opcode.CLOSE, internal, CLOSE_TOKEN));
    }

    /** Closes the file without waiting for the result; see {@link #close(FileCompletion, long)}. */
    public void close() {
        close(null, 0);
    }

    // ---- checks -------------------------------------------------------------------------------

    private static long address(MemorySegment buffer) {
        if (!buffer.isNative()) {
            throw new IllegalArgumentException("io_uring needs native memory; got a heap segment");
        }
        return buffer.address();
    }

    private static int length(MemorySegment buffer) {
        long n = buffer.byteSize();
        if (n > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("one operation moves at most 2 GiB - 1 bytes; got " + n);
        }
        return (int) n;
    }

    private static int checkLength(int length, long capacity) {
        if (length < 0 || length > capacity) {
            throw new IllegalArgumentException("length " + length + " is outside the buffer's " + capacity + " bytes");
        }
        return length;
    }

    private static void checkPosition(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("file offset must not be negative, got " + position);
        }
    }

    private void checkDirect(int opcode, long address, long length, long position) {
        int m = memoryAlign;
        int o = offsetAlign;
        if (m == 0) {
            return;
        }
        if (address % m != 0 || position % o != 0 || length % o != 0) {
            throw new IllegalArgumentException(Opcode.name(opcode).toLowerCase(java.util.Locale.ROOT) + " of " + path
                    + " (O_DIRECT) needs the buffer address aligned to " + m
                    + " bytes and the file offset and length to " + o + " bytes; got address 0x"
                    + Long.toHexString(address) + " (" + (address % m == 0 ? "aligned" : "off by " + address % m)
                    + "), offset " + position + ", length " + length);
        }
    }

    // ---- the table of operations in flight ----------------------------------------------------

    /** An operation in flight; reused. The fields are what {@link #prep} makes its SQE from. */
    private static final class Op {
        final int id;
        FileCompletion completion;
        long token;
        int opcode;
        long addr;
        int len;
        long off;
        int opFlags;
        int bufIndex;
        int retries;
        boolean linked;
        /** A STATX op's own buffer (concurrent stats must not share one), and its arena. */
        Arena statArena;
        MemorySegment statBuf;

        Op(int id) {
            this.id = id;
        }
    }

    private Op take(int opcode, FileCompletion completion, long token) {
        if (state != OPEN && opcode != Opcode.OPENAT) {
            throw new IllegalStateException(path + " is " + (state == OPENING ? "not open yet" : "closed"));
        }
        return takeAny(opcode, completion, token);
    }

    private Op takeAny(int opcode, FileCompletion completion, long token) {
        if (completion == null) {
            throw new NullPointerException("completion");
        }
        if (freeTop == 0) {
            grow(ops.length * 2);
        }
        Op op = ops[free[--freeTop]];
        op.completion = completion;
        op.token = token;
        op.opcode = opcode;
        op.addr = 0;
        op.len = 0;
        op.off = 0;
        op.opFlags = 0;
        op.bufIndex = -1;
        op.retries = 0;
        return op;
    }

    private void grow(int size) {
        int old = ops.length;
        ops = Arrays.copyOf(ops, size);
        free = Arrays.copyOf(free, size);
        for (int i = size - 1; i >= old; i--) {
            ops[i] = new Op(i);
            free[freeTop++] = i;
        }
    }

    private static void withStatBuffer(Op op) {
        op.statArena = Arena.ofConfined();
        op.statBuf = op.statArena.allocate(StatxLayout.BYTES, 8);
    }

    private void release(Op op) {
        op.completion = null;
        op.linked = false;
        if (op.statArena != null) {
            op.statArena.close();
            op.statArena = null;
            op.statBuf = null;
        }
        free[freeTop++] = op.id;
    }

    private void submit(Op op) {
        Sqe s;
        try {
            loop.reserve(2); // room for a successor linkNext() may chain to this one
            s = loop.sqe();
            prep(s, op);
        } catch (RuntimeException e) {
            release(op);
            throw e;
        }
        lastSqe = s;
        lastOp = op;
        inFlight++;
    }

    /** Fills {@code s} from {@code op}: the first submission and every retry. */
    private void prep(Sqe s, Op op) {
        int f = fixedSlot != null ? fixedSlot.slot(0) : fd;
        switch (op.opcode) {
            case Opcode.READ -> s.read(f, op.addr, op.len, op.off);
            case Opcode.WRITE -> s.write(f, op.addr, op.len, op.off);
            case Opcode.READ_FIXED -> s.readFixed(f, op.addr, op.len, op.off, op.bufIndex);
            case Opcode.WRITE_FIXED -> s.writeFixed(f, op.addr, op.len, op.off, op.bufIndex);
            case Opcode.READV -> s.readv(f, op.addr, op.len, op.off);
            case Opcode.WRITEV -> s.writev(f, op.addr, op.len, op.off);
            case Opcode.FSYNC -> s.fsync(f, op.opFlags);
            case Opcode.SYNC_FILE_RANGE -> s.syncFileRange(f, op.off, op.len, op.opFlags);
            case Opcode.FALLOCATE -> s.fallocate(f, op.opFlags, op.off, op.addr);
            case Opcode.FTRUNCATE -> s.ftruncate(f, op.off);
            case Opcode.FADVISE -> s.fadvise(f, op.off, op.addr, op.opFlags);
            case Opcode.STATX -> {
                int mask = StatxLayout.STATX_BASIC_STATS | StatxLayout.STATX_DIOALIGN;
                if (fixedSlot != null) {
                    // statx has no fixed-file form: a fixed file is asked by its path
                    s.statx(Sqe.AT_FDCWD, pathz.address(), 0, mask, op.statBuf.address());
                } else {
                    s.statx(fd, emptyPath(), StatxLayout.AT_EMPTY_PATH, mask, op.statBuf.address());
                }
                s.userData(EventLoop.userData(slot, op.id));
                return;
            }
            case Opcode.OPENAT -> {
                if (fixedSlot != null) {
                    // a direct open refuses O_CLOEXEC (EINVAL): a table slot is no fd to inherit
                    s.openatDirect(Sqe.AT_FDCWD, pathz.address(), op.opFlags & ~OpenFlags.O_CLOEXEC, op.len, fixedSlot.slot(0));
                } else {
                    s.openat(Sqe.AT_FDCWD, pathz.address(), op.opFlags, op.len);
                }
                s.userData(EventLoop.userData(slot, op.id));
                return;
            }
            case Opcode.CLOSE -> {
                if (fixedSlot != null) {
                    s.closeDirect(fixedSlot.slot(0));
                } else {
                    s.close(fd);
                }
                s.userData(EventLoop.userData(slot, op.id));
                return;
            }
            default -> throw new IllegalStateException("opcode " + Opcode.name(op.opcode));
        }
        if (fixedSlot != null) {
            s.fixedFile();
        }
        s.userData(EventLoop.userData(slot, op.id));
    }

    private long emptyPath() {
        // the path's terminating NUL, read as a string of its own: "" for AT_EMPTY_PATH
        return pathz.address() + pathz.byteSize() - 1;
    }

    private void onCompletion(int tag, int res, int cqeFlags) {
        Op op = ops[tag];
        // never retried: CLOSE and OPENAT (the kernel released or took the descriptor already), a
        // linked op (the kernel cancelled its successors: a retry would run out of order)
        boolean retriable = op.opcode != Opcode.CLOSE && op.opcode != Opcode.OPENAT && !op.linked;
        if (retriable && (res == -Errno.EINTR || res == -Errno.EAGAIN) && op.retries < MAX_RETRIES) {
            op.retries++;
            prep(loop.sqe(), op);
            return;
        }
        inFlight--;
        FileCompletion c = op.completion;
        long token = op.token;
        if (c == internal) {
            internalComplete(op, res);
        } else {
            if (op.opcode == Opcode.STATX && res >= 0) {
                lastStat = StatxLayout.read(op.statBuf);
            }
            release(op);
            try {
                c.onComplete(token, res);
            } finally {
                finishIfClosed();
            }
        }
    }

    private void internalComplete(long token, int res) {
        throw new AssertionError("internal completions are handled in onCompletion");
    }

    private void internalComplete(Op op, int res) {
        long token = op.token;
        FileStat opened = token == OPEN_STAT_TOKEN && res >= 0 ? StatxLayout.read(op.statBuf) : null;
        release(op);
        if (token == OPEN_TOKEN) {
            if (res < 0) {
                failOpen(res, "open");
                return;
            }
            fd = fixedSlot != null ? -1 : res;
            if ((flags & OpenFlags.O_DIRECT) != 0) {
                state = OPEN; // so the stat may be taken
                Op stat = takeAny(Opcode.STATX, internal, OPEN_STAT_TOKEN);
                withStatBuffer(stat);
                state = OPENING;
                submit(stat);
                return;
            }
            opened();
        } else if (token == OPEN_STAT_TOKEN) {
            if (res < 0) {
                closeAfterFailedOpen(res, "statx");
                return;
            }
            FileStat st = opened;
            lastStat = st;
            if (st.supportsDirectIo()) {
                memoryAlign = st.directMemoryAlign();
                offsetAlign = st.directOffsetAlign();
            } else {
                // the file system opened O_DIRECT but does not say its alignment (before 6.1, or a
                // file system without STATX_DIOALIGN): its block size is the safe guess
                memoryAlign = Math.max(512, st.blockSize());
                offsetAlign = Math.max(512, st.blockSize());
            }
            opened();
        } else if (token == CLEANUP_TOKEN) {
            finishIfClosed();
        } else if (token == CLOSE_TOKEN) {
            state = CLOSED;
            FileCompletion c = closeCompletion;
            closeCompletion = null;
            try {
                if (c != null) {
                    c.onComplete(closeToken, res);
                }
            } finally {
                finishIfClosed();
            }
        }
    }

    private void opened() {
        state = OPEN;
        OpenHandler h = openHandler;
        openHandler = null;
        h.onOpen(this, null);
    }

    private void closeAfterFailedOpen(int res, String call) {
        // the file is open but unusable: report now, close it behind (its completion ends the file)
        Op close = takeAny(Opcode.CLOSE, internal, CLEANUP_TOKEN);
        submit(close);
        failOpen(res, call);
    }

    private void failOpen(int res, String call) {
        state = CLOSED;
        OpenHandler h = openHandler;
        openHandler = null;
        finishIfClosed();
        h.onOpen(null, FileErrors.exception(call, path, OpenFlags.describe(flags), res));
    }

    private void finishIfClosed() {
        if (closeDeferred && inFlight == 0) {
            submitClose();
            return;
        }
        if (state == CLOSED && inFlight == 0 && arena.scope().isAlive()) {
            loop.unregister(slot);
            if (fixedSlot != null) {
                fixedSlot.close();
            }
            arena.close();
            LoopFiles.of(loop).remove(this);
        }
    }

    @Override
    public String toString() {
        return "AsyncFile[" + path + ", " + OpenFlags.describe(flags)
                + (fixedSlot != null ? ", fixed slot " + fixedSlot.slot(0) : ", fd " + fd)
                + ", " + (state == OPEN ? "open" : state == OPENING ? "opening" : state == CLOSING ? "closing" : "closed")
                + ", " + inFlight + " in flight]";
    }
}
