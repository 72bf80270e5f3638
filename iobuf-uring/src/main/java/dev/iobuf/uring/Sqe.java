package dev.iobuf.uring;

import dev.iobuf.memory.IoVec;
import dev.iobuf.alloc.FixedBuf;
import dev.iobuf.pool.BufferPool;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static dev.iobuf.uring.SqeLayout.ADDR;
import static dev.iobuf.uring.SqeLayout.ADDR3;
import static dev.iobuf.uring.SqeLayout.BUF_INDEX;
import static dev.iobuf.uring.SqeLayout.FD;
import static dev.iobuf.uring.SqeLayout.FILE_INDEX;
import static dev.iobuf.uring.SqeLayout.FLAGS;
import static dev.iobuf.uring.SqeLayout.IOPRIO;
import static dev.iobuf.uring.SqeLayout.LEN;
import static dev.iobuf.uring.SqeLayout.OFF;
import static dev.iobuf.uring.SqeLayout.OPCODE;
import static dev.iobuf.uring.SqeLayout.OP_FLAGS;
import static dev.iobuf.uring.SqeLayout.PERSONALITY;
import static dev.iobuf.uring.SqeLayout.USER_DATA;

/**
 * A view of the submission queue entry most recently handed out by {@link IoUring#nextSqe()}.
 *
 * <p>Each ring owns exactly one {@code Sqe}; {@code nextSqe()} moves it to a fresh, zeroed slot and
 * returns it, so fill it completely before asking for the next one. Every method writes straight
 * into the shared ring memory, allocates nothing and returns {@code this} for chaining:
 * <pre>{@code
 * Sqe sqe = ring.nextSqe();
 * if (sqe != null) {
 *     sqe.read(fd, buffer, 0).userData(42);
 * }
 * ring.submit();
 * }</pre>
 *
 * <p>An operation method sets the opcode and the fields its name promises; the user data and
 * the {@linkplain #flags(int) SQE flags} are set separately. Addresses are native addresses
 * (from {@link MemorySegment#address()}) of memory that must stay valid until the operation
 * completes; overloads taking a {@code MemorySegment} accept native segments only. The field each
 * method writes is where liburing's {@code io_uring_prep_*} of the same name puts it. For the
 * operations without a method, fill the fields with the raw setters ({@link #opcode}, {@link #fd},
 * {@link #addr}...).
 *
 * <p>Not thread-safe, like the ring it belongs to.
 *
 * <p>Arguments are checked before the entry is queued for the kernel: a method that refuses its
 * arguments ({@link IllegalArgumentException}, or the exception of a closed pool or handle) gives
 * the entry back to the queue first, so nothing half-built is submitted. Every fixed-buffer
 * operation is checked against the ring's table of registered buffers.
 */
public final class Sqe {
    /** The {@code dirFd} of {@link #openat} that means the working directory. */
    public static final int AT_FDCWD = -100;

    private final MemorySegment sqes;
    private final IoUring ring;
    private long base;

    Sqe(MemorySegment sqes, IoUring ring) {
        this.sqes = sqes;
        this.ring = ring;
    }

    /**
     * An argument is wrong: the entry is given back to the queue before the exception is thrown,
     * so the next submit does not send a half-built SQE (a completion nobody asked for). If the
     * SQE before it was linked to it ({@link SqeFlags#IO_LINK}), the link now leads to the next
     * SQE prepared.
     */
    private IllegalArgumentException refuse(String message) {
        ring.abandon(base);
        return new IllegalArgumentException(message);
    }

    /** Moves the view to the slot at byte offset {@code base} and zeroes it. */
    void reset(long base) {
        this.base = base;
        MemorySegment s = sqes;
        for (long o = 0; o < SqeLayout.BYTES; o += 8) {
            s.set(ValueLayout.JAVA_LONG, base + o, 0L);
        }
    }

    private Sqe rw(int opcode, int fd, long addr, int len, long off) {
        MemorySegment s = sqes;
        long b = base;
        s.set(ValueLayout.JAVA_BYTE, b + OPCODE, (byte) opcode);
        s.set(ValueLayout.JAVA_INT, b + FD, fd);
        s.set(ValueLayout.JAVA_LONG, b + OFF, off);
        s.set(ValueLayout.JAVA_LONG, b + ADDR, addr);
        s.set(ValueLayout.JAVA_INT, b + LEN, len);
        return this;
    }

    private long address(MemorySegment segment) {
        if (!segment.isNative()) {
            throw refuse("io_uring needs native memory; got a heap segment");
        }
        return segment.address();
    }

    private int length(MemorySegment segment) {
        long n = segment.byteSize();
        if (n > Integer.MAX_VALUE) {
            throw refuse("one operation moves at most 2 GiB - 1; got " + n + " bytes");
        }
        return (int) n;
    }

    /** The address of buffer {@code index} of {@code pool}; a wrong index or a closed pool gives the entry back first. */
    private long address(BufferPool pool, int index) {
        try {
            return pool.address(index);
        } catch (RuntimeException e) {
            ring.abandon(base);
            throw e;
        }
    }

    /** Checks a fixed-buffer operation against the ring's table of registered buffers. */
    private void checkFixed(int bufIndex, long addr, int len) {
        if (len < 0) {
            throw refuse("length must not be negative, got " + len);
        }
        String why = ring.buffers().refusal(bufIndex, addr, len);
        if (why != null) {
            throw refuse(why);
        }
    }

