package dev.iobuf.files;

import dev.iobuf.internal.Libc;
import dev.iobuf.memory.AlignedMemory;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.OpFlags;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A memory-mapped region of a file, on the JDK's own {@link FileChannel#map(FileChannel.MapMode,
 * long, long, Arena)} (which gives the {@link MemorySegment}, {@link MemorySegment#force()} and
 * the unmapping), plus what the JDK lacks: {@code madvise} hints and pre-population.
 *
 * <pre>{@code
 * try (MappedFile map = MappedFile.map(path, FileChannel.MapMode.READ_ONLY, 0, size)) {
 *     map.advise(MappedFile.Advice.SEQUENTIAL);
 *     map.populate();                          // fault every page in now, not on first touch
 *     long sum = 0;
 *     for (long i = 0; i < map.size(); i++) {
 *         sum += map.segment().get(ValueLayout.JAVA_BYTE, i);
 *     }
 * }
 * }</pre>
 *
 * <p>File-backed mappings are page cache, not the anonymous memory {@link dev.iobuf.memory.MemoryBudget}
 * limits: they are not counted against it, and are reported apart by {@link #mappedBytes()}.
 *
 * <p>Thread-safe: the segment is shared ({@link Arena#ofShared()}); {@link #close()} unmaps it,
 * after which any access through it throws {@link IllegalStateException}.
 */
public final class MappedFile implements AutoCloseable {
    private static final AtomicLong MAPPED = new AtomicLong();
    private static final long PAGE = AlignedMemory.pageSize();

    /** {@code madvise} hints. */
    public enum Advice {
        /** No special treatment ({@code MADV_NORMAL}). */
        NORMAL(OpFlags.MADV_NORMAL),
        /** Random access: read-ahead off ({@code MADV_RANDOM}). */
        RANDOM(OpFlags.MADV_RANDOM),
        /** Sequential access: aggressive read-ahead, pages dropped soon after use ({@code MADV_SEQUENTIAL}). */
        SEQUENTIAL(OpFlags.MADV_SEQUENTIAL),
        /** Needed soon: read ahead now ({@code MADV_WILLNEED}). */
        WILLNEED(OpFlags.MADV_WILLNEED),
        /** Back the region with transparent huge pages where the file system allows ({@code MADV_HUGEPAGE}). */
        HUGEPAGE(OpFlags.MADV_HUGEPAGE),
        /** No transparent huge pages ({@code MADV_NOHUGEPAGE}). */
        NOHUGEPAGE(15);

        final int value;

        Advice(int value) {
            this.value = value;
        }
    }

    private final Path path;
    private final FileChannel.MapMode mode;
    private final Arena arena;
    private final MemorySegment segment;
    private final MemorySegment errno;
    private volatile boolean closed;

    private MappedFile(Path path, FileChannel.MapMode mode, Arena arena, MemorySegment segment) {
        this.path = path;
        this.mode = mode;
        this.arena = arena;
        this.segment = segment;
        this.errno = Libc.newErrnoState(arena);
    }

    /**
     * Maps {@code size} bytes of {@code path} from {@code position}. {@code READ_WRITE} opens the
     * file for reading and writing and grows it to {@code position + size} if it is shorter, as
     * {@link FileChannel#map} does.
     */
    public static MappedFile map(Path path, FileChannel.MapMode mode, long position, long size) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = mode == FileChannel.MapMode.READ_ONLY
                ? FileChannel.open(path, StandardOpenOption.READ)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment s = ch.map(mode, position, size, arena);
            MAPPED.addAndGet(size);
            return new MappedFile(path, mode, arena, s);
        } catch (IOException | RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /** Maps the whole file ({@link #map(Path, FileChannel.MapMode, long, long)} from 0 to its size). */
    public static MappedFile map(Path path, FileChannel.MapMode mode) throws IOException {
        return map(path, mode, 0, java.nio.file.Files.size(path));
    }

    /** Bytes of files mapped through this class right now, over all live mappings. */
    public static long mappedBytes() {
        return MAPPED.get();
    }

    /** The mapped bytes. */
    public MemorySegment segment() {
        return segment;
    }

    /** The length of the mapping. */
    public long size() {
        return segment.byteSize();
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** Advises the kernel about the whole mapping. */
    public void advise(Advice advice) throws IOException {
        advise(0, size(), advice);
    }

    /**
     * Advises the kernel about {@code [offset, offset + length)} of the mapping (widened to whole
     * pages, as {@code madvise} needs).
     *
     * @throws IOException when the kernel refuses (e.g. {@code HUGEPAGE} on a file system without
     *                     huge-page support for files), naming the file and the advice
     */
    public void advise(long offset, long length, Advice advice) throws IOException {
        madvise(offset, length, advice.value, advice.name());
    }

    /**
     * Faults every page of the mapping in now ({@code MADV_POPULATE_READ}, or {@code _WRITE} for a
     * writable mapping; Linux 5.14), so first accesses do not stall on page faults; before 5.14,
     * touches one byte per page instead.
     */
    public void populate() throws IOException {
        boolean write = mode != FileChannel.MapMode.READ_ONLY;
        int rc = madviseRaw(0, size(), write ? OpFlags.MADV_POPULATE_WRITE : OpFlags.MADV_POPULATE_READ);
        if (rc == -Errno.EINVAL) {
            long sum = 0;
            for (long at = 0; at < size(); at += PAGE) {
                sum += segment.get(java.lang.foreign.ValueLayout.JAVA_BYTE, at);
            }
            if (sum == Long.MIN_VALUE) {
                Thread.onSpinWait(); // keeps the reads
            }
        } else if (rc < 0) {
            throw FileErrors.exception("madvise POPULATE", path, (String) null, rc);
        }
    }

    /** Writes changed pages back to the file ({@code msync}) and waits; see {@link MemorySegment#force()}. */
    public void force() {
        if (mode != FileChannel.MapMode.READ_ONLY) {
            segment.force();
        }
    }

    private void madvise(long offset, long length, int advice, String name) throws IOException {
        int rc = madviseRaw(offset, length, advice);
        if (rc < 0) {
            throw FileErrors.exception("madvise " + name, path, (String) null, rc);
        }
    }

    private int madviseRaw(long offset, long length, int advice) {
        java.util.Objects.checkFromIndexSize(offset, length, size());
        if (closed) {
            throw new IllegalStateException("the mapping of " + path + " is closed");
        }
        long start = segment.address() + offset;
        long alignedStart = start & -PAGE;
        long end = start + length;
        return Libc.madvise(errno, alignedStart, end - alignedStart, advice);
    }

    /** Unmaps the region (without {@link #force()}: call it first to be sure changes are written). Idempotent. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            MAPPED.addAndGet(-segment.byteSize());
            arena.close();
        }
    }
}
