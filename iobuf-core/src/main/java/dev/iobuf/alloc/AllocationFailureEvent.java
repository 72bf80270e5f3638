package dev.iobuf.alloc;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/**
 * JFR event: a backing pool could not serve a request. Committed on the failure path only, and
 * only when a recording enables {@value #NAME}; otherwise it costs nothing.
 */
@Name(AllocationFailureEvent.NAME)
@Label("Allocation Failure")
@Category({"iobuf", "Allocator"})
@Description("A backing pool returned FAILED: its arena could not serve the request")
@StackTrace(false)
public final class AllocationFailureEvent extends jdk.jfr.Event {
    /** The event's name in recordings. */
    public static final String NAME = "dev.iobuf.alloc.AllocationFailure";

    @Label("Pool")
    public String pool;

    @Label("Requested")
    @DataAmount
    public long requested;

    @Label("Used")
    @DataAmount
    public long used;

    @Label("Largest Free Block")
    @DataAmount
    public long largestFree;

    @Label("Reason")
    public String reason;

    /** Commits an event if a recording wants it. */
    static void emit(String pool, long requested, long used, long largestFree, String reason) {
        AllocationFailureEvent e = new AllocationFailureEvent();
        if (e.shouldCommit()) {
            e.pool = pool;
            e.requested = requested;
            e.used = used;
            e.largestFree = largestFree;
            e.reason = reason;
            e.commit();
        }
    }
}