    // ---- raw fields ------------------------------------------------------------------------

    /** Sets the opcode ({@link Opcode}). */
    public Sqe opcode(int opcode) {
        sqes.set(ValueLayout.JAVA_BYTE, base + OPCODE, (byte) opcode);
        return this;
    }

    /** Replaces the SQE flags ({@link SqeFlags}). */
    public Sqe flags(int flags) {
        sqes.set(ValueLayout.JAVA_BYTE, base + FLAGS, (byte) flags);
        return this;
    }

    /** Adds SQE flags ({@link SqeFlags}) to those already set. */
    public Sqe addFlags(int flags) {
        byte f = sqes.get(ValueLayout.JAVA_BYTE, base + FLAGS);
        sqes.set(ValueLayout.JAVA_BYTE, base + FLAGS, (byte) (f | flags));
        return this;
    }

    /** Sets the 16-bit {@code ioprio} field (also the send/recv/accept flags of {@link OpFlags}). */
    public Sqe ioprio(int ioprio) {
        sqes.set(ValueLayout.JAVA_SHORT, base + IOPRIO, (short) ioprio);
        return this;
    }

    /** Sets the file descriptor (or fixed-file index with {@link SqeFlags#FIXED_FILE}). */
    public Sqe fd(int fd) {
        sqes.set(ValueLayout.JAVA_INT, base + FD, fd);
        return this;
    }

    /** Sets {@code off} (also {@code addr2}). */
    public Sqe off(long off) {
        sqes.set(ValueLayout.JAVA_LONG, base + OFF, off);
        return this;
    }

    /** Sets {@code addr}. */
    public Sqe addr(long addr) {
        sqes.set(ValueLayout.JAVA_LONG, base + ADDR, addr);
        return this;
    }

    /** Sets {@code len}. */
    public Sqe len(int len) {
        sqes.set(ValueLayout.JAVA_INT, base + LEN, len);
        return this;
    }

    /** Sets the operation flags word at offset 28 (rw_flags, msg_flags, timeout_flags...). */
    public Sqe opFlags(int opFlags) {
        sqes.set(ValueLayout.JAVA_INT, base + OP_FLAGS, opFlags);
        return this;
    }

    /** Sets the user data the completion will carry. */
    public Sqe userData(long userData) {
        sqes.set(ValueLayout.JAVA_LONG, base + USER_DATA, userData);
        return this;
    }

    /** Sets {@code buf_index} (registered buffer) or, the same 16 bits, {@code buf_group}. */
    public Sqe bufIndex(int bufIndex) {
        if (bufIndex < 0 || bufIndex > 0xFFFF) {
            throw refuse("buffer index (or group) must be 0..65535, got " + bufIndex
                    + (bufIndex == -1 ? " (FixedBuf.UNREGISTERED: that memory is not registered)" : ""));
        }
        sqes.set(ValueLayout.JAVA_SHORT, base + BUF_INDEX, (short) bufIndex);
        return this;
    }

    /** Sets {@code personality}. */
    public Sqe personality(int personality) {
        sqes.set(ValueLayout.JAVA_SHORT, base + PERSONALITY, (short) personality);
        return this;
    }

    /** Sets the raw u32 at offset 44 ({@code file_index}, {@code splice_fd_in}, {@code optlen}). */
    public Sqe fileIndexRaw(int value) {
        sqes.set(ValueLayout.JAVA_INT, base + FILE_INDEX, value);
        return this;
    }

    /** Sets {@code addr3}. */
    public Sqe addr3(long addr3) {
        sqes.set(ValueLayout.JAVA_LONG, base + ADDR3, addr3);
        return this;
    }

    /** The user data currently set. */
    public long userData() {
        return sqes.get(ValueLayout.JAVA_LONG, base + USER_DATA);
    }

    // ---- flags -----------------------------------------------------------------------------

    /** Links the next SQE to this one ({@link SqeFlags#IO_LINK}). */
    public Sqe link() {
        return addFlags(SqeFlags.IO_LINK);
    }

    /** Hard-links the next SQE to this one ({@link SqeFlags#IO_HARDLINK}). */
    public Sqe hardlink() {
        return addFlags(SqeFlags.IO_HARDLINK);
    }

    /** {@link SqeFlags#IO_DRAIN}. */
    public Sqe drain() {
        return addFlags(SqeFlags.IO_DRAIN);
    }

    /** {@link SqeFlags#ASYNC}. */
    public Sqe async() {
        return addFlags(SqeFlags.ASYNC);
    }

    /** {@link SqeFlags#CQE_SKIP_SUCCESS}. */
    public Sqe skipSuccess() {
        return addFlags(SqeFlags.CQE_SKIP_SUCCESS);
    }

    /** {@link SqeFlags#FIXED_FILE}: the fd already set is an index into the registered files. */
    public Sqe fixedFile() {
        return addFlags(SqeFlags.FIXED_FILE);
    }

    /** {@link SqeFlags#BUFFER_SELECT} from provided-buffer group {@code group}. */
    public Sqe bufferSelect(int group) {
        return addFlags(SqeFlags.BUFFER_SELECT).bufIndex(group);
    }

    // ---- operations ------------------------------------------------------------------------

    /** NOP: completes with {@code res} 0. */
    public Sqe nop() {
        return opcode(Opcode.NOP);
    }

    /** READ {@code len} bytes at file {@code offset} (-1: the current position) into {@code addr}. */
    public Sqe read(int fd, long addr, int len, long offset) {
        return rw(Opcode.READ, fd, addr, len, offset);
    }

