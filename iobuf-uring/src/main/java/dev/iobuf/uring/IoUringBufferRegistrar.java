package dev.iobuf.uring;

import dev.iobuf.alloc.BufferRegistrar;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

/**
 * The io_uring {@link BufferRegistrar}: one ring's table of registered buffers, for
 * {@link dev.iobuf.alloc.RegisteredPool} and READ_FIXED / WRITE_FIXED / SEND_ZC with a fixed buffer.
 *
 * <p>{@link #register(List)} registers a sparse table of {@link #tableSize()} slots
 * ({@code IORING_REGISTER_BUFFERS2} with {@code IORING_RSRC_REGISTER_SPARSE}, kernel 5.19) and
 * fills its first slots with the regions ({@code IORING_REGISTER_BUFFERS_UPDATE}). {@link #add(List)}
 * fills the next free slots the same way, so a pool that grows by another arena registers only
 * that arena and every earlier index stays valid. {@link #update(int, MemorySegment)} replaces one
 * slot. Indices are slot numbers, in registration order.
 *
 * <p>Its methods are synchronized, but the kernel decides who may register: on a ring set up with
 * {@code SINGLE_ISSUER} (every {@link dev.iobuf.uring.reactor.EventLoop} ring), only the thread
 * that submits may, and a call from any other thread fails with an {@link IllegalStateException}
 * that says so. A {@link dev.iobuf.alloc.RegisteredPool} that may grow from other threads needs a
 * ring without {@code SINGLE_ISSUER}, or must be grown on the ring's thread. Misuse throws {@link IllegalStateException}: registering
 * twice, adding or updating before registering, any call after {@link #close()} or on a closed
 * ring. A kernel refusal is an {@link IoUringException} naming the call and the errno.
 */
public final class IoUringBufferRegistrar implements BufferRegistrar {
    /** Slots in the table when none is given: enough for 256 arenas. */
    public static final int DEFAULT_TABLE_SIZE = 256;

    private final IoUring ring;
    private final int tableSize;
    private int used = -1; // -1: nothing registered
    private boolean closed;
    /** Slots below used that a tenant emptied, for the next tenant to fill. */
    private final java.util.BitSet emptied = new java.util.BitSet();
    /** Counts registrations of the table, so a tenant of an earlier one cannot empty slots of a later one. */
    private int generation;

    /** A registrar for {@code ring} with a table of {@link #DEFAULT_TABLE_SIZE} slots. */
    public IoUringBufferRegistrar(IoUring ring) {
        this(ring, DEFAULT_TABLE_SIZE);
    }

    /**
     * A registrar for {@code ring} with a table of {@code tableSize} slots (1 .. 16384).
     *
     * @throws IllegalArgumentException if {@code tableSize} is out of range
     */
    public IoUringBufferRegistrar(IoUring ring, int tableSize) {
        this.ring = Objects.requireNonNull(ring, "ring");
        if (tableSize < 1 || tableSize > Register.MAX_BUFFERS) {
            throw new IllegalArgumentException("table size must be 1.." + Register.MAX_BUFFERS + ", got " + tableSize);
        }
        this.tableSize = tableSize;
    }

    /** Slots in the table: the most regions this registrar can hold. */
    public int tableSize() {
        return tableSize;
    }

    /** Slots filled so far (0 before {@link #register(List)}). */
    public synchronized int used() {
        return Math.max(0, used);
    }

    @Override
    public synchronized int[] register(List<MemorySegment> regions) {
        checkUsable();
        if (used >= 0) {
            throw new IllegalStateException("buffers are registered already: call add(...) to register more, "
                    + "or unregister() first");
        }
        checkRoom(regions);
        try {
            ring.register().buffersSparse(tableSize);
        } catch (IoUringException e) {
            throw explainThread(e);
        }
        used = 0;
        generation++;
        emptied.clear();
        try {
            return fill(regions);
        } catch (RuntimeException e) {
            ring.register().unregisterBuffers();
            used = -1;
            throw e;
        }
    }

