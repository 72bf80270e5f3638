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
 * <p>Two styles, one protocol: as a {@link ConnectionHandler} with {@link Transport#serve} (callbacks on
 * the loop), or through {@link #serve(BlockingConnection)} with {@link Transport#serveBlocking}
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
     * Received bytes are copied into the connection's head buffer (acc) and parsed there, so a
     * request split over several receives needs no special path. A request is complete at the
     * first CRLFCRLF; its body (Content-Length bytes) is skipped as it arrives, straight from the
     * receive buffer when the head buffer is empty. If the send queue refuses a response, the
     * rest of that response is kept (pendingOut) and parsing stops; onData then reports fewer
     * bytes consumed, the connection holds them and stops receiving, and onWritable continues.
     *
     * The session writes through an Output: the connection's send queue for callbacks (may take
     * part), BlockingConnection.write for the blocking style (takes all or fails), so the parser
     * is the same code in both styles.
     */
    /** Default largest request head (request line and headers). */
    public static final int DEFAULT_MAX_HEADER_BYTES = 8192;
    /** Default largest request body. */
    public static final long DEFAULT_MAX_BODY_BYTES = 1 << 20;
    /** Default time a request may take from its first byte to its last. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private static final byte[] HELLO = response("200 OK", "Hello, World!", false, false);
    private static final byte[] HELLO_CLOSE = response("200 OK", "Hello, World!", true, false);
    private static final byte[] HELLO_HEAD = response("200 OK", "Hello, World!", false, true);
    private static final byte[] HELLO_HEAD_CLOSE = response("200 OK", "Hello, World!", true, true);
    private static final byte[] NOT_FOUND = response("404 Not Found", "Not Found", false, false);
    private static final byte[] NOT_FOUND_CLOSE = response("404 Not Found", "Not Found", true, false);
    private static final byte[] BAD_REQUEST = response("400 Bad Request", "Bad Request", true, false);
    private static final byte[] TOO_LARGE = response("413 Content Too Large", "Content Too Large", true, false);
    private static final byte[] HEADERS_TOO_LARGE = response("431 Request Header Fields Too Large",
            "Request Header Fields Too Large", true, false);
    private static final byte[] NOT_IMPLEMENTED = response("501 Not Implemented", "Not Implemented", true, false);

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

    private static byte[] response(String status, String body, boolean close, boolean head) {
        String s = "HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n"
                + (close ? "Connection: close\r\n" : "") + "\r\n" + (head ? "" : body);
        return s.getBytes(StandardCharsets.US_ASCII);
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
        Session s = new Session(maxHeaderBytes, out);
        byte[] chunk = new byte[READ_CHUNK];
        MemorySegment seg = MemorySegment.ofArray(chunk);
        try {
            while (!s.done) {
                int n = c.read(chunk, 0, chunk.length);
                if (n < 0) {
                    return; // the peer finished: every answer is written; serve's caller closes
                }
                for (int off = 0; off < n && !s.done; ) {
                    int taken = feed(s, seg, off, n - off);
                    if (taken == 0 && !s.done) {
                        throw new IllegalStateException("HTTP session took no bytes without a pending answer");
                    }
                    off += taken;
                }
                if (s.partial() && !out.timed && requestTimeoutNanos > 0 && !s.done) {
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

    /** Where a session's answers go. */
    private interface Output {
        /** Writes {@code r[from, from+len)}: how many bytes were taken, or -1 when the connection is gone. */
        int write(byte[] r, int from, int len);

        /** Closes the connection once what was written is sent. */
        void close();
    }

    /** Callbacks: the connection's send queue, which may take fewer bytes than offered. */
    private record ConnectionOutput(Connection c) implements Output {
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
    private static final class BlockingOutput implements Output {
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

    /** Per-connection state. */
    private static final class Session {
        final Output out;
        final byte[] acc;
        int accLen;
        long bodyLeft;
        byte[] afterBody;
        boolean closeAfterBody;
        byte[] pendingOut;
        int pendingOff;
        boolean closeAfterPending;
        boolean done;

        Session(int size, Output out) {
            this.acc = new byte[size];
            this.out = out;
        }

        /** A request has begun and is not complete. */
        boolean partial() {
            return accLen > 0 || bodyLeft > 0;
        }
    }

    @Override
    public void onOpen(Connection c) {
        c.attach(new Session(maxHeaderBytes, new ConnectionOutput(c)));
    }

    @Override
    public int onData(Connection c, MemorySegment buffer, long offset, int length) {
        Session st = (Session) c.attachment();
        int taken = feed(st, buffer, offset, length);
        if (st.done) {
            return length; // closing: the rest is dropped
        }
        updateDeadline(c, st);
        return taken;
    }

    /** Parses and answers what it can of {@code length} bytes; returns how many it took. */
    private int feed(Session st, MemorySegment buffer, long offset, int length) {
        int taken = 0;
        while (taken < length && !st.done) {
            if (st.pendingOut != null) {
                break;
            }
            if (st.bodyLeft > 0 && st.accLen == 0) {
                int skip = (int) Math.min(st.bodyLeft, length - taken);
                st.bodyLeft -= skip;
                taken += skip;
                if (st.bodyLeft == 0) {
                    bodyDone(st);
                }
                continue;
            }
            int n = Math.min(st.acc.length - st.accLen, length - taken);
            if (n == 0) {
                break;
            }
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, offset + taken, st.acc, st.accLen, n);
            st.accLen += n;
            taken += n;
            process(st);
        }
        return taken;
    }

    @Override
    public void onWritable(Connection c) {
        Session st = (Session) c.attachment();
        if (st.pendingOut != null && send(st, st.pendingOut, st.pendingOff, st.closeAfterPending)) {
            process(st);
            updateDeadline(c, st);
        }
    }

    private void updateDeadline(Connection c, Session st) {
        boolean partial = st.partial();
        if (partial && !c.hasDeadline() && requestTimeoutNanos > 0) {
            c.deadline(requestTimeoutNanos);
        } else if (!partial && c.hasDeadline()) {
            c.deadline(0);
        }
    }

    /** Answers every complete request in the head buffer, in order. */
    private void process(Session st) {
        while (!st.done && st.pendingOut == null) {
            if (st.bodyLeft > 0) {
                int skip = (int) Math.min(st.bodyLeft, st.accLen);
                compact(st, skip);
                st.bodyLeft -= skip;
                if (st.bodyLeft > 0) {
                    return;
                }
                bodyDone(st);
                continue;
            }
            int end = headEnd(st.acc, st.accLen);
            if (end < 0) {
                if (st.accLen >= st.acc.length) {
                    fail(st, HEADERS_TOO_LARGE);
                }
                return;
            }
            parse(st, end);
        }
    }

    private void bodyDone(Session st) {
        byte[] r = st.afterBody;
        st.afterBody = null;
        send(st, r, 0, st.closeAfterBody);
    }

    private static void compact(Session st, int n) {
        System.arraycopy(st.acc, n, st.acc, 0, st.accLen - n);
        st.accLen -= n;
    }

    /** Index just past CRLFCRLF in {@code b[0..len)}, or -1. */
    private static int headEnd(byte[] b, int len) {
        for (int i = 3; i < len; i++) {
            if (b[i] == '\n' && b[i - 1] == '\r' && b[i - 2] == '\n' && b[i - 3] == '\r') {
                return i + 1;
            }
        }
        return -1;
    }

    private static boolean isTokenChar(byte b) {
        return (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
    }

    private static boolean regionEqualsIgnoreCase(byte[] b, int from, int to, String s) {
        if (to - from != s.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            int x = b[from + i];
            if (x >= 'A' && x <= 'Z') {
                x += 32;
            }
            if (x != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Parses the request head in {@code acc[0..end)} and answers it (or sets up its body). */
    private void parse(Session st, int end) {
        byte[] b = st.acc;
        // request line: METHOD SP TARGET SP HTTP/1.x CRLF
        int i = 0;
        while (i < end && isTokenChar(b[i])) {
            i++;
        }
        int methodEnd = i;
        if (methodEnd == 0 || i >= end || b[i] != ' ') {
            fail(st, BAD_REQUEST);
            return;
        }
        int targetStart = ++i;
        while (i < end && b[i] > ' ' && b[i] < 127) {
            i++;
        }
        int targetEnd = i;
        if (targetEnd == targetStart || i >= end || b[i] != ' ' || (b[targetStart] != '/' && b[targetStart] != '*')) {
            fail(st, BAD_REQUEST);
            return;
        }
        int v = ++i;
        if (v + 10 > end || b[v] != 'H' || b[v + 1] != 'T' || b[v + 2] != 'T' || b[v + 3] != 'P' || b[v + 4] != '/'
                || b[v + 5] != '1' || b[v + 6] != '.' || (b[v + 7] != '0' && b[v + 7] != '1')
                || b[v + 8] != '\r' || b[v + 9] != '\n') {
            fail(st, BAD_REQUEST);
            return;
        }
        boolean http11 = b[v + 7] == '1';
        boolean close = !http11;
        boolean host = false;
        long contentLength = -1;
        i = v + 10;
        // headers: name ":" OWS value OWS CRLF, until the empty line
        while (i < end - 2) {
            int nameStart = i;
            while (i < end && isTokenChar(b[i])) {
                i++;
            }
            int nameEnd = i;
            if (nameEnd == nameStart || i >= end || b[i] != ':') {
                fail(st, BAD_REQUEST);
                return;
            }
            i++;
            while (i < end && (b[i] == ' ' || b[i] == '\t')) {
                i++;
            }
            int valueStart = i;
            while (i < end && b[i] != '\r' && b[i] != '\n') {
                if (b[i] < ' ' && b[i] != '\t' || b[i] == 127) {
                    fail(st, BAD_REQUEST);
                    return;
                }
                i++;
            }
            int valueEnd = i;
            while (valueEnd > valueStart && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            if (i + 1 >= end || b[i] != '\r' || b[i + 1] != '\n') {
                fail(st, BAD_REQUEST);
                return;
            }
            i += 2;
            if (regionEqualsIgnoreCase(b, nameStart, nameEnd, "content-length")) {
                long n = parseLength(b, valueStart, valueEnd);
                if (n < 0 || (contentLength >= 0 && contentLength != n)) {
                    fail(st, BAD_REQUEST);
                    return;
                }
                contentLength = n;
            } else if (regionEqualsIgnoreCase(b, nameStart, nameEnd, "transfer-encoding")) {
                fail(st, NOT_IMPLEMENTED);
                return;
            } else if (regionEqualsIgnoreCase(b, nameStart, nameEnd, "connection")) {
                if (regionEqualsIgnoreCase(b, valueStart, valueEnd, "close")) {
                    close = true;
                } else if (regionEqualsIgnoreCase(b, valueStart, valueEnd, "keep-alive")) {
                    close = false;
                }
            } else if (regionEqualsIgnoreCase(b, nameStart, nameEnd, "host")) {
                host = true;
            }
        }
        if (http11 && !host) {
            fail(st, BAD_REQUEST);
            return;
        }
        if (contentLength > maxBodyBytes) {
            fail(st, TOO_LARGE);
            return;
        }
        boolean root = targetEnd - targetStart == 1 && b[targetStart] == '/';
        boolean isHead = regionEqualsIgnoreCase(b, 0, methodEnd, "head") && b[0] == 'H';
        byte[] r;
        if (!root) {
            r = close ? NOT_FOUND_CLOSE : NOT_FOUND;
        } else if (isHead) {
            r = close ? HELLO_HEAD_CLOSE : HELLO_HEAD;
        } else {
            r = close ? HELLO_CLOSE : HELLO; // GET, and any other method on "/", answers the greeting
        }
        compact(st, end);
        if (contentLength > 0) {
            st.bodyLeft = contentLength;
            st.afterBody = r;
            st.closeAfterBody = close;
            return;
        }
        send(st, r, 0, close);
    }

    private static long parseLength(byte[] b, int from, int to) {
        if (from == to || to - from > 18) {
            return -1;
        }
        long n = 0;
        for (int i = from; i < to; i++) {
            if (b[i] < '0' || b[i] > '9') {
                return -1;
            }
            n = n * 10 + (b[i] - '0');
        }
        return n;
    }

    private void fail(Session st, byte[] response) {
        st.accLen = 0;
        st.bodyLeft = 0;
        send(st, response, 0, true);
    }

    /** Writes {@code r[from..]}; true when all of it went into the send queue. */
    private static boolean send(Session st, byte[] r, int from, boolean close) {
        int n = st.out.write(r, from, r.length - from);
        if (n < 0) {
            st.done = true;
            return false;
        }
        if (from + n < r.length) {
            st.pendingOut = r;
            st.pendingOff = from + n;
            st.closeAfterPending = close;
            return false;
        }
        st.pendingOut = null;
        if (close) {
            st.done = true;
            st.out.close();
        }
        return true;
    }
}