    /** READ into the whole of {@code buffer}. */
    public Sqe read(int fd, MemorySegment buffer, long offset) {
        return rw(Opcode.READ, fd, address(buffer), length(buffer), offset);
    }

    /** WRITE {@code len} bytes from {@code addr} at file {@code offset} (-1: the current position). */
    public Sqe write(int fd, long addr, int len, long offset) {
        return rw(Opcode.WRITE, fd, addr, len, offset);
    }

    /** WRITE the whole of {@code buffer}. */
    public Sqe write(int fd, MemorySegment buffer, long offset) {
        return rw(Opcode.WRITE, fd, address(buffer), length(buffer), offset);
    }

    /**
     * READ_MULTISHOT (6.7): reads {@code fd} again every time it has data, each time into a buffer
     * the kernel picks from provided-buffer group {@code group}; one CQE per read, {@code res} the
     * bytes read and {@link CqeFlags#bufferId} the buffer, with {@link CqeFlags#MORE} while it stays
     * armed. {@code len} 0 reads up to the buffer's size. {@code fd} must be pollable (a pipe, socket,
     * eventfd...), else {@code -EBADFD}; {@code offset} is 0 or -1 for such files. It ends with a CQE
     * without MORE: {@code res} 0 at end of file, {@code -ENOBUFS} when the group ran dry (re-arm it),
     * or {@code -errno}.
     */
    public Sqe readMultishot(int fd, int len, long offset, int group) {
        return rw(Opcode.READ_MULTISHOT, fd, 0, len, offset).bufferSelect(group);
    }

    /** READV into {@code count} iovecs at {@code iovecs}. */
    public Sqe readv(int fd, long iovecs, int count, long offset) {
        return rw(Opcode.READV, fd, iovecs, count, offset);
    }

    /** READV into the entries of {@code iov} in use. */
    public Sqe readv(int fd, IoVec iov, long offset) {
        return rw(Opcode.READV, fd, iov.address(), iov.count(), offset);
    }

    /** WRITEV from {@code count} iovecs at {@code iovecs}. */
    public Sqe writev(int fd, long iovecs, int count, long offset) {
        return rw(Opcode.WRITEV, fd, iovecs, count, offset);
    }

    /** WRITEV from the entries of {@code iov} in use. */
    public Sqe writev(int fd, IoVec iov, long offset) {
        return rw(Opcode.WRITEV, fd, iov.address(), iov.count(), offset);
    }

    /**
     * READ_FIXED into {@code addr..addr+len}, which must lie inside registered buffer
     * {@code bufIndex}.
     *
     * @throws IllegalArgumentException when {@code bufIndex} is not a buffer registered on this
     *                                  ring or the bytes are not inside it (the message says which
     *                                  and why); the entry goes back to the queue
     */
    public Sqe readFixed(int fd, long addr, int len, long offset, int bufIndex) {
        checkFixed(bufIndex, addr, len);
        return rw(Opcode.READ_FIXED, fd, addr, len, offset).bufIndex(bufIndex);
    }

    /** READ_FIXED into {@code buffer}, a part of registered buffer {@code bufIndex}. */
    public Sqe readFixed(int fd, MemorySegment buffer, long offset, int bufIndex) {
        return readFixed(fd, address(buffer), length(buffer), offset, bufIndex);
    }

    /**
     * WRITE_FIXED from {@code addr..addr+len}, which must lie inside registered buffer
     * {@code bufIndex}; checked like {@link #readFixed(int, long, int, long, int)}.
     */
    public Sqe writeFixed(int fd, long addr, int len, long offset, int bufIndex) {
        checkFixed(bufIndex, addr, len);
        return rw(Opcode.WRITE_FIXED, fd, addr, len, offset).bufIndex(bufIndex);
    }

    /**
     * READ_FIXED of at most {@code length} bytes at file offset {@code offset} into the start of
     * {@code buf}, at its registered buffer index.
     *
     * @throws IllegalArgumentException when {@code length} is negative or over the handle's
     *                                  capacity, or the handle's memory is not registered on this
     *                                  ring; the entry goes back to the queue
     * @throws IllegalStateException    when the handle is closed
     */
    public Sqe readFixed(int fd, FixedBuf buf, int length, long offset) {
        return fixed(Opcode.READ_FIXED, fd, buf, length, offset);
    }

    /** WRITE_FIXED of the first {@code length} bytes of {@code buf} at file offset {@code offset}; checked like {@link #readFixed(int, FixedBuf, int, long)}. */
    public Sqe writeFixed(int fd, FixedBuf buf, int length, long offset) {
        return fixed(Opcode.WRITE_FIXED, fd, buf, length, offset);
    }

    private Sqe fixed(int opcode, int fd, FixedBuf buf, int length, long offset) {
        long addr;
        long capacity;
        int index;
        try {
            addr = buf.address(); // throws when the handle is closed
            capacity = buf.capacity();
            index = buf.bufferIndex();
        } catch (RuntimeException closedOrNull) {
            ring.abandon(base);
            throw closedOrNull;
        }
        if (length < 0 || length > capacity) {
            throw refuse("length " + length + " is outside the handle's " + capacity + " bytes");
        }
        if (index == FixedBuf.UNREGISTERED) {
            throw refuse("the handle's memory is not registered (FixedBuf.UNREGISTERED): use read/write, not a fixed operation");
        }
        checkFixed(index, addr, length);
        return rw(opcode, fd, addr, length, offset).bufIndex(index);
    }

