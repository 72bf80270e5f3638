package dev.iobuf.alloc;

/**
 * Block tickets: how a {@link BackingPool} names an allocated block in one {@code long}, so that
 * allocating and freeing allocate nothing.
 *
 * <pre>
 *   63  62        56 55         48 47                                           0
 *  +---+------------+-------------+----------------------------------------------+
 *  | 0 |   region   | size class  |   byte offset inside the region (or an id)   |
 *  +---+------------+-------------+----------------------------------------------+
 * </pre>
 *
 * <ul>
 *   <li>region: which of the pool's {@link BackingPool#regions()} holds the block, 0 to 126;
 *       {@value #UNREGISTERED_REGION} marks a block outside every region (an explicit unregistered
 *       allocation), whose low bits are then an id, not an offset.</li>
 *   <li>size class: the pool's own code for the block size (the order in a {@link BuddyPool}, the
 *       class index in a {@link SlabPool}).</li>
 *   <li>offset: bytes from the start of the region, up to 2^48 - 1.</li>
 * </ul>
 *
 * A valid ticket is never negative; {@link #FAILED} ({@code -1}) means "nothing allocated".
 */
public final class Block {
    /** What {@link BackingPool#allocate(long)} returns when it cannot serve a request. */
    public static final long FAILED = -1L;
    /** The region number of a block that lives outside every registrable region. */
    public static final int UNREGISTERED_REGION = 127;
    /** Regions a pool may list: 0 to {@code MAX_REGIONS - 1}. */
    public static final int MAX_REGIONS = 127;
    /** The largest size class code. */
    public static final int MAX_SIZE_CLASS = 255;
    /** The largest offset a ticket can hold. */
    public static final long MAX_OFFSET = (1L << 48) - 1;

    private static final int CLASS_SHIFT = 48;
    private static final int REGION_SHIFT = 56;

    private Block() {
    }

    /** The region holding {@code block}; {@value #UNREGISTERED_REGION} for an unregistered block. */
    public static int region(long block) {
        return (int) (block >>> REGION_SHIFT) & 0x7F;
    }

    /** The pool's size class code of {@code block}. */
    public static int sizeClass(long block) {
        return (int) (block >>> CLASS_SHIFT) & 0xFF;
    }

    /** The byte offset of {@code block} inside its region (an id for an unregistered block). */
    public static long offset(long block) {
        return block & MAX_OFFSET;
    }

    /** Whether {@code block} lives outside every region of its pool. */
    public static boolean isUnregistered(long block) {
        return region(block) == UNREGISTERED_REGION;
    }

    /** Packs a ticket; the parts are trusted (callers inside the package check them). */
    static long of(int region, int sizeClass, long offset) {
        return ((long) region << REGION_SHIFT) | ((long) sizeClass << CLASS_SHIFT) | offset;
    }

    /** The same block named in another region. */
    static long withRegion(long block, int region) {
        return (block & ~(0x7FL << REGION_SHIFT)) | ((long) region << REGION_SHIFT);
    }

    /** A ticket for messages: {@code region 0, class 3, offset 0x8000}. */
    public static String toString(long block) {
        if (block < 0) {
            return "FAILED";
        }
        return "region " + region(block) + ", class " + sizeClass(block) + ", offset 0x"
                + Long.toHexString(offset(block));
    }
}
