package dev.iobuf.uring;

import java.util.BitSet;

/**
 * A ring's one table of registered files (fixed files), shared by tenants that each own a range of
 * its slots. A ring has one file table, as it has one buffer table ({@link IoUringBufferRegistrar}):
 * a server's accepted sockets, an application's open files and a proxy's upstream connections can
 * all use fixed files on one event loop without knowing about each other.
 *
 * <pre>{@code
 * IoUringFileTable.Tenant files = loop.fileTable().tenant(64);  // slots files.slot(0) .. files.slot(63)
 * files.set(0, fd);                                              // or OPENAT/ACCEPT straight into files.slot(i)
 * loop.sqe().read(files.slot(0), buffer, 0).fixedFile().userData(ud);
 * files.close();                                                 // empties its slots, frees the range
 * }</pre>
 *
 * <p>The table is registered sparse, with {@link #slots()} empty slots, the first time a tenant is
 * taken. Not thread-safe: use it on the ring's thread (an event loop's table, on the loop thread).
 * A tenant should put descriptors into its own slots ({@link Tenant#set}, or a direct OPENAT or
 * ACCEPT into {@link Tenant#slot}): a direct operation with {@code FILE_INDEX_ALLOC} lets the
 * kernel pick any free slot of the table, which may be one another tenant owns and has not
 * filled yet.
 */
public final class IoUringFileTable implements AutoCloseable {
    /*
     * Implementation notes.
     *
     * Slot ranges are handed out first-fit from a BitSet of used slots; a closed tenant clears its
     * slots in the kernel (FILES_UPDATE with -1, which also closes what the kernel held there) and
     * gives the range back. After the table's close() (or the ring's), tenants touch nothing.
     */
    /** Slots of a table created without a size. */
    public static final int DEFAULT_SLOTS = 1024;

    private final IoUring ring;
    private final int slots;
    private final BitSet used = new BitSet();
    private boolean registered;
    private boolean closed;

    /** A table of {@code slots} fixed-file slots for {@code ring}; nothing is registered until the first tenant. */
    public IoUringFileTable(IoUring ring, int slots) {
        if (slots < 1 || slots > 1 << 20) {
            throw new IllegalArgumentException("a file table has 1 to 2^20 slots, got " + slots);
        }
        this.ring = ring;
        this.slots = slots;
    }

    /** The number of slots of the table. */
    public int slots() {
        return slots;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Slots not owned by any tenant. */
    public int freeSlots() {
        return slots - used.cardinality();
    }

    /**
     * A tenant owning {@code count} consecutive slots, registering the (sparse) table first if
     * this is the first tenant.
     *
     * @throws IllegalStateException when no {@code count} consecutive slots are free, or the table is closed
     * @throws IoUringException      when the kernel refuses the table (before 5.19, or the file limit)
     */
    public Tenant tenant(int count) {
        if (closed) {
            throw new IllegalStateException("the file table is closed");
        }
        if (count < 1 || count > slots) {
            throw new IllegalArgumentException("a tenant takes 1 to " + slots + " slots, got " + count);
        }
        int base = findFree(count);
        if (base < 0) {
            throw new IllegalStateException("no " + count + " consecutive free slots in the file table ("
                    + freeSlots() + " of " + slots + " free); close tenants or make the table larger");
        }
        if (!registered) {
            ring.register().filesSparse(slots);
            registered = true;
        }
        used.set(base, base + count);
        return new Tenant(base, count);
    }

    private int findFree(int count) {
        int from = 0;
        while (from + count <= slots) {
            int start = used.nextClearBit(from);
            if (start + count > slots) {
                return -1;
            }
            int nextUsed = used.nextSetBit(start);
            if (nextUsed < 0 || nextUsed >= start + count) {
                return start;
            }
            from = nextUsed + 1;
        }
        return -1;
    }

    /** Unregisters the table (closing what the kernel held in it); tenants taken before may not be used again. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        used.clear();
        if (registered && !ring.isClosed()) {
            registered = false;
            ring.register().unregisterFiles();
        }
    }

    /** A range of the table's slots, owned by one user. */
    public final class Tenant implements AutoCloseable {
        private final int base;
        private final int count;
        private boolean tenantClosed;

        private Tenant(int base, int count) {
            this.base = base;
            this.count = count;
        }

        /** The number of slots this tenant owns. */
        public int size() {
            return count;
        }

        /**
         * The table index of this tenant's slot {@code i}: the "fd" of an SQE with
         * {@link Sqe#fixedFile()}, or the slot of a direct OPENAT or ACCEPT.
         */
        public int slot(int i) {
            return base + java.util.Objects.checkIndex(i, count);
        }

        /** Puts {@code fd} into slot {@code i} (the kernel takes its own reference: closing {@code fd} afterwards is fine). */
        public void set(int i, int fd) {
            check();
            ring.register().updateFiles(slot(i), fd);
        }

        /** Empties slot {@code i}, releasing the kernel's reference to its file. */
        public void clear(int i) {
            check();
            ring.register().updateFiles(slot(i), -1);
        }

        private void check() {
            if (tenantClosed || closed) {
                throw new IllegalStateException("this file-table tenant is closed");
            }
        }

        /**
         * Empties every slot of this tenant and gives the range back to the table. If the kernel
         * refuses (a call from the wrong thread of a SINGLE_ISSUER ring), nothing changes and the
         * close may be tried again.
         */
        @Override
        public void close() {
            if (tenantClosed) {
                return;
            }
            if (!closed && !ring.isClosed()) {
                int[] empty = new int[count];
                java.util.Arrays.fill(empty, -1);
                ring.register().updateFiles(base, empty);
                used.clear(base, base + count);
            }
            tenantClosed = true;
        }
    }
}
