package dev.iobuf.alloc;

import dev.iobuf.memory.MemoryBudget;

import java.util.List;

/**
 * A tracked {@link FixedBuf}: where it was acquired. Reported to a {@link LeakListener} when the
 * handle became unreachable without {@link FixedBuf#close()}, and listed by
 * {@link LeakDetector#outstanding()} while it is open.
 *
 * @param pool       the name of the pool the handle came from
 * @param capacity   the handle's capacity in bytes
 * @param registered whether its memory was registered with the kernel
 * @param thread     the name of the thread that acquired it
 * @param acquiredAt the stack of that acquisition, innermost frame first
 */
public record LeakReport(String pool, long capacity, boolean registered, String thread,
                         List<StackTraceElement> acquiredAt) {

    public LeakReport {
        acquiredAt = List.copyOf(acquiredAt);
    }

    /** The acquisition stack, one {@code \tat frame} line per frame. */
    public String stackText() {
        StringBuilder sb = new StringBuilder();
        for (StackTraceElement e : acquiredAt) {
            sb.append("\tat ").append(e).append('\n');
        }
        return sb.toString();
    }

    /** A header line naming the buffer, then the acquisition stack. */
    @Override
    public String toString() {
        return "FixedBuf of " + MemoryBudget.human(capacity) + (registered ? " (registered)" : " (unregistered)")
                + " from pool '" + pool + "', acquired by thread '" + thread + "' at:\n" + stackText();
    }
}
