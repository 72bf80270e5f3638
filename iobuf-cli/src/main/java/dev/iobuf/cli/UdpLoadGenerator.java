package dev.iobuf.cli;

import dev.iobuf.net.DatagramEndpoint;
import dev.iobuf.net.DatagramHandler;
import dev.iobuf.net.NetConfig;
import dev.iobuf.net.SocketAddressView;
import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.pool.Tier;
import dev.iobuf.uring.Errno;
import dev.iobuf.uring.reactor.EventLoop;
import dev.iobuf.uring.reactor.EventLoopGroup;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code iobuf load echo --udp}: {@code conns} connected datagram endpoints of the library itself,
 * on one event loop, each with one {@code size}-byte datagram out at a time and every byte of its
 * echo checked. A datagram whose echo has not come back within {@link #LOSS_NANOS} counts as lost
 * (an error: on loopback nothing is lost) and the next one is sent; a late echo of it is ignored.
 */
final class UdpLoadGenerator {
    /*
     * Implementation notes.
     *
     * Everything but start and the final snapshot runs on the loop thread: the handlers, the
     * resends of lost datagrams (a check handed to the loop every 50 ms), the end. A datagram is
     * the client's fixed random bytes with its sequence number in the first 8; the echo must carry
     * the current sequence number and the rest unchanged (MemorySegment.mismatch).
     */
    /** How long an echo may take before its datagram counts as lost. */
    static final long LOSS_NANOS = 1_000_000_000L;
    private static final long CHECK_MILLIS = 50;

    private UdpLoadGenerator() {
    }

    static int run(Options o) throws IOException, InterruptedException {
        String host = o.string("host", "127.0.0.1");
        int port = o.integer("port", -1);
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("load echo --udp needs --port P (the echo server's port, 1..65535)");
        }
        int conns = o.integer("conns", 64);
        int size = o.integer("size", 512);
        double seconds = o.decimal("seconds", 5);
        System.out.printf(Locale.ROOT, "iobuf load echo --udp: %d endpoints to %s:%d, %d-byte datagrams, %.1f s (one event loop)%n",
                conns, host, port, size, seconds);
        LoadGenerator.Result r = run(host, port, conns, size, seconds, System.out);
        LoadGenerator.print(r, System.out);
        return r.errors() == 0 ? 0 : 1;
    }

    static LoadGenerator.Result run(String host, int port, int conns, int size, double seconds, PrintStream progress)
            throws IOException, InterruptedException {
        if (conns < 1 || conns > 4096 || size < 8 || size > 65_507 || seconds <= 0) {
            throw new IllegalArgumentException("--conns must be 1..4096, --size 8..65507 and --seconds positive");
        }
        Tier tier = Tier.PICO;
        while (tier.size() < size + 64) { // the payload, the receive header and the sender's address
            tier = Tier.values()[tier.ordinal() + 1];
        }
        NetConfig config = NetConfig.defaults().withReceive(tier, 4).withSend(tier, 2, 2);
        try (EventLoopGroup group = EventLoopGroup.start("udp-load", 1, 1024);
             Arena arena = Arena.ofShared()) {
            Run run = new Run(group.loops().get(0), conns, size, arena);
            List<DatagramEndpoint> endpoints = new ArrayList<>();
            try {
                for (int c = 0; c < conns; c++) {
                    endpoints.add(IoUringTransport.on(group).connectDatagram(host, port, config, run.client(c)));
                }
                return run.go(seconds, progress);
            } finally {
                for (DatagramEndpoint e : endpoints) {
                    e.close();
                }
            }
        }
    }

    /** One run: the clients' state, their counters, the end. Loop thread but for {@link #go}. */
    private static final class Run {
        private final EventLoop loop;
        private final int size;
        private final Client[] clients;
        private final LatencyHistogram latency = new LatencyHistogram();
        private final List<String> firstErrors = new ArrayList<>();
        private long messages;
        private long errors;
        private boolean ending;
        private int busy;
        private CompletableFuture<Void> allDone;

        Run(EventLoop loop, int conns, int size, Arena arena) {
            this.loop = loop;
            this.size = size;
            this.clients = new Client[conns];
            SplittableRandom random = new SplittableRandom(conns * 31L + size);
            for (int c = 0; c < conns; c++) {
                MemorySegment out = arena.allocate(size, 8);
                for (long i = 0; i < size; i++) {
                    out.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
                }
                clients[c] = new Client(c, out);
            }
        }

        Client client(int c) {
            return clients[c];
        }

        private void error(String what) {
            errors++;
            if (firstErrors.size() < 10) {
                firstErrors.add(what);
            }
        }

        LoadGenerator.Result go(double seconds, PrintStream progress) throws InterruptedException {
            long start = System.nanoTime();
            long end = start + (long) (seconds * 1e9);
            call(() -> {
                busy = clients.length;
                for (Client c : clients) {
                    c.next();
                }
            });
            long lastMessages = 0;
            long nextTick = start + 1_000_000_000L;
            int tick = 0;
            while (System.nanoTime() - end < 0) {
                Thread.sleep(CHECK_MILLIS);
                call(this::checkLosses);
                if (progress != null && System.nanoTime() - nextTick >= 0) {
                    nextTick += 1_000_000_000L;
                    long m = call(() -> messages);
                    progress.printf(Locale.ROOT, "  %3ds  %,12d msg/s  %8.1f MiB/s  errors %d%n", ++tick, m - lastMessages,
                            (m - lastMessages) * 2.0 * size / (1024 * 1024), call(() -> errors));
                    lastMessages = m;
                }
            }
            double took = (System.nanoTime() - start) / 1e9;
            CompletableFuture<Void> done = call(() -> {
                ending = true;
                allDone = new CompletableFuture<>();
                if (busy == 0) {
                    allDone.complete(null);
                }
                return allDone;
            });
            long giveUp = System.nanoTime() + 2 * LOSS_NANOS;
            while (!done.isDone() && System.nanoTime() - giveUp < 0) {
                Thread.sleep(CHECK_MILLIS);
                call(this::checkLosses);
            }
            return call(() -> new LoadGenerator.Result(clients.length, size, took, messages, messages * 2 * size, errors,
                    latency, List.copyOf(firstErrors)));
        }

        /** Datagrams out for longer than LOSS_NANOS are lost: count them, and send the next one. */
        private void checkLosses() {
            long now = System.nanoTime();
            for (Client c : clients) {
                if (c.outstanding && now - c.sentAt > LOSS_NANOS) {
                    c.outstanding = false;
                    error("endpoint " + c.id + ": no echo of datagram " + c.seq + " within " + LOSS_NANOS / 1_000_000 + " ms");
                    c.next();
                }
            }
        }

        private void call(Runnable task) throws InterruptedException {
            call(() -> {
                task.run();
                return null;
            });
        }

        private <T> T call(java.util.concurrent.Callable<T> task) throws InterruptedException {
            try {
                return loop.submit(task).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("the load generator's event loop failed: " + e, e);
            }
        }

        /** One endpoint's client: one datagram out at a time. */
        private final class Client implements DatagramHandler {
            final int id;
            final MemorySegment out;
            DatagramEndpoint endpoint;
            long seq = -1;
            long sentAt;
            boolean outstanding;
            boolean done;

            Client(int id, MemorySegment out) {
                this.id = id;
                this.out = out;
            }

            @Override
            public void onOpen(DatagramEndpoint ep) {
                endpoint = ep;
            }

            /** Sends the next datagram, or finishes when the run is ending. */
            void next() {
                if (done) {
                    return;
                }
                if (ending) {
                    finish();
                    return;
                }
                seq++;
                out.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, seq);
                sentAt = System.nanoTime();
                outstanding = true;
                if (!endpoint.send(out, 0, size)) {
                    outstanding = false; // cannot happen with one datagram out at a time
                    error("endpoint " + id + ": send refused");
                    finish();
                }
            }

            private void finish() {
                done = true;
                if (--busy == 0 && allDone != null) {
                    allDone.complete(null);
                }
            }

            @Override
            public void onDatagram(DatagramEndpoint ep, MemorySegment buffer, long offset, int length,
                                   SocketAddressView sender, int datagramLength) {
                long got = length >= 8 ? buffer.get(ValueLayout.JAVA_LONG_UNALIGNED, offset) : -1;
                if (!outstanding || got != seq) {
                    return; // the late echo of a datagram counted as lost
                }
                outstanding = false;
                long mismatch = length != size ? -2
                        : MemorySegment.mismatch(buffer, offset + 8, offset + length, out, 8, size);
                if (mismatch == -2) {
                    error("endpoint " + id + ": echo of datagram " + seq + " has " + datagramLength + " bytes, not " + size);
                } else if (mismatch >= 0) {
                    error("endpoint " + id + ": echo differs from what was sent at byte " + (8 + mismatch)
                            + " of datagram " + seq);
                } else {
                    messages++;
                    latency.record(System.nanoTime() - sentAt);
                }
                next();
            }

            @Override
            public void onError(DatagramEndpoint ep, int error) {
                error("endpoint " + id + ": " + Errno.describe(error)
                        + (error == -Errno.ECONNREFUSED ? " (nothing listens on that port)" : ""));
                if (outstanding) {
                    outstanding = false;
                    if (error == -Errno.ECONNREFUSED) {
                        finish(); // nobody to talk to
                    } else {
                        next();
                    }
                }
            }
        }
    }
}
