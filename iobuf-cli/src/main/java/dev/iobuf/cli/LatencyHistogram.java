package dev.iobuf.cli;

/**
 * Log-linear latency histogram (64 sub-buckets per power of two, so about 1.5% resolution) over
 * nanoseconds; {@link #record} allocates nothing. One per thread, merged at the end.
 */
final class LatencyHistogram {
    private static final int SUB = 64;
    private static final int MAX_SHIFT = 42;
    private final long[] counts = new long[SUB * (MAX_SHIFT + 2)];
    private long total;
    private long max;

    void record(long nanos) {
        long v = Math.max(0, nanos);
        int shift = Math.max(0, 63 - Long.numberOfLeadingZeros(v) - 6);
        if (shift > MAX_SHIFT) {
            shift = MAX_SHIFT;
            v = (2L * SUB - 1) << shift;
        }
        counts[(int) (SUB * shift + (v >>> shift))]++;
        total++;
        if (nanos > max) {
            max = nanos;
        }
    }

    void add(LatencyHistogram o) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += o.counts[i];
        }
        total += o.total;
        max = Math.max(max, o.max);
    }

    long count() {
        return total;
    }

    long max() {
        return max;
    }

    /** The value at quantile {@code q} (0..1), in nanoseconds (the bucket's upper bound); 0 when empty. */
    long quantile(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < counts.length; i++) {
            seen += counts[i];
            if (seen >= rank) {
                int shift = i < 2 * SUB ? 0 : i / SUB - 1;
                long low = (long) (i - SUB * shift) << shift;
                return Math.min(max, low + (1L << shift) - 1);
            }
        }
        return max;
    }
}
