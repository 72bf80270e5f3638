package dev.iobuf.net;

import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.net.uring.UringServers;
import dev.iobuf.pool.PoolStats;
import dev.iobuf.pool.Tier;
import dev.iobuf.uring.reactor.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The echo server on real loopback sockets: many connections, every byte checked, vanishing clients, pools refilled. */
@Timeout(60)
class EchoTest {
    private EventLoopGroup group;
    private Server server;

    @BeforeEach
    void loops() {
        group = EventLoopGroup.start("echo", 2, 1024);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        group.close();
    }

    /** The echo server in one of its styles: callbacks copying, callbacks sending in place, or one virtual thread per connection. */
    private Server startEcho(String style, NetConfig config) throws IOException {
        return switch (style) {
            case "copy" -> IoUringTransport.on(group).serve("127.0.0.1", 0, config, () -> EchoServers.ECHO);
            case "in place" -> IoUringTransport.on(group).serve("127.0.0.1", 0, config, () -> EchoServers.ZERO_COPY_ECHO);
            case "blocking" -> IoUringTransport.on(group).serveBlocking("127.0.0.1", 0, config, EchoServers::blockingEcho);
            default -> throw new IllegalArgumentException(style);
        };
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(20_000);
        return s;
    }

    /** Sends {@code n} bytes of a seeded pattern and reads them back, checking every byte; concurrent so big messages cannot deadlock. */
    static void roundTrip(Socket s, int n, long seed) throws Exception {
        byte[] out = new byte[n];
        new SplittableRandom(seed).nextBytes(out);
        OutputStream os = s.getOutputStream();
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                os.write(out);
                os.flush();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        byte[] in = new byte[n];
        new DataInputStream(s.getInputStream()).readFully(in);
        writer.join();
        for (int i = 0; i < n; i++) {
            if (in[i] != out[i]) {
                throw new AssertionError("byte " + i + " of " + n + " differs: sent " + out[i] + ", got " + in[i]);
            }
        }
    }

    private void awaitIdle() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((server.openConnections() > 0 || server.receiveBuffersInUse() > 0 || server.sendBuffersInUse() > 0)
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(server.openConnections()).as("open connections").isZero();
        assertThat(server.receiveBuffersInUse()).as("receive buffers not back in the ring").isZero();
        assertThat(server.sendBuffersInUse()).as("send buffers not back in the pool").isZero();
    }

    private void assertPoolsFullAfterClose() {
        server.close();
        List<PoolStats> stats = server.poolStats();
        assertThat(stats).hasSize(2 * group.size());
        for (PoolStats p : stats) {
            assertThat(p.available()).as("pool %s", p).isEqualTo(p.capacity());
        }
    }

    /** Runs {@code clients} clients at once, each doing {@code rounds} round trips of random sizes 1 B..maxSize. */
    private void runClients(int clients, int rounds, int maxSize) throws Exception {
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicLong bytes = new AtomicLong();
        CountDownLatch done = new CountDownLatch(clients);
        CountDownLatch allConnected = new CountDownLatch(clients);
        for (int c = 0; c < clients; c++) {
            long seed = c;
            Thread.ofVirtual().start(() -> {
                try (Socket s = connect(server.port())) {
                    allConnected.countDown();
                    allConnected.await(20, TimeUnit.SECONDS); // all connections open at once
                    SplittableRandom r = new SplittableRandom(seed);
                    for (int i = 0; i < rounds; i++) {
                        int n = 1 + r.nextInt(maxSize);
                        roundTrip(s, n, r.nextLong());
                        bytes.addAndGet(n);
                    }
                } catch (Throwable t) {
                    errors.add(t);
                    allConnected.countDown();
                } finally {
                    done.countDown();
                }
            });
        }
        assertThat(done.await(50, TimeUnit.SECONDS)).as("clients finished").isTrue();
        assertThat(errors).as("client errors").isEmpty();
        assertThat(bytes.get()).isPositive();
    }

