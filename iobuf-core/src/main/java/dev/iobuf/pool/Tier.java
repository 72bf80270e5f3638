package dev.iobuf.pool;

/**
 * The twelve buffer size tiers, 32 B to 128 MiB, each four times the one before.
 *
 * <p>{@link #forSize(long)} maps a request to the smallest tier that holds it; pools are created
 * per tier, so a request never wastes more than three quarters of its buffer.
 */
public enum Tier {
    /** 32 bytes. */
    PICO(32),
    /** 128 bytes. */
    NANO(128),
    /** 512 bytes. */
    MICRO(512),
    /** 2 KiB. */
    SMALL(2 << 10),
    /** 8 KiB. */
    MEDIUM(8 << 10),
    /** 32 KiB. */
    BIG(32 << 10),
    /** 128 KiB. */
    LARGE(128 << 10),
    /** 512 KiB. */
    GREAT(512 << 10),
    /** 2 MiB. */
    HUGE(2 << 20),
    /** 8 MiB. */
    VAST(8 << 20),
    /** 32 MiB. */
    GIANT(32 << 20),
    /** 128 MiB. */
    TITAN(128 << 20);

    /** The largest request any tier can hold: 128 MiB. */
    public static final long MAX_SIZE = 128L << 20;

    private static final Tier[] VALUES = values();

    private final int size;

    Tier(int size) {
        this.size = size;
    }

    /** The size in bytes of every buffer of this tier. */
    public int size() {
        return size;
    }

    /**
     * The smallest tier whose buffers hold {@code bytes} bytes. Zero gives {@link #PICO}.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative or over 128 MiB
     */
    public static Tier forSize(long bytes) {
        if (bytes < 0 || bytes > MAX_SIZE) {
            throw new IllegalArgumentException(
                    "no tier holds " + bytes + " bytes: a tier holds 0 to " + MAX_SIZE + " bytes (128 MiB)");
        }
        if (bytes <= 32) {
            return PICO;
        }
        // ceil(log2(bytes)) - 5 counts doublings above 32 B; tiers advance every two doublings.
        int log2 = 64 - Long.numberOfLeadingZeros(bytes - 1);
        return VALUES[(log2 - 5 + 1) >>> 1];
    }
}
