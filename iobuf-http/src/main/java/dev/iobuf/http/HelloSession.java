package dev.iobuf.http;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * One connection's HTTP/1.1 session of {@link HttpHelloHandler}: the request parser, the limits,
 * and the answers, written through an {@link Output} so the same code serves callbacks and
 * blocking calls. Allocates nothing per request: the head buffer is reused and the answers are
 * pre-built byte arrays.
 */
final class HelloSession {
    /*
     * Implementation notes.
     *
     * Received bytes are copied into the head buffer (acc) and parsed there, so a request split
     * over several receives needs no special path. A request is complete at the first CRLFCRLF;
     * its body (Content-Length bytes) is skipped as it arrives, straight from the receive buffer
     * when the head buffer is empty. If the output refuses part of an answer, the rest is kept
     * (pendingOut) and parsing stops; feed() then reports fewer bytes taken, and the caller hands
     * them in again after resumePending() sent the rest.
     */
    private static final byte[] HELLO = response("200 OK", "Hello, World!", false, false);
    private static final byte[] HELLO_CLOSE = response("200 OK", "Hello, World!", true, false);
    private static final byte[] HELLO_HEAD = response("200 OK", "Hello, World!", false, true);
    private static final byte[] HELLO_HEAD_CLOSE = response("200 OK", "Hello, World!", true, true);
    private static final byte[] NOT_FOUND = response("404 Not Found", "Not Found", false, false);
    private static final byte[] NOT_FOUND_CLOSE = response("404 Not Found", "Not Found", true, false);
    // HTTP/1.0 keeps a connection only when both sides say so: the answer to a 1.0 request that
    // asked for keep-alive carries "Connection: keep-alive", or the client waits for a close.
    private static final byte[] HELLO_KEEP_ALIVE = keepAlive(HELLO);
    private static final byte[] HELLO_HEAD_KEEP_ALIVE = keepAlive(HELLO_HEAD);
    private static final byte[] NOT_FOUND_KEEP_ALIVE = keepAlive(NOT_FOUND);
    /** The interim answer to {@code Expect: 100-continue} (RFC 9110 10.1.1). */
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BAD_REQUEST = response("400 Bad Request", "Bad Request", true, false);
    private static final byte[] TOO_LARGE = response("413 Content Too Large", "Content Too Large", true, false);
    private static final byte[] HEADERS_TOO_LARGE = response("431 Request Header Fields Too Large",
            "Request Header Fields Too Large", true, false);
    private static final byte[] NOT_IMPLEMENTED = response("501 Not Implemented", "Not Implemented", true, false);

    /** {@code response} with "Connection: keep-alive" added after its status line. */
    private static byte[] keepAlive(byte[] response) {
        String s = new String(response, StandardCharsets.US_ASCII);
        int line = s.indexOf("\r\n") + 2;
        return (s.substring(0, line) + "Connection: keep-alive\r\n" + s.substring(line)).getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] response(String status, String body, boolean close, boolean head) {
        String s = "HTTP/1.1 " + status + "\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n"
                + (close ? "Connection: close\r\n" : "") + "\r\n" + (head ? "" : body);
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Where a session's answers go. */
    interface Output {
        /** Writes {@code r[from, from+len)}: how many bytes were taken, or -1 when the connection is gone. */
        int write(byte[] r, int from, int len);

        /** Closes the connection once what was written is sent. */
        void close();
    }

    private final long maxBodyBytes;
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

    HelloSession(int maxHeaderBytes, long maxBodyBytes, Output out) {
        this.acc = new byte[maxHeaderBytes];
        this.maxBodyBytes = maxBodyBytes;
        this.out = out;
    }

    /** A request has begun and is not complete. */
    boolean partial() {
        return accLen > 0 || bodyLeft > 0;
    }

    /** Whether the session ended (an answer that closes was written, or the output is gone). */
    boolean done() {
        return done;
    }

    /** Sends the rest of an answer the output refused earlier, then answers what is complete; false if it is still refused. */
    boolean resumePending() {
        if (pendingOut == null) {
            return true;
        }
        if (!send(pendingOut, pendingOff, closeAfterPending)) {
            return false;
        }
        process();
        return true;
    }

    /** Parses and answers what it can of {@code length} bytes; returns how many it took. */
    int feed(MemorySegment buffer, long offset, int length) {
        int taken = 0;
        while (taken < length && !done) {
            if (pendingOut != null) {
                break;
            }
            if (bodyLeft > 0 && accLen == 0) {
                int skip = (int) Math.min(bodyLeft, length - taken);
                bodyLeft -= skip;
                taken += skip;
                if (bodyLeft == 0) {
                    bodyDone();
                }
                continue;
            }
            int n = Math.min(acc.length - accLen, length - taken);
            if (n == 0) {
                break;
            }
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, offset + taken, acc, accLen, n);
            accLen += n;
            taken += n;
            process();
        }
        return taken;
    }

    /** Answers every complete request in the head buffer, in order. */
    void process() {
        while (!done && pendingOut == null) {
            if (bodyLeft > 0) {
                int skip = (int) Math.min(bodyLeft, accLen);
                compact(skip);
                bodyLeft -= skip;
                if (bodyLeft > 0) {
                    return;
                }
                bodyDone();
                continue;
            }
            int end = headEnd(acc, accLen);
            if (end < 0) {
                if (accLen >= acc.length) {
                    fail(HEADERS_TOO_LARGE);
                }
                return;
            }
            parse(end);
        }
    }

    private void bodyDone() {
        byte[] r = afterBody;
        afterBody = null;
        send(r, 0, closeAfterBody);
    }