    @Test
    void thousandConnectionsRandomSizesEveryByteChecked() throws Exception {
        java.util.concurrent.ConcurrentHashMap<Integer, Integer> reasons = new java.util.concurrent.ConcurrentHashMap<>();
        ConnectionHandler h = new ConnectionHandler() {
            @Override
            public int onData(Connection c, java.lang.foreign.MemorySegment b, long o, int n) {
                return Math.max(0, c.write(b, o, n));
            }

            @Override
            public void onClose(Connection c, int r) {
                reasons.merge(r, 1, Integer::sum);
            }
        };
        server = IoUringTransport.on(group).serve("127.0.0.1", 0, NetConfig.defaults(), () -> h);
        runClients(1000, 3, 64 * 1024);
        assertThat(server.accepted()).isEqualTo(1000);
        awaitIdle();
        assertThat(reasons).as("close reasons -> count").containsOnlyKeys(0);
        assertPoolsFullAfterClose();
    }

    @Test
    void blockingStyleOneVirtualThreadPerConnection() throws Exception {
        server = IoUringTransport.on(group).serveBlocking("127.0.0.1", 0, NetConfig.defaults(), EchoServers::blockingEcho);
        runClients(200, 3, 64 * 1024);
        awaitIdle();
        assertPoolsFullAfterClose();
    }

    @ParameterizedTest(name = "zero-copy {0}")
    @ValueSource(booleans = {false, true})
    void tinyPoolsApplyBackPressureWithoutLosingBytes(boolean zeroCopy) throws Exception {
        // 8 receive and 8 send buffers of 2 KiB per loop for 50 connections sending up to 64 KiB:
        // the ring runs dry (ENOBUFS, re-armed later) and writes are refused (receiving pauses)
        NetConfig tiny = NetConfig.defaults().withReceive(Tier.SMALL, 8).withSend(Tier.SMALL, 8, 4);
        server = IoUringTransport.on(group).serve("127.0.0.1", 0, tiny, () -> EchoServers.echo(zeroCopy));
        runClients(50, 4, 64 * 1024);
        awaitIdle();
        assertPoolsFullAfterClose();
    }

    @Test
    void writeReceivedIsOnlyForTheDeliveryInProgressAndOnlyOnce() throws Exception {
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        ConnectionHandler h = new ConnectionHandler() {
            @Override
            public void onOpen(Connection c) {
                try {
                    c.writeReceived(0, 1);
                } catch (IllegalStateException e) {
                    seen.add("open: " + e.getMessage());
                }
            }

            @Override
            public int onData(Connection c, java.lang.foreign.MemorySegment buffer, long offset, int length) {
                try {
                    c.writeReceived(offset - 1, length);
                } catch (IllegalArgumentException e) {
                    seen.add("range");
                }
                int n = c.writeReceived(offset, length);
                try {
                    c.writeReceived(offset, length);
                } catch (IllegalStateException e) {
                    seen.add("twice");
                }
                return n;
            }
        };
        server = IoUringTransport.on(group).serve("127.0.0.1", 0, NetConfig.defaults(), () -> h);
        try (Socket s = connect(server.port())) {
            roundTrip(s, 1000, 7);
        }
        awaitIdle();
        assertThat(seen).contains("open: writeReceived is only valid inside onData", "range", "twice");
        assertPoolsFullAfterClose();
    }

    @ParameterizedTest(name = "in place {0}")
    @ValueSource(booleans = {false, true})
    void sendZcAboveTheThresholdKeepsEveryByteAndReturnsEveryBuffer(boolean inPlace) throws Exception {
        // every send of 1 byte or more is a SEND_ZC, from the registered send or receive slab: its
        // buffer goes back only after the notification
        NetConfig zc = NetConfig.defaults().withSend(Tier.SMALL, 64, 4).withZeroCopyThreshold(1);
        server = IoUringTransport.on(group).serve("127.0.0.1", 0, zc, () -> EchoServers.echo(inPlace));
        runClients(50, 3, 64 * 1024);
        awaitIdle();
        assertThat(server.zeroCopySends()).isPositive();
        // registered unless the kernel refused (the locked-memory limit of a non-root run, say)
        assertThat(server.registeredSends())
                .isEqualTo(UringServers.slabsRegistered(server) ? server.zeroCopySends() : 0);
        assertPoolsFullAfterClose();
    }

