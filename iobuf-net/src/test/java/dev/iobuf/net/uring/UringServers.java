package dev.iobuf.net.uring;

import dev.iobuf.net.Server;

/** What tests of other packages may ask an io_uring server that its public API does not say. */
public final class UringServers {
    private UringServers() {
    }

    /** Whether every loop of {@code server} has its send and receive slabs registered (zero copy possible, kernel agreed). */
    public static boolean slabsRegistered(Server server) {
        return ((UringServer) server).slabsRegistered();
    }
}
