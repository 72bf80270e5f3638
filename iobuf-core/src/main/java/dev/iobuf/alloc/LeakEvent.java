package dev.iobuf.alloc;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event: a tracked {@link FixedBuf} became unreachable without being closed. Committed from
 * the leak detector's cleaner thread, so the stack of interest is in {@link #acquiredAt}, not in
 * the event's own stack trace.
 */
@Name(LeakEvent.NAME)
@Label("Buffer Leak")
@Category({"iobuf", "Allocator"})
@Description("A FixedBuf was garbage-collected without close(); acquiredAt says where it was taken")
@StackTrace(false)
public final class LeakEvent extends jdk.jfr.Event {
    /** The event's name in recordings. */
    public static final String NAME = "dev.iobuf.alloc.Leak";

    @Label("Pool")
    public String pool;

    @Label("Capacity")
    @DataAmount
    public long capacity;

    @Label("Registered")
    public boolean registered;

    @Label("Acquiring Thread")
    public String thread;

    @Label("Acquired At")
    public String acquiredAt;

    static void emit(LeakReport report) {
        LeakEvent e = new LeakEvent();
        if (e.shouldCommit()) {
            e.pool = report.pool();
            e.capacity = report.capacity();
            e.registered = report.registered();
            e.thread = report.thread();
            e.acquiredAt = report.stackText();
            e.commit();
        }
    }
}