    /** WRITE_FIXED from {@code buffer}, a part of registered buffer {@code bufIndex}. */
    public Sqe writeFixed(int fd, MemorySegment buffer, long offset, int bufIndex) {
        return writeFixed(fd, address(buffer), length(buffer), offset, bufIndex);
    }

    /**
     * READ_FIXED of at most {@code length} bytes at file offset {@code offset} into the start of
     * buffer {@code index} of {@code pool}, whose slab was registered as fixed buffer
     * {@code bufIndex} ({@link Register#buffers(BufferPool...)}). The arguments are in the order of
     * {@link #writeFixed(int, BufferPool, int, int, long, int) writeFixed}: length, then offset.
     *
     * @throws IllegalArgumentException when {@code length} is negative or over the buffer's size
     */
    public Sqe readFixed(int fd, BufferPool pool, int index, int length, long offset, int bufIndex) {
        return readFixed(fd, address(pool, index), checkLength(pool, length), offset, bufIndex);
    }

    /** WRITE_FIXED from the first {@code length} bytes of buffer {@code index} of a registered {@code pool}. */
    public Sqe writeFixed(int fd, BufferPool pool, int index, int length, long offset, int bufIndex) {
        return writeFixed(fd, address(pool, index), checkLength(pool, length), offset, bufIndex);
    }

    /** SEND_ZC from the first {@code length} bytes of buffer {@code index} of a registered {@code pool}. */
    public Sqe sendZcFixed(int fd, BufferPool pool, int index, int length, int msgFlags, int zcFlags, int bufIndex) {
        return sendZcFixed(fd, address(pool, index), checkLength(pool, length), msgFlags, zcFlags, bufIndex);
    }

    private int checkLength(BufferPool pool, int length) {
        if (length < 0 || length > pool.tier().size()) {
            throw refuse("length " + length + " is outside a " + pool.tier() + " buffer ("
                    + pool.tier().size() + " bytes)");
        }
        return length;
    }

    /** FSYNC; {@code fsyncFlags} 0 or {@link OpFlags#FSYNC_DATASYNC}. */
    public Sqe fsync(int fd, int fsyncFlags) {
        return rw(Opcode.FSYNC, fd, 0, 0, 0).opFlags(fsyncFlags);
    }

    /**
     * SYNC_FILE_RANGE (5.2), as {@code sync_file_range(2)}: starts and/or waits for writeback of
     * the {@code length} bytes at {@code offset} (0: to the end of the file), as {@code flags}
     * ({@link OpFlags#SYNC_FILE_RANGE_WAIT_BEFORE}, {@link OpFlags#SYNC_FILE_RANGE_WRITE},
     * {@link OpFlags#SYNC_FILE_RANGE_WAIT_AFTER}) say. Writes no metadata: not a durability
     * guarantee. {@code res} is 0 or {@code -errno}.
     */
    public Sqe syncFileRange(int fd, long offset, int length, int flags) {
        return rw(Opcode.SYNC_FILE_RANGE, fd, 0, length, offset).opFlags(flags);
    }

    /**
     * FALLOCATE (5.6), as {@code fallocate(2)}: allocates (mode 0, growing the file if the range
     * ends past its end), or as {@code mode} says ({@link OpFlags#FALLOC_FL_KEEP_SIZE},
     * {@link OpFlags#FALLOC_FL_PUNCH_HOLE}, {@link OpFlags#FALLOC_FL_ZERO_RANGE}), the
     * {@code length} bytes at {@code offset}. {@code res} is 0, or {@code -EOPNOTSUPP} when the
     * file system cannot do that mode, or another {@code -errno}.
     */
    public Sqe fallocate(int fd, int mode, long offset, long length) {
        return rw(Opcode.FALLOCATE, fd, length, mode, offset);
    }

    /**
     * FADVISE (5.6), as {@code posix_fadvise(2)}: tells the kernel how the {@code length} bytes at
     * {@code offset} (length 0: to the end of the file) will be used ({@link OpFlags#POSIX_FADV_WILLNEED}
     * starts reading them in, {@link OpFlags#POSIX_FADV_DONTNEED} drops them from the page cache...).
     * {@code res} is 0 or {@code -errno}. A length that fits 31 bits goes in {@code len}, which
     * every kernel reads; a longer one in the 64-bit {@code addr} ({@code io_uring_prep_fadvise64}),
     * which kernels from 6.11 read and older ones refuse with {@code -EINVAL}.
     */
    public Sqe fadvise(int fd, long offset, long length, int advice) {
        return length <= Integer.MAX_VALUE && length >= 0
                ? rw(Opcode.FADVISE, fd, 0, (int) length, offset).opFlags(advice)
                : rw(Opcode.FADVISE, fd, length, 0, offset).opFlags(advice);
    }

    /**
     * FTRUNCATE (6.9), as {@code ftruncate(2)}: sets the size of the file open as {@code fd} (for
     * writing) to {@code length}, cutting it or extending it with zeros. {@code res} is 0 or
     * {@code -errno}.
     */
    public Sqe ftruncate(int fd, long length) {
        return rw(Opcode.FTRUNCATE, fd, 0, 0, length);
    }