    @Override
    public synchronized int[] add(List<MemorySegment> regions) {
        checkUsable();
        checkRegistered();
        checkRoom(regions);
        return fill(regions);
    }

    @Override
    public synchronized void update(int index, MemorySegment region) {
        checkUsable();
        checkRegistered();
        if (index < 0 || index >= used) {
            throw new IllegalArgumentException("index " + index + " is not registered: slots 0.." + (used - 1) + " are");
        }
        ring.register().updateBuffers(index, new MemorySegment[] {region}, null);
    }

    @Override
    public synchronized void unregister() {
        checkUsable();
        checkRegistered();
        ring.register().unregisterBuffers();
        used = -1;
        generation++;
        emptied.clear();
    }

    @Override
    public synchronized boolean isRegistered() {
        return used >= 0 && !closed;
    }

    /** Unregisters what is registered (if the ring is still open) and refuses every later call. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (used >= 0 && !ring.isClosed()) {
            ring.register().unregisterBuffers();
        }
        used = -1;
    }

    /**
     * A registrar that shares this one's table: its {@link BufferRegistrar#register register}
     * adds its regions to the table (registering the table first if nothing is yet), its
     * {@link BufferRegistrar#unregister unregister} and {@link BufferRegistrar#close close} empty
     * only its own slots. So several users of one ring (an {@code iobuf-net} server's
     * send buffers, an application's {@link dev.iobuf.alloc.RegisteredPool}) each register their
     * memory once, in one table, without knowing about each other. Each tenant keeps the
     * misuse rules of {@link BufferRegistrar}: registering twice, adding before registering, or
     * any call after close is an error. Slots a tenant emptied are filled again by the next
     * tenant that registers, so servers started and stopped on one loop do not use the table
     * up. Do not unregister or close the table itself while tenants use it: their slots go
     * with it (they then report {@code isRegistered() == false}).
     */
    public BufferRegistrar tenant() {
        return new Tenant(this);
    }

