package dev.iobuf.alloc;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * Registers regions of native memory with the kernel so I/O can address them by index (io_uring's
 * {@code IORING_REGISTER_BUFFERS}; Windows RIO would be another implementation). The io_uring
 * implementation lives in {@code iobuf-uring}; {@link RegisteredPool} is written against this
 * interface only.
 *
 * <p>One registrar holds one table of registered buffers. {@link #register(List)} fills it once;
 * {@link #add(List)} appends to it without touching what is registered (io_uring: a sparse table
 * registered up front and {@code IORING_REGISTER_BUFFERS_UPDATE}); {@link #unregister()} empties
 * it. Misuse is an error, never a silent no-op: registering while registered, adding or updating
 * while nothing is registered, and any call after {@link #close()} throw
 * {@link IllegalStateException}.
 */
public interface BufferRegistrar extends AutoCloseable {

    /**
     * Registers {@code regions} as the table's first buffers.
     *
     * @return the registered index of each region, in order
     * @throws IllegalStateException    if regions are registered already (call {@link #add(List)}
     *                                  to register more, or {@link #unregister()} first), or the
     *                                  registrar is closed
     * @throws IllegalArgumentException if a region breaks a limit of the kernel (io_uring: at most
     *                                  16384 buffers of at most 1 GiB each)
     */
    int[] register(List<MemorySegment> regions);

    /**
     * Registers more regions next to those registered, without re-registering them.
     *
     * @return the registered index of each new region, in order
     * @throws IllegalStateException if nothing is registered yet, or the registrar is closed
     */
    int[] add(List<MemorySegment> regions);

    /**
     * Replaces the region registered at {@code index}.
     *
     * @throws IllegalArgumentException if {@code index} is not a registered index
     * @throws IllegalStateException    if nothing is registered, or the registrar is closed
     */
    void update(int index, MemorySegment region);

    /**
     * Unregisters every region.
     *
     * @throws IllegalStateException if nothing is registered, or the registrar is closed
     */
    void unregister();

    /** Whether regions are registered now. */
    boolean isRegistered();

    /** Unregisters what is registered and refuses every later call. Closing twice does nothing. */
    @Override
    void close();
}