    /**
     * SPLICE (5.7), as {@code splice(2)}: moves up to {@code len} bytes from {@code fdIn} to
     * {@code fdOut} without a copy through user memory; one of the two must be a pipe. An offset is
     * the file position to use, or -1: for a pipe (which must be given -1) or to use and advance the
     * file's own position. {@code spliceFlags}: {@link OpFlags#SPLICE_F_MOVE},
     * {@link OpFlags#SPLICE_F_NONBLOCK}, {@link OpFlags#SPLICE_F_MORE}, and
     * {@link OpFlags#SPLICE_F_FD_IN_FIXED} when {@code fdIn} is a fixed-file index ({@link #fixedFile()}
     * says so of {@code fdOut}). {@code res} is the number of bytes moved, which may be short; 0 at
     * the end of the input.
     */
    public Sqe splice(int fdIn, long offIn, int fdOut, long offOut, int len, int spliceFlags) {
        return rw(Opcode.SPLICE, fdOut, offIn, len, offOut).fileIndexRaw(fdIn).opFlags(spliceFlags);
    }

    /**
     * TEE (5.8), as {@code tee(2)}: copies up to {@code len} bytes from pipe {@code fdIn} to pipe
     * {@code fdOut} without consuming them from {@code fdIn}. {@code spliceFlags} as for
     * {@link #splice}. {@code res} is the number of bytes duplicated; 0 when {@code fdIn} had none
     * and no writer.
     */
    public Sqe tee(int fdIn, int fdOut, int len, int spliceFlags) {
        return rw(Opcode.TEE, fdOut, 0, len, 0).fileIndexRaw(fdIn).opFlags(spliceFlags);
    }

    /**
     * OPENAT: opens the NUL-terminated path at {@code path} relative to {@code dirFd}
     * ({@link #AT_FDCWD}: the working directory); {@code res} is the new fd.
     */
    public Sqe openat(int dirFd, long path, int openFlags, int mode) {
        return rw(Opcode.OPENAT, dirFd, path, mode, 0).opFlags(openFlags);
    }

    /**
     * OPENAT into fixed-file slot {@code fileIndex} (or {@link OpFlags#FILE_INDEX_ALLOC}: the kernel
     * picks one and returns it in {@code res}) instead of a regular fd. The kernel refuses
     * {@code O_CLOEXEC} in the flags of a direct open ({@code -EINVAL}).
     */
    public Sqe openatDirect(int dirFd, long path, int openFlags, int mode, int fileIndex) {
        return openat(dirFd, path, openFlags, mode).fileIndexRaw(directSlot(fileIndex));
    }

    /** CLOSE a regular fd. */
    public Sqe close(int fd) {
        return rw(Opcode.CLOSE, fd, 0, 0, 0);
    }

    /** CLOSE fixed-file slot {@code fileIndex}. */
    public Sqe closeDirect(int fileIndex) {
        return rw(Opcode.CLOSE, 0, 0, 0, 0).fileIndexRaw(fileIndex + 1);
    }

    /**
     * STATX (5.6), as {@code statx(2)}: writes what {@code mask} asks of the path at {@code path}
     * (relative to {@code dirFd}; {@code flags} such as {@code AT_EMPTY_PATH}) into the 256-byte
     * {@code struct statx} at {@code statxBuf}. {@code res} is 0 or {@code -errno}.
     */
    public Sqe statx(int dirFd, long path, int flags, int mask, long statxBuf) {
        return rw(Opcode.STATX, dirFd, path, mask, statxBuf).opFlags(flags);
    }

    /**
     * OPENAT2 (5.6), as {@code openat2(2)}: opens the NUL-terminated path at {@code path} relative to
     * {@code dirFd} as the {@code struct open_how} at {@code openHow} says: 24 bytes, u64 flags
     * (the open flags), u64 mode, u64 resolve ({@link OpFlags#RESOLVE_BENEATH}...); {@code howSize}
     * is its size, 24. {@code res} is the new fd, or {@code -errno} ({@code -EXDEV} for a path the
     * resolve bits forbid, {@code -EINVAL} for unknown bits or a mode without {@code O_CREAT}).
     */
    public Sqe openat2(int dirFd, long path, long openHow, int howSize) {
        return rw(Opcode.OPENAT2, dirFd, path, howSize, openHow);
    }

    /**
     * OPENAT2 into fixed-file slot {@code fileIndex} (or {@link OpFlags#FILE_INDEX_ALLOC}: the kernel
     * picks one and returns it in {@code res}; else {@code res} is 0) instead of a regular fd. The
     * kernel refuses {@code O_CLOEXEC} in the flags of a direct open ({@code -EINVAL}).
     */
    public Sqe openat2Direct(int dirFd, long path, long openHow, int howSize, int fileIndex) {
        return openat2(dirFd, path, openHow, howSize).fileIndexRaw(directSlot(fileIndex));
    }

    /**
     * UNLINKAT (5.11), as {@code unlinkat(2)}: removes the name at {@code path} relative to
     * {@code dirFd}; with {@link OpFlags#AT_REMOVEDIR}, an empty directory. {@code res} is 0 or
     * {@code -errno}.
     */
    public Sqe unlinkat(int dirFd, long path, int flags) {
        return rw(Opcode.UNLINKAT, dirFd, path, 0, 0).opFlags(flags);
    }

