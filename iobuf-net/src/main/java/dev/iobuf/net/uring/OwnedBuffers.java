package dev.iobuf.net.uring;

import dev.iobuf.alloc.FixedBuf;
import dev.iobuf.pool.PooledBuffer;

/**
 * The two kinds of handle a caller hands to {@code Connection.write} to be sent in place: a
 * {@link PooledBuffer} or a {@link FixedBuf}, kept by the send queue as an {@code Object} and
 * closed when the kernel is done with the memory. Stateless.
 */
final class OwnedBuffers {
    private OwnedBuffers() {
    }

    /** Whether {@code h} still owns its buffer. */
    static boolean isOpen(Object h) {
        return h instanceof PooledBuffer p ? p.isOpen() : ((FixedBuf) h).isOpen();
    }

    /** The native address of {@code h}'s buffer; throws {@link IllegalStateException} when it was closed. */
    static long address(Object h) {
        return h instanceof PooledBuffer p ? p.segment().address() : ((FixedBuf) h).address();
    }

    /** The size of {@code h}'s buffer in bytes. */
    static long capacity(Object h) {
        return h instanceof PooledBuffer p ? p.tier().size() : ((FixedBuf) h).capacity();
    }

    /**
     * Checks that the first {@code length} bytes of open handle {@code h} can be sent; throws
     * {@link IllegalStateException} when it was closed (nothing else changes) and
     * {@link IllegalArgumentException} for a length outside the buffer.
     */
    static void check(Object h, int length) {
        if (!isOpen(h)) {
            throw new IllegalStateException(h + " was closed already: a buffer written to a connection must be open");
        }
        if (length < 0 || length > capacity(h)) {
            throw new IllegalArgumentException("length " + length + " is outside " + h + " (" + capacity(h) + " bytes)");
        }
    }

    /**
     * Closes {@code h}: its buffer goes back to its pool; false when it was closed already. That
     * is a caller who closed a handle after handing it over (which it must not do): there is
     * nothing left to give back then, and the queue goes on instead of failing on the loop thread.
     */
    static boolean close(Object h) {
        try {
            if (h instanceof PooledBuffer p) {
                p.close();
            } else {
                ((FixedBuf) h).close();
            }
            return true;
        } catch (IllegalStateException closedAlready) {
            return false;
        }
    }

    /** Closes {@code h} if it is still open (the release of a refused or invalid call). */
    static void closeIfOpen(Object h) {
        if (h != null && isOpen(h)) {
            close(h);
        }
    }
}
