package dev.iobuf.uring;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * {@code struct io_uring_buf} (16 bytes), one entry of a provided-buffer ring, and the ring's
 * tail, which overlays the {@code resv} field of entry 0.
 *
 * <pre>
 *  entry i at base + 16*i
 *  0               8         12        14        16
 *  +---------------+---------+---------+---------+
 *  | addr (u64)    | len u32 | bid u16 | resv u16|   entry 0's resv is the ring's tail (u16),
 *  +---------------+---------+---------+---------+   written by the application, read by the kernel
 * </pre>
 */
final class BufRingLayout {
    static final long ADDR = 0;
    static final long LEN = 8;
    static final long BID = 12;
    /** The u16 tail of the whole ring: {@code bufs[0].resv}, at ring base + 14. */
    static final long TAIL = 14;

    static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_LONG.withName("addr"), JAVA_INT.withName("len"), JAVA_SHORT.withName("bid"),
            JAVA_SHORT.withName("resv"));

    static final long BYTES = LAYOUT.byteSize();

    private BufRingLayout() {
    }
}