    /**
     * RENAMEAT (5.11), as {@code renameat2(2)}: renames {@code oldPath} (relative to
     * {@code oldDirFd}) to {@code newPath} (relative to {@code newDirFd}); {@code flags}:
     * {@link OpFlags#RENAME_NOREPLACE}, {@link OpFlags#RENAME_EXCHANGE}. {@code res} is 0 or
     * {@code -errno}.
     */
    public Sqe renameat(int oldDirFd, long oldPath, int newDirFd, long newPath, int flags) {
        return rw(Opcode.RENAMEAT, oldDirFd, oldPath, newDirFd, newPath).opFlags(flags);
    }

    /**
     * MKDIRAT (5.15), as {@code mkdirat(2)}: creates the directory {@code path} relative to
     * {@code dirFd} with permissions {@code mode} (less the umask). {@code res} is 0 or
     * {@code -errno} ({@code -EEXIST} when the name exists).
     */
    public Sqe mkdirat(int dirFd, long path, int mode) {
        return rw(Opcode.MKDIRAT, dirFd, path, mode, 0);
    }

    /**
     * LINKAT (5.15), as {@code linkat(2)}: makes {@code newPath} (relative to {@code newDirFd}) a
     * hard link to {@code oldPath} (relative to {@code oldDirFd}); {@code flags}
     * {@link OpFlags#AT_SYMLINK_FOLLOW} links to what a symbolic link points at. {@code res} is 0 or
     * {@code -errno}.
     */
    public Sqe linkat(int oldDirFd, long oldPath, int newDirFd, long newPath, int flags) {
        return rw(Opcode.LINKAT, oldDirFd, oldPath, newDirFd, newPath).opFlags(flags);
    }

    /**
     * SYMLINKAT (5.15), as {@code symlinkat(2)}: makes {@code linkPath} (relative to
     * {@code newDirFd}) a symbolic link whose text is the string at {@code target}. {@code res} is
     * 0 or {@code -errno}.
     */
    public Sqe symlinkat(long target, int newDirFd, long linkPath) {
        return rw(Opcode.SYMLINKAT, newDirFd, target, 0, linkPath);
    }

    /**
     * ACCEPT one connection; {@code sockaddr}/{@code addrLen} (a u32 holding the sockaddr's size)
     * may both be 0. {@code res} is the new socket.
     */
    public Sqe accept(int fd, long sockaddr, long addrLen, int acceptFlags) {
        return rw(Opcode.ACCEPT, fd, sockaddr, 0, addrLen).opFlags(acceptFlags);
    }

    /** Multishot ACCEPT (5.19): one CQE per connection, with {@link CqeFlags#MORE} while it stays armed. */
    public Sqe acceptMultishot(int fd, long sockaddr, long addrLen, int acceptFlags) {
        return accept(fd, sockaddr, addrLen, acceptFlags).ioprio(OpFlags.ACCEPT_MULTISHOT);
    }

    /** ACCEPT into fixed-file slot {@code fileIndex} (or {@link OpFlags#FILE_INDEX_ALLOC}). */
    public Sqe acceptDirect(int fd, long sockaddr, long addrLen, int acceptFlags, int fileIndex) {
        return accept(fd, sockaddr, addrLen, acceptFlags).fileIndexRaw(directSlot(fileIndex));
    }

    /** CONNECT to the {@code addrLen}-byte sockaddr at {@code sockaddr}. */
    public Sqe connect(int fd, long sockaddr, int addrLen) {
        return rw(Opcode.CONNECT, fd, sockaddr, 0, addrLen);
    }

    /**
     * BIND (6.11), as {@code bind(2)}: gives socket {@code fd} the {@code addrLen}-byte address at
     * {@code sockaddr}. {@code res} is 0 or {@code -errno} ({@code -EADDRINUSE}...).
     */
    public Sqe bind(int fd, long sockaddr, int addrLen) {
        return rw(Opcode.BIND, fd, sockaddr, 0, addrLen);
    }

    /**
     * LISTEN (6.11), as {@code listen(2)}: makes socket {@code fd} accept connections, queueing up
     * to {@code backlog} of them. {@code res} is 0 or {@code -errno}.
     */
    public Sqe listen(int fd, int backlog) {
        return rw(Opcode.LISTEN, fd, 0, backlog, 0);
    }

    /** SEND {@code len} bytes; {@code res} may be short. */
    public Sqe send(int fd, long addr, int len, int msgFlags) {
        return rw(Opcode.SEND, fd, addr, len, 0).opFlags(msgFlags);
    }

    /** SEND the whole of {@code buffer}; {@code res} may be short. */
    public Sqe send(int fd, MemorySegment buffer, int msgFlags) {
        return send(fd, address(buffer), length(buffer), msgFlags);
    }

    /** RECV up to {@code len} bytes; {@code res} 0 is end of stream. */
    public Sqe recv(int fd, long addr, int len, int msgFlags) {
        return rw(Opcode.RECV, fd, addr, len, 0).opFlags(msgFlags);
    }

    /** RECV into {@code buffer}. */
    public Sqe recv(int fd, MemorySegment buffer, int msgFlags) {
        return recv(fd, address(buffer), length(buffer), msgFlags);
    }

    /** RECV into a buffer the kernel picks from provided-buffer group {@code group}. */
    public Sqe recvSelect(int fd, int group, int msgFlags) {
        return rw(Opcode.RECV, fd, 0, 0, 0).opFlags(msgFlags).bufferSelect(group);
    }

