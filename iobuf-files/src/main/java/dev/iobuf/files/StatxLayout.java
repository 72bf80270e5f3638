package dev.iobuf.files;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct statx} (256 bytes, {@code <linux/stat.h>}): the offsets iobuf reads.
 *
 * <pre>
 *   0 stx_mask u32        4 stx_blksize u32     8 stx_attributes u64
 *  16 stx_nlink u32      20 stx_uid u32        24 stx_gid u32        28 stx_mode u16
 *  32 stx_ino u64        40 stx_size u64       48 stx_blocks u64     56 stx_attributes_mask u64
 *  64 stx_atime         80 stx_btime          96 stx_ctime         112 stx_mtime  (16 bytes each:
 *                                                                       i64 tv_sec, u32 tv_nsec)
 * 128 rdev/dev major, minor (4 x u32)         144 stx_mnt_id u64
 * 152 stx_dio_mem_align u32                   156 stx_dio_offset_align u32
 * </pre>
 */
final class StatxLayout {
    static final long BYTES = 256;
    static final int STATX_BASIC_STATS = 0x7ff;
    static final int STATX_DIOALIGN = 0x2000;
    static final int AT_EMPTY_PATH = 0x1000;

    private static final long MASK = 0;
    private static final long BLKSIZE = 4;
    private static final long SIZE = 40;
    private static final long MTIME_SEC = 112;
    private static final long MTIME_NSEC = 120;
    private static final long DIO_MEM_ALIGN = 152;
    private static final long DIO_OFFSET_ALIGN = 156;

    private StatxLayout() {
    }

    /** Reads the fields of a filled {@code struct statx}. */
    static FileStat read(MemorySegment statx) {
        int mask = statx.get(ValueLayout.JAVA_INT, MASK);
        boolean dio = (mask & STATX_DIOALIGN) != 0;
        return new FileStat(
                statx.get(ValueLayout.JAVA_LONG, SIZE),
                statx.get(ValueLayout.JAVA_INT, BLKSIZE),
                dio ? statx.get(ValueLayout.JAVA_INT, DIO_MEM_ALIGN) : 0,
                dio ? statx.get(ValueLayout.JAVA_INT, DIO_OFFSET_ALIGN) : 0,
                statx.get(ValueLayout.JAVA_LONG, MTIME_SEC) * 1_000_000_000L
                        + Integer.toUnsignedLong(statx.get(ValueLayout.JAVA_INT, MTIME_NSEC)));
    }
}
