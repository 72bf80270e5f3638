package dev.iobuf.uring;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * What a ring's table of registered buffers holds, as this process registered it: for each index,
 * the address and length of its region, or nothing. Kept by {@link Register} after each call the
 * kernel accepted, and read by every fixed-buffer operation of {@link Sqe}, so a wrong index or
 * memory outside its region is refused when the SQE is prepared, with a message that says which
 * index and why, instead of an {@code -EFAULT} in the completion. The ring's thread only.
 */
final class RegisteredBuffers {
    private long[] address = new long[0];
    private long[] length = new long[0];

    /** The table now has {@code count} slots, all empty (a new registration). */
    void reset(int count) {
        address = new long[count];
        length = new long[count];
    }

    /** Slot {@code index} holds {@code region} (or nothing, when {@code region} is null). */
    void set(int index, MemorySegment region) {
        if (index >= address.length) {
            address = Arrays.copyOf(address, index + 1);
            length = Arrays.copyOf(length, index + 1);
        }
        address[index] = region == null ? 0 : region.address();
        length[index] = region == null ? 0 : region.byteSize();
    }

    /** Slots of the table (0 when nothing is registered). */
    int slots() {
        return address.length;
    }

    /** The index whose region holds all of {@code [addr, addr + len)}, or -1. */
    int indexOf(long addr, long len) {
        for (int i = 0; i < address.length; i++) {
            if (length[i] > 0 && addr >= address[i] && addr + len <= address[i] + length[i]) {
                return i;
            }
        }
        return -1;
    }

    /** Why {@code [addr, addr + len)} cannot be used with buffer {@code index}, or null when it can. */
    String refusal(int index, long addr, long len) {
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