    private void compact(int n) {
        System.arraycopy(acc, n, acc, 0, accLen - n);
        accLen -= n;
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
    private void parse(int end) {
        byte[] b = acc;
        // request line: METHOD SP TARGET SP HTTP/1.x CRLF
        int i = 0;
        while (i < end && isTokenChar(b[i])) {
            i++;
        }
        int methodEnd = i;
        if (methodEnd == 0 || i >= end || b[i] != ' ') {
            fail(BAD_REQUEST);
            return;
        }
        int targetStart = ++i;
        while (i < end && b[i] > ' ' && b[i] < 127) {
            i++;
        }
        int targetEnd = i;
        if (targetEnd == targetStart || i >= end || b[i] != ' ' || (b[targetStart] != '/' && b[targetStart] != '*')) {
            fail(BAD_REQUEST);
            return;
        }
        int v = ++i;
        if (v + 10 > end || b[v] != 'H' || b[v + 1] != 'T' || b[v + 2] != 'T' || b[v + 3] != 'P' || b[v + 4] != '/'
                || b[v + 5] != '1' || b[v + 6] != '.' || (b[v + 7] != '0' && b[v + 7] != '1')
                || b[v + 8] != '\r' || b[v + 9] != '\n') {
            fail(BAD_REQUEST);
            return;
        }
        boolean http11 = b[v + 7] == '1';
        boolean close = !http11;
        boolean host = false;
        boolean expectContinue = false;
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
                fail(BAD_REQUEST);
                return;
            }
            i++;
            while (i < end && (b[i] == ' ' || b[i] == '\t')) {
                i++;
            }
            int valueStart = i;
            while (i < end && b[i] != '\r' && b[i] != '\n') {
                if (b[i] < ' ' && b[i] != '\t' || b[i] == 127) {
                    fail(BAD_REQUEST);
                    return;
                }
                i++;
            }
            int valueEnd = i;
            while (valueEnd > valueStart && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            if (i + 1 >= end || b[i] != '\r' || b[i + 1] != '\n') {
                fail(BAD_REQUEST);
                return;
            }
            i += 2;
            if (regionEqualsIgnoreCase(b, nameStart, nameEnd, "content-length")) {
                long n = parseLength(b, valueStart, valueEnd);
                if (n < 0 || (contentLength >= 0 && contentLength != n)) {
                    fail(BAD_REQUEST);
                    return;
                }
                contentLength = n;
            } else if (regionEqualsIgnoreCase(b, nameStart, nameEnd, "transfer-encoding")) {
                fail(NOT_IMPLEMENTED);
                return;
            } else if (regionEqualsIgnoreCase(b, nameStart, nameEnd, "connection")) {
                if (regionEqualsIgnoreCase(b, valueStart, valueEnd, "close")) {
                    close = true;
                } else if (regionEqualsIgnoreCase(b, valueStart, valueEnd, "keep-alive")) {
                    close = false;
                }
            } else if (regionEqualsIgnoreCase(b, nameStart, nameEnd, "expect")) {
                // a 1.0 request's expectation is ignored (RFC 9110 10.1.1)
                expectContinue = http11 && regionEqualsIgnoreCase(b, valueStart, valueEnd, "100-continue");
            } else if (regionEqualsIgnoreCase(b, nameStart, nameEnd, "host")) {
                if (host) {
                    fail(BAD_REQUEST); // RFC 9112 3.2: more than one Host field line
                    return;
                }
                host = true;
            }
        }
        if (http11 && !host) {
            fail(BAD_REQUEST);
            return;
        }
        if (contentLength > maxBodyBytes) {
            fail(TOO_LARGE);
            return;
        }
        boolean root = targetEnd - targetStart == 1 && b[targetStart] == '/';
        boolean isHead = regionEqualsIgnoreCase(b, 0, methodEnd, "head") && b[0] == 'H';
        boolean keepAlive10 = !http11 && !close; // a 1.0 request that asked for keep-alive
        byte[] r;
        if (!root) {
            r = close ? NOT_FOUND_CLOSE : keepAlive10 ? NOT_FOUND_KEEP_ALIVE : NOT_FOUND;
        } else if (isHead) {
            r = close ? HELLO_HEAD_CLOSE : keepAlive10 ? HELLO_HEAD_KEEP_ALIVE : HELLO_HEAD;
        } else {
            // GET, and any other method on "/", answers the greeting
            r = close ? HELLO_CLOSE : keepAlive10 ? HELLO_KEEP_ALIVE : HELLO;
        }
        compact(end);
        if (contentLength > 0) {
            bodyLeft = contentLength;
            afterBody = r;
            closeAfterBody = close;
            if (expectContinue && accLen == 0) {
                // the client waits for this before it sends the body (a body too large got its
                // 413 above, as a final answer instead); not when body bytes already came
                send(CONTINUE, 0, false);
            }
            return;
        }
        send(r, 0, close);
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

    private void fail(byte[] response) {
        accLen = 0;
        bodyLeft = 0;
        send(response, 0, true);
    }

    /** Writes {@code r[from..]}; true when all of it went into the send queue. */
    boolean send(byte[] r, int from, boolean close) {
        int n = out.write(r, from, r.length - from);
        if (n < 0) {
            done = true;
            return false;
        }
        if (from + n < r.length) {
            pendingOut = r;
            pendingOff = from + n;
            closeAfterPending = close;
            return false;
        }
        pendingOut = null;
        if (close) {
            done = true;
            out.close();
        }
        return true;
    }
}
