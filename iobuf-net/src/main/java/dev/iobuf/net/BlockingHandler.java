package dev.iobuf.net;

import java.io.IOException;

/**
 * Serves one connection in the blocking style, on a virtual thread of its own
 * ({@link Transport#serveBlocking}). The connection is closed when this returns or throws; an
 * {@link IOException} (the peer reset, a time-out) just ends the connection.
 */
@FunctionalInterface
public interface BlockingHandler {
    /** Serves {@code connection} until it is done. */
    void serve(BlockingConnection connection) throws IOException;
}
