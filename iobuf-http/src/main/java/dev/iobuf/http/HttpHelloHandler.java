package dev.iobuf.http;

import dev.iobuf.net.Connection;

import dev.iobuf.net.BlockingConnection;
import dev.iobuf.net.ConnectionHandler;
import dev.iobuf.net.Transport;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A small HTTP/1.1 server as a {@link ConnectionHandler}: {@code GET /} (and {@code HEAD /}) answer
 * {@code 200 Hello, World!}; other paths {@code 404}; keep-alive and pipelining; bodies with
 * {@code Content-Length} are read and discarded. Malformed requests get {@code 400}, a header
 * section over {@link #maxHeaderBytes} gets {@code 431}, a body over {@link #maxBodyBytes}
 * {@code 413}, {@code Transfer-Encoding} {@code 501}; each of those closes the connection after
 * the answer. A request that is not complete within {@link #requestTimeout} of its first byte
 * (a slow client) is closed.
 *
 * <p>Two styles, one protocol: as a {@link ConnectionHandler} with {@link Transport#serve}
 * (callbacks on the loop), or through {@link #serve(BlockingConnection)} with {@link Transport#serveBlocking}
 * (one virtual thread per connection, blocking reads and writes). Both answer byte for byte alike.
 *
 * <p>One handler serves every connection; per connection it keeps one session with a byte array
 * of {@code maxHeaderBytes} for the request head, reused for every request: parsing allocates
 * nothing per request, and responses are pre-built byte arrays.
 */
public final class HttpHelloHandler implements ConnectionHandler {
    /*
     * Implementation notes.
     *
     * The protocol is HelloSession's (one per connection, see its notes); this class connects it
     * to a connection. It writes through an Output: the connection's send queue for callbacks
     * (may take part: the session keeps the rest, onData reports fewer bytes consumed, the
     * connection holds them and stops receiving, and onWritable continues), or
     * BlockingConnection.write for the blocking style (takes all or fails), so the parser is the
     * same code in both styles.
     */
    /** Default largest request head (request line and headers). */
    public static final int DEFAULT_MAX_HEADER_BYTES = 8192;
    /** Default largest request body. */
    public static final long DEFAULT_MAX_BODY_BYTES = 1 << 20;
    /** Default time a request may take from its first byte to its last. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final int maxHeaderBytes;
    private final long maxBodyBytes;
    private final long requestTimeoutNanos;

    /** With the defaults: 8 KiB of headers, 1 MiB bodies, 10 s per request. */
    public HttpHelloHandler() {
        this(DEFAULT_MAX_HEADER_BYTES, DEFAULT_MAX_BODY_BYTES, DEFAULT_REQUEST_TIMEOUT);
    }

    /** With these limits. */
    public HttpHelloHandler(int maxHeaderBytes, long maxBodyBytes, Duration requestTimeout) {
        if (maxHeaderBytes < 64) {
            throw new IllegalArgumentException("the header limit must be at least 64 bytes, got " + maxHeaderBytes);
        }
        if (maxBodyBytes < 0) {
            throw new IllegalArgumentException("the body limit must not be negative, got " + maxBodyBytes);
        }
        this.maxHeaderBytes = maxHeaderBytes;
        this.maxBodyBytes = maxBodyBytes;
        this.requestTimeoutNanos = requestTimeout.toNanos();
    }

    /** The largest request head accepted. */
    public int maxHeaderBytes() {
        return maxHeaderBytes;
    }

    /** The largest request body accepted. */
    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /** The time a request may take from its first byte to its last (zero: no limit). */
    public Duration requestTimeout() {
        return Duration.ofNanos(requestTimeoutNanos);
    }

    /**
     * Serves one connection in the blocking style, on its own virtual thread: the same parsing,
     * limits and answers as the callbacks, over {@link BlockingConnection#read} and
     * {@link BlockingConnection#write}, with the request time-out as a
     * {@linkplain BlockingConnection#deadline(long) connection deadline}. Pass it to
     * {@link Transport#serveBlocking}: {@code transport.serveBlocking(host, port, config, handler::serve)}.
     * Returns when the peer closed, after an answer that closes, or when the connection failed.
     */
    public void serve(BlockingConnection c) {
        BlockingOutput out = new BlockingOutput(c);
        HelloSession s = new HelloSession(maxHeaderBytes, maxBodyBytes, out);
        byte[] chunk = new byte[READ_CHUNK];
        MemorySegment seg = MemorySegment.ofArray(chunk);
        try {
            while (!s.done()) {
                int n = c.read(chunk, 0, chunk.length);
                if (n < 0) {
                    return; // the peer finished: every answer is written; serve's caller closes
                }
                for (int off = 0; off < n && !s.done(); ) {
                    int taken = s.feed(seg, off, n - off);
                    if (taken == 0 && !s.done()) {
                        throw new IllegalStateException("HTTP session took no bytes without a pending answer");
                    }
                    off += taken;
                }
                if (s.partial() && !out.timed && requestTimeoutNanos > 0 && !s.done()) {
                    c.deadline(requestTimeoutNanos); // a request has begun and is not complete
                    out.timed = true;
                }
            }
        } catch (IOException e) {
            // reset, timed out (slow client) or closed: nothing more to answer
        }
    }

    /** Bytes read at once in the blocking style. */
    private static final int READ_CHUNK = 16 << 10;

    /** Callbacks: the connection's send queue, which may take fewer bytes than offered. */
    private record ConnectionOutput(Connection c) implements HelloSession.Output {
        @Override
        public int write(byte[] r, int from, int len) {
            return c.write(r, from, len);
        }

        @Override
        public void close() {
            c.close();
        }
    }

    /**
     * Blocking: writes all or fails. An answer means its request is complete, so a request
     * deadline set while it was partial is removed first: the loop takes the removal before
     * the answer, and a deadline cannot fall due with the answer already queued.
     */
    private static final class BlockingOutput implements HelloSession.Output {
        final BlockingConnection c;
        /** A request deadline is set on the connection. */
        boolean timed;

        BlockingOutput(BlockingConnection c) {
            this.c = c;
        }

        @Override
        public int write(byte[] r, int from, int len) {
            try {
                if (timed) {
                    c.deadline(0);
                    timed = false;
                }
                c.write(r, from, len);
                return len;
            } catch (IOException e) {
                return -1;
            }
        }

        @Override
        public void close() {
            c.close();
        }
    }

    @Override
    public void onOpen(Connection c) {
        c.attach(new HelloSession(maxHeaderBytes, maxBodyBytes, new ConnectionOutput(c)));
    }

    @Override
    public int onData(Connection c, MemorySegment buffer, long offset, int length) {
        HelloSession st = (HelloSession) c.attachment();
        int taken = st.feed(buffer, offset, length);
        if (st.done()) {
            return length; // closing: the rest is dropped
        }
        updateDeadline(c, st);
        return taken;
    }

    @Override
    public void onWritable(Connection c) {
        HelloSession st = (HelloSession) c.attachment();
        if (st.resumePending()) {
            updateDeadline(c, st);
        }
    }

    private void updateDeadline(Connection c, HelloSession st) {
        boolean partial = st.partial();
        if (partial && !c.hasDeadline() && requestTimeoutNanos > 0) {
            c.deadline(requestTimeoutNanos);
        } else if (!partial && c.hasDeadline()) {
            c.deadline(0);
        }
    }
}