    /**
     * Multishot RECV (6.0) from provided-buffer group {@code group}: one CQE per receive, each
     * naming its buffer ({@link CqeFlags#bufferId}); armed while CQEs carry {@link CqeFlags#MORE}.
     * When the group runs dry the last CQE is {@code -ENOBUFS} without MORE: re-arm it.
     */
    public Sqe recvMultishot(int fd, int group, int msgFlags) {
        return recvSelect(fd, group, msgFlags).ioprio(OpFlags.RECV_MULTISHOT);
    }

    /**
     * SEND_ZC (6.0): zero-copy send. Two CQEs: the result with {@link CqeFlags#MORE}, then a
     * {@link CqeFlags#NOTIF} one when the kernel no longer needs the buffer; reuse it only then.
     */
    public Sqe sendZc(int fd, long addr, int len, int msgFlags, int zcFlags) {
        return rw(Opcode.SEND_ZC, fd, addr, len, 0).opFlags(msgFlags).ioprio(zcFlags);
    }

    /** SEND_ZC from a part of registered buffer {@code bufIndex}. */
    public Sqe sendZcFixed(int fd, long addr, int len, int msgFlags, int zcFlags, int bufIndex) {
        checkFixed(bufIndex, addr, len);
        return sendZc(fd, addr, len, msgFlags, zcFlags | OpFlags.RECVSEND_FIXED_BUF).bufIndex(bufIndex);
    }

    /** SENDMSG with the {@code struct msghdr} at {@code msghdr}. */
    public Sqe sendmsg(int fd, long msghdr, int msgFlags) {
        return rw(Opcode.SENDMSG, fd, msghdr, 1, 0).opFlags(msgFlags);
    }

    /**
     * SENDMSG_ZC (6.1): zero-copy {@link #sendmsg}. Two CQEs like {@link #sendZc}: the result with
     * {@link CqeFlags#MORE}, then a {@link CqeFlags#NOTIF} one when the kernel no longer reads the
     * payload; keep the buffers (and the msghdr) unchanged until then.
     */
    public Sqe sendmsgZc(int fd, long msghdr, int msgFlags) {
        return rw(Opcode.SENDMSG_ZC, fd, msghdr, 1, 0).opFlags(msgFlags);
    }

    /** RECVMSG into the {@code struct msghdr} at {@code msghdr}. */
    public Sqe recvmsg(int fd, long msghdr, int msgFlags) {
        return rw(Opcode.RECVMSG, fd, msghdr, 1, 0).opFlags(msgFlags);
    }

    /**
     * Multishot RECVMSG (6.0) into buffers the kernel picks from provided-buffer group
     * {@code group}: one CQE per message, naming its buffer ({@link CqeFlags#bufferId}), armed
     * while CQEs carry {@link CqeFlags#MORE}. The msghdr (see {@link MsgHdr}) only sizes the areas:
     * each buffer receives a {@link RecvmsgOut} header, {@code msg_namelen} bytes for the sender's
     * address, {@code msg_controllen} bytes of ancillary data, then the payload; its iovec array
     * must be empty or hold one entry, whose length caps the buffer used (0: all of it).
     * {@code res} is the bytes written into the buffer. With {@code MSG_TRUNC} in
     * {@code msgFlags} a datagram's full length is reported even when it was cut. When the group
     * runs dry the last CQE is {@code -ENOBUFS} without MORE: re-arm it.
     */
    public Sqe recvmsgMultishot(int fd, long msghdr, int group, int msgFlags) {
        return recvmsg(fd, msghdr, msgFlags).bufferSelect(group).ioprio(OpFlags.RECV_MULTISHOT);
    }

    /** SHUTDOWN; {@code how} is 0 (read), 1 (write) or 2 (both). */
    public Sqe shutdown(int fd, int how) {
        return rw(Opcode.SHUTDOWN, fd, 0, how, 0);
    }

    /** SOCKET (5.19); {@code res} is the new socket. */
    public Sqe socket(int domain, int type, int protocol, int flags) {
        return rw(Opcode.SOCKET, domain, 0, protocol, type).opFlags(flags);
    }

    /** SOCKET into fixed-file slot {@code fileIndex} (or {@link OpFlags#FILE_INDEX_ALLOC}). */
    public Sqe socketDirect(int domain, int type, int protocol, int flags, int fileIndex) {
        return socket(domain, type, protocol, flags).fileIndexRaw(directSlot(fileIndex));
    }

    /** POLL_ADD one-shot for {@code events} ({@link OpFlags#POLLIN}...); {@code res} is the ready mask. */
    public Sqe pollAdd(int fd, int events) {
        return rw(Opcode.POLL_ADD, fd, 0, 0, 0).opFlags(events);
    }

    /** POLL_ADD multishot (5.13): a CQE with {@link CqeFlags#MORE} every time {@code fd} becomes ready. */
    public Sqe pollAddMultishot(int fd, int events) {
        return pollAdd(fd, events).len(OpFlags.POLL_ADD_MULTI);
    }

    /** POLL_REMOVE the poll whose user data is {@code target}. */
    public Sqe pollRemove(long target) {
        return rw(Opcode.POLL_REMOVE, -1, target, 0, 0);
    }

    /**
     * TIMEOUT: completes with {@code -ETIME} when the timespec at {@code timespec} expires, or with 0
     * after {@code count} other completions (0: time only). The kernel reads the timespec while
     * submitting, so its memory may be reused once {@code submit} returned.
     */
    public Sqe timeout(long timespec, int count, int timeoutFlags) {
        return rw(Opcode.TIMEOUT, -1, timespec, 1, count).opFlags(timeoutFlags);
    }

