package dev.iobuf.cli;

import dev.iobuf.internal.Libc;
import dev.iobuf.uring.CqeHandler;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.IoUring;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The echo load generator: {@code conns} connections driven by one thread on one io_uring, each
 * sending {@code size}-byte messages one at a time and checking every byte of the echo against
 * what it sent. Progress every second; a table at the end.
 *
 * <p>Why io_uring and one thread: a load client must cost less per message than the server it
 * measures, or it is the client that is measured. One ring carries the send and the receive of
 * every connection, so a single {@code io_uring_enter} submits a message on each connection that
 * is ready and reaps every completion that arrived; the per-message work is filling two SQEs,
 * comparing bytes and recording a latency, with no allocation.
 */
final class LoadGenerator {
    /*
     * Implementation notes.
     *
     * Each connection has a send buffer and a receive buffer of `size` bytes in one native block.
     * A message is started by stamping its sequence number into the send buffer's first bytes, then
     * queueing a SEND of the whole message and a RECV for the whole echo at once (the receive is
     * armed before the send completes, so a message bigger than the socket buffers cannot deadlock).
     * Short sends and short receives queue the rest. A message is complete when both the send and
     * the receive have moved `size` bytes; its echo is compared with MemorySegment.mismatch, and a
     * difference is an error that closes the connection.
     *
     * Once the run's time is up a connection finishes its current message, shuts down its sending
     * side and expects end-of-stream: any further byte is an error (the server echoed what nobody
     * sent). A connection that has not finished READ_TIMEOUT_NANOS after the end is an error.
     *
     * User data: connection number << 8 | operation.
     */
    static final long CONNECT_TIMEOUT_NANOS = 10_000_000_000L;
    static final long READ_TIMEOUT_NANOS = 10_000_000_000L;
    /** Connects in flight at most, so a burst of connections does not overflow the server's backlog. */
    static final int CONNECTS_IN_FLIGHT = 128;

    private static final int OP_CONNECT = 1;
    private static final int OP_SEND = 2;
    private static final int OP_RECV = 3;
    private static final int OP_SHUTDOWN = 4;
    private static final int OP_EOF = 5;

    private static final int SOCKADDR_IN_BYTES = 16;

    /** The outcome of one run. */
    record Result(int conns, int size, double seconds, long messages, long bytes, long errors,
                  LatencyHistogram latency, List<String> firstErrors) {
        double messagesPerSecond() {
            return messages / seconds;
        }

        double mibPerSecond() {
            return bytes / seconds / (1024.0 * 1024.0);
        }
    }

    private LoadGenerator() {
    }

