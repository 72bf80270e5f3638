package dev.iobuf.pool;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event: an {@code acquire} found its pool empty and parked until a release (or its time-out).
 * Recorded only on that slow path, so it costs nothing while buffers are available; enable it
 * with {@code -XX:StartFlightRecording} or {@code jcmd PID JFR.start}.
 */
@Name("dev.iobuf.PoolWait")
@Label("Pool Wait")
@Category({"iobuf", "Pools"})
@Description("An acquire found its pool empty and parked")
@StackTrace(true)
final class PoolWaitEvent extends Event {
    @Label("Pool")
    String pool;

    @Label("Capacity")
    int capacity;

    @Label("Acquired")
    @Description("Whether the wait ended with an index (false: time-out, interrupt or close)")
    boolean acquired;
}
