package dev.iobuf.net;

import java.lang.foreign.MemorySegment;

/** The echo handlers the tests serve with. */
final class EchoServers {
    private EchoServers() {
    }

    /** Callback echo: writes back what arrives; what the send queue refuses stays held. Stateless: one for all. */
    static final ConnectionHandler ECHO = new ConnectionHandler() {
        @Override
        public int onData(Connection c, MemorySegment buffer, long offset, int length) {
            return Math.max(0, c.write(buffer, offset, length));
        }
    };

    /** Callback echo sending from the receive buffer itself (writeReceived): no copy, no send buffer. */
    static final ConnectionHandler ZERO_COPY_ECHO = new ConnectionHandler() {
        @Override
        public int onData(Connection c, MemorySegment buffer, long offset, int length) {
            return Math.max(0, c.writeReceived(offset, length));
        }
    };

    static ConnectionHandler echo(boolean zeroCopy) {
        return zeroCopy ? ZERO_COPY_ECHO : ECHO;
    }

    /** Blocking echo for one virtual thread per connection. */
    static void blockingEcho(BlockingConnection c) {
        byte[] buf = new byte[16384];
        try {
            for (;;) {
                int n = c.read(buf, 0, buf.length);
                if (n < 0) {
                    return;
                }
                c.write(buf, 0, n);
            }
        } catch (java.io.IOException e) {
            // the client went away
        }
    }
}
