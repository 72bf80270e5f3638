package dev.iobuf.pool;

/**
 * A snapshot of one pool's statistics.
 *
 * @param capacity    indices in the pool
 * @param available   indices free when the snapshot was taken
 * @param inUse       indices acquired when the snapshot was taken
 * @param peakInUse   the most indices in use at once: sampled every 64 acquires and at every
 *                    acquire that may have emptied the pool, so a pool that ran dry shows
 *                    {@code capacity}
 * @param acquires    successful acquires since creation
 * @param releases    releases since creation
 * @param waits       acquires that found the pool empty and had to wait
 * @param failedTries non-blocking acquires that found the pool empty (including each empty
 *                    poll made while waiting)
 */
public record PoolStats(int capacity, int available, int inUse, int peakInUse, long acquires,
                        long releases, long waits, long failedTries) {

    /** One line for logs: {@code capacity=64 available=60 inUse=4 peak=9 acquires=...}. */
    @Override
    public String toString() {
        return "capacity=" + capacity + " available=" + available + " inUse=" + inUse
                + " peak=" + peakInUse + " acquires=" + acquires + " releases=" + releases
                + " waits=" + waits + " failedTries=" + failedTries;
    }
}