    @Test
    void tinyPoolsBlockingStyle() throws Exception {
        NetConfig tiny = NetConfig.defaults().withReceive(Tier.SMALL, 8).withSend(Tier.SMALL, 8, 4);
        server = IoUringTransport.on(group).serveBlocking("127.0.0.1", 0, tiny, EchoServers::blockingEcho);
        runClients(30, 3, 32 * 1024);
        awaitIdle();
        assertPoolsFullAfterClose();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"copy", "in place", "blocking"})
    void clientsThatSendButNeverReadAreClosedByTheIdleTimeOutWhileOthersAreServed(String style) throws Exception {
        // A client that never reads fills its socket; the server's sends to it stop completing,
        // its connection stalls and holds the receive buffers it took. The idle time-out must
        // close it and give them back, while a well-behaved client keeps being served.
        server = startEcho(style, NetConfig.defaults().withIdleTimeout(Duration.ofMillis(500)));
        int hogs = 4;
        List<Socket> hogSockets = new ArrayList<>();
        List<Thread> writers = new ArrayList<>();
        try (Socket good = connect(server.port())) {
            roundTrip(good, 1000, 1);
            for (int i = 0; i < hogs; i++) {
                Socket h = new Socket();
                h.setReceiveBufferSize(4096);
                h.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
                hogSockets.add(h);
                byte[] chunk = new byte[64 * 1024];
                writers.add(Thread.ofVirtual().start(() -> {
                    try {
                        OutputStream os = h.getOutputStream();
                        for (int k = 0; k < 256; k++) { // 16 MiB, far more than the socket buffers hold
                            os.write(chunk);
                        }
                    } catch (IOException closedByTheServer) {
                        // expected: the idle time-out closed the connection
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            int round = 0;
            while (server.openConnections() > 1 && System.nanoTime() < deadline) {
                roundTrip(good, 4000, round++); // stays active, so never idle itself
            }
            assertThat(server.openConnections()).as("the never-reading clients are closed").isEqualTo(1);
            roundTrip(good, 64 * 1024, 99);
        } finally {
            for (Socket h : hogSockets) {
                h.close();
            }
        }
        for (Thread w : writers) {
            w.join();
        }
        awaitIdle();
        assertPoolsFullAfterClose();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"copy", "in place", "blocking"})
    void clientsThatVanishMidMessageLeaveTheServerServingAndEveryBufferBack(String style) throws Exception {
        server = startEcho(style, NetConfig.defaults());
        AtomicInteger vanished = new AtomicInteger();
        List<Thread> rude = new ArrayList<>();
        for (int c = 0; c < 200; c++) {
            int kind = c % 3;
            rude.add(Thread.ofVirtual().start(() -> {
                try {
                    Socket s = connect(server.port());
                    byte[] big = new byte[200_000];
                    OutputStream os = s.getOutputStream();
                    if (kind == 0) {
                        os.write(big, 0, 1000); // half a conversation, then reset (RST)
                        s.setSoLinger(true, 0);
                    } else if (kind == 1) {
                        os.write(big); // more than fits, never reads the echo, then closes
                    } else {
                        os.write(big, 0, 5000);
                        s.getInputStream().read(); // read one byte of the echo, then go
                        s.setSoLinger(true, 0);
                    }
                    s.close();
                    vanished.incrementAndGet();
                } catch (IOException e) {
                    vanished.incrementAndGet(); // reset by the server while writing: also gone
                }
            }));
        }
        runClients(100, 3, 64 * 1024); // polite clients meanwhile
        for (Thread t : rude) {
            t.join();
        }
        assertThat(vanished.get()).isEqualTo(200);
        awaitIdle();
        runClients(20, 2, 1024); // still serving
        awaitIdle();
        assertPoolsFullAfterClose();
    }

    @Test
    void pausedReadingHoldsTheBytesAndResumingDeliversThemInOrder() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Connection> conn = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean paused = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicInteger whilePaused = new AtomicInteger();
        ConnectionHandler h = new ConnectionHandler() {
            @Override
            public void onOpen(Connection c) {
                paused.set(true);
                c.pauseReading();
                conn.set(c);
            }

            @Override
            public int onData(Connection c, java.lang.foreign.MemorySegment b, long o, int n) {
                if (paused.get()) {
                    whilePaused.incrementAndGet();
                }
                return Math.max(0, c.write(b, o, n));
            }
        };
        server = IoUringTransport.on(group).serve("127.0.0.1", 0, NetConfig.defaults(), () -> h);
        try (Socket s = connect(server.port())) {
            byte[] out = new byte[100_000];
            new SplittableRandom(9).nextBytes(out);
            s.getOutputStream().write(out); // waits in the kernel: nothing is received while paused
            while (conn.get() == null) {
                Thread.sleep(1);
            }
            Connection c = conn.get();
            c.executor().execute(() -> {
                paused.set(false);
                c.resumeReading();
            });
            byte[] in = new DataInputStream(s.getInputStream()).readNBytes(out.length);
            assertThat(in).isEqualTo(out);
        }
        assertThat(whilePaused.get()).as("deliveries while paused").isZero();
        awaitIdle();
        assertPoolsFullAfterClose();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"copy", "in place", "blocking"})
    void halfCloseGetsEveryByteBackThenEof(String style) throws Exception {
        server = startEcho(style, NetConfig.defaults());
        try (Socket s = connect(server.port())) {
            byte[] out = new byte[300_000];
            new SplittableRandom(3).nextBytes(out);
            Thread w = Thread.ofVirtual().start(() -> {
                try {
                    s.getOutputStream().write(out);
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] in = s.getInputStream().readAllBytes(); // until the server's FIN
            w.join();
            assertThat(in).isEqualTo(out);
        }
        awaitIdle();
        assertPoolsFullAfterClose();
    }

    @Test
    void idleConnectionsAreClosedAfterTheTimeout() throws Exception {
        AtomicInteger reason = new AtomicInteger(1);
        ConnectionHandler h = new ConnectionHandler() {
            @Override
            public int onData(Connection c, java.lang.foreign.MemorySegment b, long o, int n) {
                return Math.max(0, c.write(b, o, n));
            }

            @Override
            public void onClose(Connection c, int r) {
                reason.set(r);
            }
        };
        server = IoUringTransport.on(group).serve("127.0.0.1", 0, NetConfig.defaults().withIdleTimeout(Duration.ofMillis(200)), () -> h);
        try (Socket s = connect(server.port())) {
            roundTrip(s, 100, 1);
            InputStream in = s.getInputStream();
            assertThat(in.read()).isEqualTo(-1); // closed by the server, within the 20 s socket time-out
        }
        awaitIdle();
        assertThat(reason.get()).isEqualTo(-dev.iobuf.uring.Errno.ETIMEDOUT);
        assertPoolsFullAfterClose();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"copy", "in place", "blocking"})
    void shuttingTheLoopsDownClosesConnectionsAndReturnsEveryBuffer(String style) throws Exception {
        server = startEcho(style, NetConfig.defaults());
        List<Socket> open = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            Socket s = connect(server.port());
            roundTrip(s, 5000, i);
            s.getOutputStream().write(new byte[3000]); // unread echo in flight at shutdown
            open.add(s);
        }
        group.shutdown();
        assertThat(group.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
        for (Socket s : open) {
            s.close();
        }
        assertPoolsFullAfterClose();
    }
}