    static int run(Options o) throws IOException {
        String host = o.string("host", "127.0.0.1");
        int port = o.integer("port", -1);
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("load echo needs --port P (the echo server's port, 1..65535)");
        }
        int conns = o.integer("conns", 64);
        int size = o.integer("size", 512);
        double seconds = o.decimal("seconds", 5);
        System.out.printf("iobuf load echo: %d connections to %s:%d, %d-byte messages, %.1f s (one thread, one io_uring)%n",
                conns, host, port, size, seconds);
        Result r = run(host, port, conns, size, seconds, System.out);
        print(r, System.out);
        return r.errors() == 0 ? 0 : 1;
    }

    static Result run(String host, int port, int conns, int size, double seconds, PrintStream progress)
            throws IOException {
        if (conns < 1 || size < 1 || seconds <= 0) {
            throw new IllegalArgumentException("--conns, --size and --seconds must be positive");
        }
        if ((long) conns * size * 2 > (8L << 30)) { // a send and a receive buffer per connection
            throw new IllegalArgumentException("--conns x --size is too large: " + conns + " x " + size);
        }
        InetAddress addr = InetAddress.getByName(host);
        if (!(addr instanceof Inet4Address)) {
            throw new IllegalArgumentException("only IPv4 addresses are supported, got " + addr.getHostAddress());
        }
        int entries = Integer.highestOneBit(Math.min(16384, Math.max(64, conns * 2)) - 1) << 1;
        try (Arena arena = Arena.ofConfined();
             IoUring ring = IoUring.builder().entries(entries).open()) {
            Run run = new Run(ring, arena, addr.getAddress(), port, conns, size, seconds, progress);
            return run.go();
        }
    }

    /** One run: the connections' state in flat arrays, driven by {@link #handle}. */
    private static final class Run implements CqeHandler {
        private final IoUring ring;
        private final int conns;
        private final int size;
        private final double seconds;
        private final PrintStream progress;
        private final MemorySegment sockaddr;
        private final MemorySegment buffers;
        private final MemorySegment one;
        /** errno of this run's socket calls (its one thread). */
        private final MemorySegment errno;
        private final int[] fd;
        private final int[] sent;
        private final int[] received;
        private final long[] seq;
        private final long[] startedAt;
        /** A connection's phase: CONNECTING, RUNNING, FINISHING, DONE. */
        private final byte[] phase;
        private final LatencyHistogram latency = new LatencyHistogram();
        private final List<String> firstErrors = new ArrayList<>();
        private long messages;
        private long errors;
        private int live;
        private int connecting;
        private int nextToConnect;
        private long end = Long.MAX_VALUE;

        private static final byte CONNECTING = 0;
        private static final byte RUNNING = 1;
        private static final byte FINISHING = 2;
        private static final byte DONE = 3;

        Run(IoUring ring, Arena arena, byte[] ip, int port, int conns, int size, double seconds, PrintStream progress) {
            this.ring = ring;
            this.conns = conns;
            this.size = size;
            this.seconds = seconds;
            this.progress = progress;
            this.sockaddr = arena.allocate(SOCKADDR_IN_BYTES, 8);
            sockaddr.set(ValueLayout.JAVA_SHORT, 0, (short) Libc.AF_INET);
            sockaddr.set(ValueLayout.JAVA_SHORT.withOrder(ByteOrder.BIG_ENDIAN), 2, (short) port);
            MemorySegment.copy(ip, 0, sockaddr, ValueLayout.JAVA_BYTE, 4, 4);
            this.one = arena.allocateFrom(JAVA_INT, 1);
            this.errno = Libc.newErrnoState(arena);
            this.buffers = arena.allocate((long) conns * size * 2, 64);
            this.fd = new int[conns];
            this.sent = new int[conns];
            this.received = new int[conns];
            this.seq = new long[conns];
            this.startedAt = new long[conns];
            this.phase = new byte[conns];
            Arrays.fill(fd, -1);
            SplittableRandom random = new SplittableRandom(conns * 31L + size);
            for (int c = 0; c < conns; c++) {
                MemorySegment out = sendBuffer(c);
                for (long i = 0; i < size; i++) {
                    out.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
                }
            }
        }

        private MemorySegment sendBuffer(int c) {
            return buffers.asSlice((long) c * size * 2, size);
        }

        private long sendAddress(int c) {
            return buffers.address() + (long) c * size * 2;
        }

        private long receiveAddress(int c) {
            return sendAddress(c) + size;
        }

        Result go() {
            live = conns;
            long connectDeadline = System.nanoTime() + CONNECT_TIMEOUT_NANOS;
            connectMore();
            while (connecting > 0 || nextToConnect < conns) {
                ring.submitAndWait(1, 100_000_000L);
                ring.forEachCqe(this);
                connectMore();
                if (System.nanoTime() - connectDeadline > 0) {
                    for (int c = 0; c < conns; c++) {
                        if (phase[c] == CONNECTING) {
                            fail(c, "no connection within " + CONNECT_TIMEOUT_NANOS / 1_000_000_000L + " s");
                        }
                    }
                    nextToConnect = conns;
                    connecting = 0;
                }
            }
            long start = System.nanoTime();
            end = start + (long) (seconds * 1e9);
            for (int c = 0; c < conns; c++) {
                if (phase[c] == RUNNING) {
                    startMessage(c, start);
                }
            }
            long nextTick = start + 1_000_000_000L;
            long last = 0;
            int tick = 0;
            while (live > 0) {
                long now = System.nanoTime();
                long wait = Math.max(1_000_000L, Math.min(nextTick, end) - now);
                ring.submitAndWait(1, Math.min(wait, 100_000_000L));
                ring.forEachCqe(this);
                now = System.nanoTime();
                if (now - nextTick >= 0 && now - end < 0) {
                    tick++;
                    nextTick += 1_000_000_000L;
                    if (progress != null) {
                        progress.printf(Locale.ROOT, "  %3ds  %,12d msg/s  %8.1f MiB/s  errors %d%n", tick,
                                messages - last, (messages - last) * (double) size * 2 / (1024 * 1024), errors);
                    }
                    last = messages;
                }
                if (now - end - READ_TIMEOUT_NANOS > 0) {
                    for (int c = 0; c < conns; c++) {
                        if (phase[c] != DONE) {
                            fail(c, "did not finish within " + READ_TIMEOUT_NANOS / 1_000_000 + " ms after the end"
                                    + " (" + received[c] + " of " + size + " bytes of the echo came back)");
                        }
                    }
                    break;
                }
            }
            ring.close(); // cancels whatever is still in flight before the buffers go
            double elapsed = Math.max(1e-9, (Math.min(System.nanoTime(), end) - start) / 1e9);
            return new Result(conns, size, elapsed, messages, messages * size * 2, errors, latency,
                    List.copyOf(firstErrors));
        }

        private void connectMore() {
            while (connecting < CONNECTS_IN_FLIGHT && nextToConnect < conns) {
                int c = nextToConnect++;
                int s = Libc.socket(errno, Libc.AF_INET, Libc.SOCK_STREAM | Libc.SOCK_CLOEXEC, 0);
                if (s >= 0) {
                    Libc.setsockopt(errno, s, Libc.IPPROTO_TCP, Libc.TCP_NODELAY, one.address(), 4);
                }
                if (s < 0) {
                    fail(c, "socket() failed: " + Errno.describe(s) + " (out of file descriptors? see ulimit -n)");
                    continue;
                }
                fd[c] = s;
                connecting++;
                ring.nextSqeBlocking().connect(s, sockaddr.address(), SOCKADDR_IN_BYTES).userData(ud(c, OP_CONNECT));
            }
        }

        private static long ud(int c, int op) {
            return (long) c << 8 | op;
        }

        private void startMessage(int c, long now) {
            long n = seq[c]++;
            MemorySegment out = sendBuffer(c);
            for (int i = 0; i < Math.min(8, size); i++) {
                out.set(ValueLayout.JAVA_BYTE, i, (byte) (n >>> (8 * i)));
            }
            sent[c] = 0;
            received[c] = 0;
            startedAt[c] = now;
            ring.nextSqeBlocking().send(fd[c], sendAddress(c), size, Libc.MSG_NOSIGNAL).userData(ud(c, OP_SEND));
            ring.nextSqeBlocking().recv(fd[c], receiveAddress(c), size, 0).userData(ud(c, OP_RECV));
        }

        @Override
        public void handle(long userData, int res, int flags) {
            int c = (int) (userData >>> 8);
            int op = (int) userData & 0xFF;
            if (c < 0 || c >= conns || phase[c] == DONE) {
                return; // a late completion of a connection that already failed
            }
            switch (op) {
                case OP_CONNECT -> {
                    connecting--;
                    if (res < 0) {
                        fail(c, "connect failed: " + Errno.describe(res));
                    } else {
                        phase[c] = RUNNING;
                    }
                }
                case OP_SEND -> {
                    if (res < 0) {
                        fail(c, "send failed: " + Errno.describe(res));
                        return;
                    }
                    sent[c] += res;
                    if (sent[c] < size) {
                        ring.nextSqeBlocking().send(fd[c], sendAddress(c) + sent[c], size - sent[c], Libc.MSG_NOSIGNAL)
                                .userData(ud(c, OP_SEND));
                    } else if (received[c] == size) {
                        completed(c);
                    }
                }
                case OP_RECV -> {
                    if (res <= 0) {
                        fail(c, res == 0 ? "the server closed the connection after " + received[c] + " of " + size
                                + " bytes of message " + (seq[c] - 1) : "recv failed: " + Errno.describe(res));
                        return;
                    }
                    received[c] += res;
                    if (received[c] < size) {
                        ring.nextSqeBlocking().recv(fd[c], receiveAddress(c) + received[c], size - received[c], 0)
                                .userData(ud(c, OP_RECV));
                    } else if (sent[c] == size) {
                        completed(c);
                    }
                }
                case OP_SHUTDOWN -> {
                    if (res < 0) {
                        fail(c, "shutdown failed: " + Errno.describe(res));
                    }
                }
                case OP_EOF -> {
                    if (res != 0) {
                        fail(c, res > 0 ? "the server sent " + res + " bytes nobody asked for"
                                : "recv failed at the end: " + Errno.describe(res));
                    } else {
                        closeConnection(c);
                    }
                }
                default -> throw new IllegalStateException("unknown operation in user data " + userData);
            }
        }

        private void completed(int c) {
            long now = System.nanoTime();
            long mismatch = MemorySegment.mismatch(buffers, (long) c * size * 2, (long) c * size * 2 + size,
                    buffers, (long) c * size * 2 + size, (long) c * size * 2 + 2L * size);
            if (mismatch >= 0) {
                fail(c, "echo differs from what was sent at byte " + mismatch + " of message " + (seq[c] - 1));
                return;
            }
            latency.record(now - startedAt[c]);
            messages++;
            if (now - end < 0) {
                startMessage(c, now);
            } else {
                phase[c] = FINISHING;
                ring.nextSqeBlocking().shutdown(fd[c], Libc.SHUT_WR).userData(ud(c, OP_SHUTDOWN)).link();
                ring.nextSqeBlocking().recv(fd[c], receiveAddress(c), size, 0).userData(ud(c, OP_EOF));
            }
        }

        private void fail(int c, String why) {
            errors++;
            if (firstErrors.size() < 5) {
                firstErrors.add("connection " + c + ": " + why);
            }
            closeConnection(c);
        }

        private void closeConnection(int c) {
            if (phase[c] == DONE) {
                return;
            }
            phase[c] = DONE;
            live--;
            if (fd[c] >= 0) {
                // shutdown ends a receive still armed on it (its completion is ignored: phase
                // DONE); close alone would leave the socket open while that receive holds it.
                Libc.shutdown(errno, fd[c], Libc.SHUT_RDWR);
                Libc.close(errno, fd[c]);
                fd[c] = -1;
            }
        }
    }

    static String micros(long nanos) {
        return nanos >= 10_000_000 ? String.format(Locale.ROOT, "%.1f ms", nanos / 1e6)
                : String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
    }

    static void print(Result r, PrintStream out) {
        LatencyHistogram h = r.latency();
        out.println();
        out.printf(Locale.ROOT, "%-6s %-7s %-7s %12s %12s %10s %10s %10s %10s %10s %7s%n",
                "conns", "size", "seconds", "messages", "msg/s", "MiB/s", "p50", "p99", "p99.9", "max", "errors");
        out.printf(Locale.ROOT, "%-6d %-7d %-7.1f %,12d %,12.0f %10.1f %10s %10s %10s %10s %7d%n",
                r.conns(), r.size(), r.seconds(), r.messages(), r.messagesPerSecond(), r.mibPerSecond(),
                micros(h.quantile(0.50)), micros(h.quantile(0.99)), micros(h.quantile(0.999)), micros(h.max()),
                r.errors());
        out.println("(MiB/s counts both directions; latency is one message's round trip)");
        for (String e : r.firstErrors()) {
            out.println("error: " + e);
        }
    }
}