    /**
     * LINK_TIMEOUT: must directly follow an SQE marked {@link #link()}; cancels it ({@code -ECANCELED})
     * if it has not completed when the timespec expires, and completes with {@code -ETIME} then
     * ({@code -ECANCELED} when the linked operation finished first).
     */
    public Sqe linkTimeout(long timespec, int timeoutFlags) {
        return rw(Opcode.LINK_TIMEOUT, -1, timespec, 1, 0).opFlags(timeoutFlags);
    }

    /** TIMEOUT_REMOVE the timeout whose user data is {@code target}. */
    public Sqe timeoutRemove(long target, int timeoutFlags) {
        return rw(Opcode.TIMEOUT_REMOVE, -1, target, 0, 0).opFlags(timeoutFlags);
    }

    /**
     * ASYNC_CANCEL the request whose user data is {@code target} ({@link OpFlags#CANCEL_ALL}: every
     * such request). {@code res}: 0 or the number cancelled, {@code -ENOENT} when none matched,
     * {@code -EALREADY} when it was already running.
     */
    public Sqe cancel(long target, int cancelFlags) {
        return rw(Opcode.ASYNC_CANCEL, -1, target, 0, 0).opFlags(cancelFlags);
    }

    /** ASYNC_CANCEL the requests on {@code fd} (with {@link OpFlags#CANCEL_ALL}: all of them). */
    public Sqe cancelFd(int fd, int cancelFlags) {
        return rw(Opcode.ASYNC_CANCEL, fd, 0, 0, 0).opFlags(cancelFlags | OpFlags.CANCEL_FD);
    }

    /** ASYNC_CANCEL every request in flight on the ring. */
    public Sqe cancelAll() {
        return rw(Opcode.ASYNC_CANCEL, -1, 0, 0, 0).opFlags(OpFlags.CANCEL_ANY | OpFlags.CANCEL_ALL);
    }

    /**
     * MADVISE (5.6), as {@code madvise(2)}: advises the kernel about the {@code length} bytes of
     * memory at {@code addr}, which must be page-aligned ({@link OpFlags#MADV_WILLNEED},
     * {@link OpFlags#MADV_DONTNEED}, {@link OpFlags#MADV_POPULATE_READ}...). {@code res} is 0 or
     * {@code -errno}. A length that fits 31 bits goes in {@code len}, which every kernel reads; a
     * longer one in the 64-bit {@code off} ({@code io_uring_prep_madvise64}), which kernels from
     * 6.11 read and older ones refuse with {@code -EINVAL}.
     */
    public Sqe madvise(long addr, long length, int advice) {
        return length <= Integer.MAX_VALUE && length >= 0
                ? rw(Opcode.MADVISE, -1, addr, (int) length, 0).opFlags(advice)
                : rw(Opcode.MADVISE, -1, addr, 0, length).opFlags(advice);
    }

    /**
     * FUTEX_WAIT (6.7), as {@code futex_wait(2)}: if the futex at {@code futexAddr} still holds
     * {@code value}, waits until a wake whose mask shares a bit with {@code mask} (non-zero;
     * {@link OpFlags#FUTEX_BITSET_MATCH_ANY}) wakes it. {@code futexFlags}: the size and
     * {@link OpFlags#FUTEX2_PRIVATE} ({@link OpFlags#FUTEX2_SIZE_U32} for a 32-bit word);
     * {@code flags} are io_uring's own and must be 0 for now. {@code res} is 0 once woken,
     * {@code -EAGAIN} when the word did not hold {@code value}, {@code -ECANCELED} when cancelled.
     */
    public Sqe futexWait(long futexAddr, long value, long mask, int futexFlags, int flags) {
        return rw(Opcode.FUTEX_WAIT, futexFlags, futexAddr, 0, value).opFlags(flags).addr3(mask);
    }

    /**
     * FUTEX_WAKE (6.7), as {@code futex_wake(2)}: wakes up to {@code count} waiters on the futex at
     * {@code futexAddr} whose mask shares a bit with {@code mask}; the flags as for
     * {@link #futexWait}. {@code res} is the number woken (0 when nobody waited).
     */
    public Sqe futexWake(long futexAddr, long count, long mask, int futexFlags, int flags) {
        return rw(Opcode.FUTEX_WAKE, futexFlags, futexAddr, 0, count).opFlags(flags).addr3(mask);
    }

    /**
     * WAITID (6.7), as {@code waitid(2)}: waits for a child of this process to change state, which
     * {@code idType} ({@link OpFlags#P_PID}, {@link OpFlags#P_ALL}, {@link OpFlags#P_PIDFD}...) and
     * {@code id} choose and {@code options} ({@link OpFlags#WEXITED}, {@link OpFlags#WNOHANG},
     * {@link OpFlags#WNOWAIT}...) describe, and writes its {@code siginfo_t} (128 bytes) to
     * {@code infop} (may be 0). {@code flags} are io_uring's own and must be 0 for now. {@code res}
     * is 0, or {@code -ECHILD} when no such child is (still) waitable.
     */
    public Sqe waitid(int idType, int id, long infop, int options, int flags) {
        return rw(Opcode.WAITID, id, 0, idType, infop).opFlags(flags).fileIndexRaw(options);
    }

    private static int directSlot(int fileIndex) {
        return fileIndex == OpFlags.FILE_INDEX_ALLOC ? OpFlags.FILE_INDEX_ALLOC : fileIndex + 1;
    }
}
