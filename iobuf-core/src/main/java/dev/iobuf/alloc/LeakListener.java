package dev.iobuf.alloc;

/**
 * Receives a {@link LeakReport} for each tracked {@link FixedBuf} that became unreachable without
 * being closed. Called on the leak detector's cleaner thread; keep it short and do not throw.
 */
@FunctionalInterface
public interface LeakListener {

    /** The default: one {@code LEAK:} record on {@code System.err}, header line and acquisition stack. */
    LeakListener STDERR = report -> System.err.print("LEAK: " + report);

    void leaked(LeakReport report);
}
