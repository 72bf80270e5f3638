package dev.iobuf.alloc;

import java.lang.ref.Cleaner;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;

/**
 * Finds {@link FixedBuf} handles that became unreachable without {@link FixedBuf#close()}, and
 * reports each with the stack where it was acquired, to a {@link LeakListener} (default: a
 * {@code LEAK:} record on {@code System.err}) and as a {@link LeakEvent} JFR event.
 *
 * <p>Levels:
 * <ul>
 *   <li>{@link Level#OFF}: nothing is tracked; costs one field read per allocation.</li>
 *   <li>{@link Level#SAMPLED}: one allocation in {@link #sampleInterval()} (chosen at random) is
 *       tracked; the default, at 1 in {@value #DEFAULT_SAMPLE_INTERVAL}.</li>
 *   <li>{@link Level#PARANOID}: every handle is tracked, and {@link #outstanding()} lists every
 *       open handle with its acquisition stack. For tests and debugging: it captures a stack per
 *       allocation.</li>
 * </ul>
 * A tracked handle costs a captured stack and a {@link Cleaner} registration. The memory of a
 * leaked handle is not returned to its pool: a segment taken from the handle may still be
 * reachable and in use, and giving its block to a new owner would let the two overwrite each
 * other. The block shows as in use in the pool's statistics.
 *
 * <p>Detection depends on garbage collection: a leak is reported some time after the handle
 * became unreachable, when a collection has found it. One detector may serve several pools.
 */
public final class LeakDetector {

    /** How much to track. */
    public enum Level { OFF, SAMPLED, PARANOID }

    /** System property choosing the default level: {@code off}, {@code sampled} or {@code paranoid}. */
    public static final String LEVEL_PROPERTY = "iobuf.leakDetection";
    /** System property with the default sampling interval. */
    public static final String INTERVAL_PROPERTY = "iobuf.leakDetection.interval";
    /** One tracked allocation in this many at {@link Level#SAMPLED}, unless configured. */
    public static final int DEFAULT_SAMPLE_INTERVAL = 128;

    private static final Cleaner CLEANER = Cleaner.create(r -> {
        Thread t = new Thread(r, "iobuf-leak-detector");
        t.setDaemon(true);
        return t;
    });
    private static final LeakDetector DEFAULT = fromProperties();

    private final Level level;
    private final int sampleInterval;
    private final LeakListener listener;
    private final Set<LeakTracker> open = ConcurrentHashMap.newKeySet();
    private final LongAdder leaks = new LongAdder();

    private LeakDetector(Level level, int sampleInterval, LeakListener listener) {
        if (sampleInterval < 1) {
            throw new IllegalArgumentException("sample interval must be at least 1, got " + sampleInterval);
        }
        this.level = Objects.requireNonNull(level, "level");
        this.sampleInterval = sampleInterval;
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * A detector at {@code level}.
     *
     * @param sampleInterval at {@link Level#SAMPLED}, track one allocation in this many (1: all)
     * @param listener       receives leak reports
     */
    public static LeakDetector create(Level level, int sampleInterval, LeakListener listener) {
        return new LeakDetector(level, sampleInterval, listener);
    }

    /** A detector that tracks nothing. */
    public static LeakDetector off() {
        return new LeakDetector(Level.OFF, 1, LeakListener.STDERR);
    }

    /** A detector that tracks every handle, reporting to {@code listener}. */
    public static LeakDetector paranoid(LeakListener listener) {
        return new LeakDetector(Level.PARANOID, 1, listener);
    }

    /**
     * The shared default detector, configured once from {@value #LEVEL_PROPERTY} (default
     * {@code sampled}) and {@value #INTERVAL_PROPERTY} (default {@value #DEFAULT_SAMPLE_INTERVAL}),
     * reporting to {@code System.err}.
     */
    public static LeakDetector defaultDetector() {
        return DEFAULT;
    }

    private static LeakDetector fromProperties() {
        String lv = System.getProperty(LEVEL_PROPERTY, "sampled").trim().toUpperCase(Locale.ROOT);
        Level level;
        try {
            level = Level.valueOf(lv);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad -D" + LEVEL_PROPERTY + "=" + System.getProperty(LEVEL_PROPERTY)
                    + ": use off, sampled or paranoid", e);
        }
        int interval = Integer.getInteger(INTERVAL_PROPERTY, DEFAULT_SAMPLE_INTERVAL);
        return new LeakDetector(level, interval, LeakListener.STDERR);
    }

    public Level level() {
        return level;
    }

    public int sampleInterval() {
        return sampleInterval;
    }

    /** Leaks reported since this detector was created. */
    public long leaksReported() {
        return leaks.sum();
    }

    /**
     * The tracked handles open now, with where they were acquired: every open handle at
     * {@link Level#PARANOID}, the sampled ones at {@link Level#SAMPLED}, none when off. A snapshot.
     */
    public List<LeakReport> outstanding() {
        List<LeakReport> l = new ArrayList<>();
        for (LeakTracker t : open) {
            l.add(t.report());
        }
        return l;
    }

    /** The tracked open handles of pool {@code pool}. */
    List<LeakReport> outstanding(String pool) {
        List<LeakReport> l = new ArrayList<>();
        for (LeakTracker t : open) {
            if (t.pool().equals(pool)) {
                l.add(t.report());
            }
        }
        return l;
    }

    /** Starts tracking {@code handle} if this level and the sample say so; otherwise {@code null}. */
    LeakTracker track(Object handle, String pool, long capacity, boolean registered) {
        switch (level) {
            case OFF:
                return null;
            case SAMPLED:
                if (sampleInterval > 1 && ThreadLocalRandom.current().nextInt(sampleInterval) != 0) {
                    return null;
                }
                break;
            default:
                break;
        }
        LeakTracker t = new LeakTracker(this, pool, capacity, registered);
        open.add(t);
        t.register(CLEANER, handle);
        return t;
    }

    void untrack(LeakTracker t) {
        open.remove(t);
    }

    void reportLeak(LeakReport report) {
        leaks.increment();
        LeakEvent.emit(report);
        try {
            listener.leaked(report);
        } catch (RuntimeException e) {
            System.err.println("iobuf leak listener failed: " + e + "; the leak was: " + report);
        }
    }

    @Override
    public String toString() {
        return "LeakDetector[" + level + (level == Level.SAMPLED ? " 1/" + sampleInterval : "") + "]";
    }
}
