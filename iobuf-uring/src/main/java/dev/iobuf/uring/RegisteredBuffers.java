package dev.iobuf.uring;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * What a ring's table of registered buffers holds, as this process registered it: for each index,
 * the address and length of its region, or nothing. Kept by {@link Register} after each call the
 * kernel accepted, and read by every fixed-buffer operation of {@link Sqe}, so a wrong index or
 * memory outside its region is refused when the SQE is prepared, with a message that says which
 * index and why, instead of an {@code -EFAULT} in the completion.
 *
 * <p>Registration may happen on another thread than the one preparing SQEs (a ring without
 * {@code SINGLE_ISSUER}, a pool growing): the table is an immutable snapshot, replaced whole
 * (copy-on-write, registration is rare) and published through a volatile field, so a check reads
 * one consistent table.
 */
final class RegisteredBuffers {
    /**
     * One consistent table: region {@code i} is {@code [address[i], address[i] + length[i])},
     * length 0 when empty; {@code [lo, hi)} spans every region, so memory outside all of them
     * (the common case for unregistered buffers) is answered without a scan.
     */
    private record Table(long[] address, long[] length, long lo, long hi) {
        Table(long[] address, long[] length) {
            this(address, length, low(address, length), high(address, length));
        }

        private static long low(long[] address, long[] length) {
            long lo = Long.MAX_VALUE;
            for (int i = 0; i < address.length; i++) {
                if (length[i] > 0) {
                    lo = Math.min(lo, address[i]);
                }
            }
            return lo;
        }

        private static long high(long[] address, long[] length) {
            long hi = Long.MIN_VALUE;
            for (int i = 0; i < address.length; i++) {
                if (length[i] > 0) {
                    hi = Math.max(hi, address[i] + length[i]);
                }
            }
            return hi;
        }
    }

    private volatile Table table = new Table(new long[0], new long[0]);

    /** The table now has {@code count} slots, all empty (a new registration). */
    synchronized void reset(int count) {
        table = new Table(new long[count], new long[count]);
    }

    /**
     * Slots {@code offset ..} hold {@code regions} (a null region: the slot is empty); with
     * {@code fresh}, the table is first emptied to {@code regions.length} slots (a new registration).
     */
    synchronized void update(int offset, MemorySegment[] regions, boolean fresh) {
        Table t = fresh ? new Table(new long[0], new long[0]) : table;
        int n = Math.max(t.address.length, offset + regions.length);
        long[] address = Arrays.copyOf(t.address, n);
        long[] length = Arrays.copyOf(t.length, n);
        for (int i = 0; i < regions.length; i++) {
            MemorySegment r = regions[i];
            address[offset + i] = r == null ? 0 : r.address();
            length[offset + i] = r == null ? 0 : r.byteSize();
        }
        table = new Table(address, length);
    }

    /** The index whose region holds all of {@code [addr, addr + len)}, or -1. */
    int indexOf(long addr, long len) {
        Table t = table;
        if (addr < t.lo || addr + len > t.hi) {
            return -1;
        }
        long[] address = t.address;
        long[] length = t.length;
        for (int i = 0; i < address.length; i++) {
            if (length[i] > 0 && addr >= address[i] && addr + len <= address[i] + length[i]) {
                return i;
            }
        }
        return -1;
    }

    /** Why {@code [addr, addr + len)} cannot be used with buffer {@code index}, or null when it can. */
    String refusal(int index, long addr, long len) {
        Table t = table;
        long[] address = t.address;
        long[] length = t.length;
        if (index < 0 || index > 0xFFFF) {
            return "buffer index " + index + " is not an index of a registered buffer"
                    + (index == -1 ? " (FixedBuf.UNREGISTERED: the memory is not registered)" : "");
        }
        if (index >= address.length) {
            return address.length == 0 ? "buffer index " + index + ": no buffers are registered on this ring"
                    : "buffer index " + index + " is past the ring's table of " + address.length + " buffers";
        }
        if (length[index] == 0) {
            return "buffer index " + index + " is empty (never registered, or its tenant closed)";
        }
        if (addr < address[index] || addr + len > address[index] + length[index]) {
            return "bytes 0x" + Long.toHexString(addr) + " + " + len + " are outside registered buffer " + index
                    + " (0x" + Long.toHexString(address[index]) + " + " + length[index] + ")";
        }
        return null;
    }
}
