package dev.iobuf.cli;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The echo load generator: {@code conns} connections (one virtual thread each, plain blocking
 * sockets), each sending {@code size}-byte messages one at a time and checking every byte of the
 * echo against what it sent. Progress every second; a table at the end.
 */
final class LoadGenerator {
    /** Above this message size the client writes from a second thread, so a large echo cannot deadlock. */
    static final int CONCURRENT_WRITE_ABOVE = 32 * 1024;
    static final int CONNECT_TIMEOUT_MS = 10_000;
    static final int READ_TIMEOUT_MS = 10_000;

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

    static int run(Options o) throws InterruptedException {
        String host = o.string("host", "127.0.0.1");
        int port = o.integer("port", -1);
        if (port <= 0) {
            throw new IllegalArgumentException("load echo needs --port P (the echo server's port)");
        }
        int conns = o.integer("conns", 64);
        int size = o.integer("size", 512);
        double seconds = o.decimal("seconds", 5);
        System.out.printf("iobuf load echo: %d connections to %s:%d, %d-byte messages, %.1f s%n",
                conns, host, port, size, seconds);
        Result r = run(host, port, conns, size, seconds, System.out);
        print(r, System.out);
        return r.errors() == 0 ? 0 : 1;
    }

    static Result run(String host, int port, int conns, int size, double seconds, PrintStream progress)
            throws InterruptedException {
        if (conns < 1 || size < 1 || seconds <= 0) {
            throw new IllegalArgumentException("--conns, --size and --seconds must be positive");
        }
        AtomicLong messages = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        ConcurrentLinkedQueue<String> firstErrors = new ConcurrentLinkedQueue<>();
        LatencyHistogram[] hists = new LatencyHistogram[conns];
        CountDownLatch ready = new CountDownLatch(conns);
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(conns);
        long[] endAt = {Long.MAX_VALUE};
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < conns; c++) {
            LatencyHistogram h = new LatencyHistogram();
            hists[c] = h;
            int id = c;
            threads.add(Thread.ofVirtual().name("load-" + c).start(() -> {
                boolean[] counted = {false};
                Runnable isReady = () -> {
                    if (!counted[0]) {
                        counted[0] = true;
                        ready.countDown();
                    }
                };
                try {
                    client(host, port, id, size, h, messages, isReady, go, endAt);
                } catch (Exception e) {
                    errors.incrementAndGet();
                    if (firstErrors.size() < 5) {
                        firstErrors.add("connection " + id + ": " + e);
                    }
                } finally {
                    isReady.run();
                    done.countDown();
                }
            }));
        }
        ready.await(30, TimeUnit.SECONDS);
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        endAt[0] = end;
        go.countDown();
        long last = 0;
        int tick = 0;
        long nextTick = start + 1_000_000_000L;
        for (;;) {
            long now = System.nanoTime();
            if (now >= end) {
                if (!done.await(READ_TIMEOUT_MS + 5_000L, TimeUnit.MILLISECONDS)) {
                    errors.incrementAndGet(); // clients stuck in a read: their sockets time out on their own
                    firstErrors.add("some connections did not finish within " + (READ_TIMEOUT_MS + 5_000) + " ms after the end");
                }
                break;
            }
            if (done.await(Math.min(nextTick, end) - now, TimeUnit.NANOSECONDS)) {
                break;
            }
            if (System.nanoTime() >= nextTick) {
                tick++;
                nextTick += 1_000_000_000L;
                long m = messages.get();
                if (progress != null) {
                    progress.printf(Locale.ROOT, "  %3ds  %,12d msg/s  %8.1f MiB/s  errors %d%n", tick, m - last,
                            (m - last) * (double) size * 2 / (1024 * 1024), errors.get());
                }
                last = m;
            }
        }
        double elapsed = Math.max(1e-9, (Math.min(System.nanoTime(), end) - start) / 1e9);
        LatencyHistogram all = new LatencyHistogram();
        for (LatencyHistogram h : hists) {
            all.add(h);
        }
        long m = messages.get();
        return new Result(conns, size, elapsed, m, m * size * 2, errors.get(), all, List.copyOf(firstErrors));
    }

    private static void client(String host, int port, int id, int size, LatencyHistogram h, AtomicLong messages,
                               Runnable ready, CountDownLatch go, long[] endAt) throws Exception {
        try (Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
            s.setSoTimeout(READ_TIMEOUT_MS);
            OutputStream out = s.getOutputStream();
            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] msg = new byte[size];
            byte[] echo = new byte[size];
            new SplittableRandom(id).nextBytes(msg);
            ready.run();
            go.await();
            long end = endAt[0];
            long seq = 0;
            while (System.nanoTime() < end) {
                stamp(msg, seq++);
                long t0 = System.nanoTime();
                if (size > CONCURRENT_WRITE_ABOVE) {
                    Thread w = Thread.ofVirtual().start(() -> write(out, msg));
                    in.readFully(echo);
                    w.join();
                } else {
                    out.write(msg);
                    in.readFully(echo);
                }
                h.record(System.nanoTime() - t0);
                if (!Arrays.equals(msg, echo)) {
                    throw new IOException("echo differs from what was sent at byte " + Arrays.mismatch(msg, echo)
                            + " of message " + (seq - 1));
                }
                messages.incrementAndGet();
            }
            s.shutdownOutput();
            InputStream rest = s.getInputStream();
            if (rest.read() != -1) {
                throw new IOException("the server sent bytes nobody asked for");
            }
        }
    }

    private static void write(OutputStream out, byte[] msg) {
        try {
            out.write(msg);
        } catch (IOException e) {
            throw new RuntimeException(e);
        }
    }

    /** The message's first bytes carry its sequence number, so every message differs. */
    private static void stamp(byte[] msg, long seq) {
        for (int i = 0; i < Math.min(8, msg.length); i++) {
            msg[i] = (byte) (seq >>> (8 * i));
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