    /** A tenant's registration: slots other tenants emptied first, then new ones. */
    private synchronized int[] registerOrAdd(List<MemorySegment> regions) {
        if (used < 0) {
            return register(regions);
        }
        checkUsable();
        Objects.requireNonNull(regions, "regions");
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("no regions to register");
        }
        int reuse = Math.min(regions.size(), emptied.cardinality());
        if (reuse < regions.size()) {
            checkRoom(regions.subList(reuse, regions.size()));
        }
        int[] idx = new int[regions.size()];
        for (int i = 0; i < reuse; i++) {
            int slot = emptied.nextSetBit(0);
            try {
                ring.register().updateBuffers(slot, new MemorySegment[] {regions.get(i)}, null);
            } catch (IoUringException e) {
                throw explainThread(e);
            }
            emptied.clear(slot);
            idx[i] = slot;
        }
        if (reuse < regions.size()) {
            int[] more = fill(regions.subList(reuse, regions.size()));
            System.arraycopy(more, 0, idx, reuse, more.length);
        }
        return idx;
    }

    private synchronized int generation() {
        return generation;
    }

    /** Empties {@code indices}' slots (if the table is still the registration they were filled in); other slots stay. */
    private synchronized void clear(int[] indices, int gen) {
        if (closed || used < 0 || ring.isClosed() || gen != generation) {
            return; // the table was unregistered (or re-registered) since: these slots are not this tenant's any more
        }
        for (int i : indices) {
            ring.register().clearBuffers(i, 1);
            emptied.set(i);
        }
    }

    /** One user's share of a registrar's table. */
    private static final class Tenant implements BufferRegistrar {
        private final IoUringBufferRegistrar table;
        private int[] slots; // null: nothing registered by this tenant
        private int generation; // the table's registration the slots belong to
        private boolean closed;

        Tenant(IoUringBufferRegistrar table) {
            this.table = table;
        }

        @Override
        public synchronized int[] register(List<MemorySegment> regions) {
            checkOpen();
            if (slots != null) {
                throw new IllegalStateException("this tenant registered its buffers already: call add(...) to register more, "
                        + "or unregister() first");
            }
            int[] idx = table.registerOrAdd(regions);
            slots = idx.clone();
            generation = table.generation();
            return idx;
        }

        @Override
        public synchronized int[] add(List<MemorySegment> regions) {
            checkOpen();
            checkRegistered();
            int[] idx = table.add(regions);
            int[] all = java.util.Arrays.copyOf(slots, slots.length + idx.length);
            System.arraycopy(idx, 0, all, slots.length, idx.length);
            slots = all;
            return idx;
        }

        @Override
        public synchronized void update(int index, MemorySegment region) {
            checkOpen();
            checkRegistered();
            for (int s : slots) {
                if (s == index) {
                    table.update(index, region);
                    return;
                }
            }
            throw new IllegalArgumentException("slot " + index + " is not one this tenant registered");
        }

        @Override
        public synchronized void unregister() {
            checkOpen();
            checkRegistered();
            table.clear(slots, generation);
            slots = null;
        }

        @Override
        public synchronized boolean isRegistered() {
            return slots != null && !closed && table.isRegistered() && table.generation() == generation;
        }

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            if (slots != null) {
                table.clear(slots, generation);
                slots = null;
            }
        }

        private void checkOpen() {
            if (closed) {
                throw new IllegalStateException("this tenant of the buffer table is closed");
            }
        }

        private void checkRegistered() {
            if (slots == null) {
                throw new IllegalStateException("nothing is registered by this tenant: call register(...) first");
            }
        }
    }

    private int[] fill(List<MemorySegment> regions) {
        MemorySegment[] array = regions.toArray(MemorySegment[]::new);
        int first = used;
        int n;
        try {
            n = ring.register().updateBuffers(first, array, null);
        } catch (IoUringException e) {
            throw explainThread(e);
        }
        if (n != array.length) {
            if (n > 0) {
                ring.register().clearBuffers(first, n); // no owner would ever empty them again
            }
            throw new IoUringException("io_uring_register(REGISTER_BUFFERS_UPDATE) updated only " + n + " of "
                    + array.length + " slots", 0);
        }
        used = first + n;
        int[] indices = new int[n];
        for (int i = 0; i < n; i++) {
            indices[i] = first + i;
        }
        return indices;
    }

    /** EEXIST from a registration means: not the ring's submitting thread on a SINGLE_ISSUER ring. */
    private static RuntimeException explainThread(IoUringException e) {
        if (e.errno() == Errno.EEXIST || e.errno() == -Errno.EEXIST) {
            return new IllegalStateException("buffer registration on a SINGLE_ISSUER ring must come from the thread "
                    + "that submits to it (" + Thread.currentThread() + " is not): register on the ring's thread", e);
        }
        return e;
    }

    private void checkRoom(List<MemorySegment> regions) {
        Objects.requireNonNull(regions, "regions");
        if (regions.isEmpty()) {
            throw new IllegalArgumentException("no regions to register");
        }
        int after = Math.max(0, used) + regions.size();
        if (after > tableSize) {
            throw new IllegalArgumentException("the table has " + tableSize + " slots and " + Math.max(0, used)
                    + " are used; " + regions.size() + " more do not fit (create the registrar with a larger table)");
        }
    }

    private void checkRegistered() {
        if (used < 0) {
            throw new IllegalStateException("nothing is registered: call register(...) first");
        }
    }

    private void checkUsable() {
        if (closed) {
            throw new IllegalStateException("IoUringBufferRegistrar is closed");
        }
        if (ring.isClosed()) {
            throw new IllegalStateException("the ring of this registrar is closed");
        }
    }
}
