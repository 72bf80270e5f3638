package dev.iobuf.net;

import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.pool.PoolStats;
import dev.iobuf.pool.Tier;
import dev.iobuf.uring.reactor.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Datagram endpoints on real loopback UDP sockets, against a plain {@link DatagramSocket} as the
 * other side: echo with every byte checked (IPv4 and IPv6, copied and zero-copy sends), truncation
 * with the full length, connected endpoints and their ICMP errors, refused sends, shutdown.
 *
 * <p>Loopback UDP loses a datagram only when a socket's receive buffer is full. The clients keep
 * at most {@link #WINDOW} datagrams outstanding and both sides have buffers for far more (the
 * endpoint's socket buffer is sized to its receive ring, the client's is asked for 4 MiB), so
 * nothing is lost and nothing is retried: a missing echo fails the test after its time-out.
 */
@Timeout(60)
class DatagramTest {
    /** Datagrams a client has outstanding at most. */
    static final int WINDOW = 16;
    /** What the client waits at most for one echo. */
    static final int RECEIVE_TIMEOUT_MS = 10_000;

    private EventLoopGroup group;
    private final List<DatagramEndpoint> endpoints = new ArrayList<>();

    @BeforeEach
    void loops() {
        group = EventLoopGroup.start("udp", 1, 1024);
    }

    @AfterEach
    void stop() {
        for (DatagramEndpoint e : endpoints) {
            e.close();
        }
        group.close();
    }

    private DatagramEndpoint bind(String host, NetConfig config, DatagramHandler h) throws IOException {
        DatagramEndpoint e = IoUringTransport.on(group).bindDatagram(host, 0, config, h);
        endpoints.add(e);
        return e;
    }

    private static DatagramSocket client(String host) throws IOException {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress(InetAddress.getByName(host), 0));
        s.setReceiveBufferSize(4 << 20);
        s.setSendBufferSize(4 << 20);
        s.setSoTimeout(RECEIVE_TIMEOUT_MS);
        return s;
    }

    /** Datagram {@code seq}: its number in the first 4 bytes, then bytes of a generator seeded by it. */
    static byte[] datagram(int seq, int size) {
        byte[] b = new byte[size];
        new SplittableRandom(seq * 0x9E3779B97F4A7C15L).nextBytes(b);
        b[0] = (byte) (seq >>> 24);
        b[1] = (byte) (seq >>> 16);
        b[2] = (byte) (seq >>> 8);
        b[3] = (byte) seq;
        return b;
    }

    /** Echo: each datagram back to its sender, counting the sends refused (there must be none). */
    static final class Echo implements DatagramHandler {
        final AtomicInteger refused = new AtomicInteger();
        final AtomicInteger truncated = new AtomicInteger();
        final AtomicInteger errors = new AtomicInteger();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();

        @Override
        public void onDatagram(DatagramEndpoint ep, MemorySegment buffer, long offset, int length,
                               SocketAddressView sender, int datagramLength) {
            if (datagramLength != length) {
                truncated.incrementAndGet();
            }
            if (!ep.send(buffer, offset, length, sender)) {
                refused.incrementAndGet();
            }
        }

        @Override
        public void onError(DatagramEndpoint ep, int error) {
            errors.incrementAndGet();
        }

        @Override
        public void onClose(DatagramEndpoint ep, int reason) {
            closed.complete(reason);
        }
    }

    @ParameterizedTest(name = "{0}, zero-copy threshold {1}")
    @CsvSource({"127.0.0.1, 0", "127.0.0.1, 1024", "::1, 0", "::1, 1024"})
    void echoesTenThousandDatagramsOfVariedSizesEveryByteChecked(String host, int zeroCopyThreshold) throws Exception {
        NetConfig config = NetConfig.defaults().withReceive(Tier.MEDIUM, 256).withSend(Tier.MEDIUM, 64, 64)
                .withZeroCopyThreshold(zeroCopyThreshold);
        Echo echo = new Echo();
        DatagramEndpoint server = bind(host, config, echo);
        int max = server.maxReceiveLength();
        assertThat(max).isEqualTo(8192 - 16 - (host.contains(":") ? 28 : 16));
        int count = 10_000;
        SplittableRandom r = new SplittableRandom(42);
        int[] sizes = new int[count];
        for (int i = 0; i < count; i++) {
            sizes[i] = switch (i % 10) {
                case 0 -> 4;                       // the smallest: the sequence number alone
                case 1 -> max;                     // exactly one receive buffer
                case 2 -> 1 + r.nextInt(64) + 3;   // small
                default -> 4 + r.nextInt(max - 3); // anything that fits
            };
        }
        boolean[] seen = new boolean[count];
        try (DatagramSocket c = client(host)) {
            InetSocketAddress to = new InetSocketAddress(InetAddress.getByName(host), server.localAddress().getPort());
            byte[] in = new byte[65536];
            DatagramPacket p = new DatagramPacket(in, in.length);
            int sent = 0;
            for (; sent < WINDOW; sent++) {
                byte[] d = datagram(sent, sizes[sent]);
                c.send(new DatagramPacket(d, d.length, to));
            }
            for (int received = 0; received < count; received++) {
                p.setLength(in.length);
                try {
                    c.receive(p);
                } catch (SocketTimeoutException e) {
                    throw new AssertionError("no echo within " + RECEIVE_TIMEOUT_MS + " ms after " + received + " of "
                            + count + " (refused sends " + echo.refused + ", errors " + echo.errors + ")", e);
                }
                assertThat(p.getPort()).as("echo's source port").isEqualTo(server.localAddress().getPort());
                int seq = ((in[0] & 0xFF) << 24) | ((in[1] & 0xFF) << 16) | ((in[2] & 0xFF) << 8) | (in[3] & 0xFF);
                assertThat(seq).as("sequence number").isBetween(0, count - 1);
                assertThat(seen[seq]).as("datagram %d echoed twice", seq).isFalse();
                seen[seq] = true;
                byte[] want = datagram(seq, sizes[seq]);
                assertThat(p.getLength()).as("length of datagram %d", seq).isEqualTo(want.length);
                if (!Arrays.equals(in, 0, want.length, want, 0, want.length)) {
                    throw new AssertionError("datagram " + seq + " of " + want.length + " bytes came back changed");
                }
                if (sent < count) {
                    byte[] d = datagram(sent, sizes[sent]);
                    c.send(new DatagramPacket(d, d.length, to));
                    sent++;
                }
            }
        }
        assertThat(echo.refused.get()).as("sends refused").isZero();
        assertThat(echo.truncated.get()).as("datagrams truncated").isZero();
        assertThat(echo.errors.get()).as("errors").isZero();
        if (zeroCopyThreshold > 0) {
            assertThat(server.zeroCopySends()).as("zero-copy sends").isPositive();
        } else {
            assertThat(server.zeroCopySends()).isZero();
        }
        server.close();
        assertThat(echo.closed.get(10, TimeUnit.SECONDS)).as("close reason").isZero();
        assertPoolsFull(server);
    }

    private static void assertPoolsFull(DatagramEndpoint e) {
        List<PoolStats> stats = e.poolStats();
        assertThat(stats).hasSize(2);
        for (PoolStats p : stats) {
            assertThat(p.available()).as("pool %s", p).isEqualTo(p.capacity());
        }
    }

    /** One datagram as the handler saw it. */
    record Got(byte[] payload, int datagramLength, String sender) {
    }

    /** Records every datagram (copied) into a queue. */
    static final class Recorder implements DatagramHandler {
        final BlockingQueue<Got> got = new ArrayBlockingQueue<>(1024);
        final BlockingQueue<Integer> errors = new ArrayBlockingQueue<>(1024);

        @Override
        public void onDatagram(DatagramEndpoint ep, MemorySegment buffer, long offset, int length,
                               SocketAddressView sender, int datagramLength) {
            byte[] b = new byte[length];
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, offset, b, 0, length);
            got.add(new Got(b, datagramLength, sender.toString()));
        }

        @Override
        public void onError(DatagramEndpoint ep, int error) {
            errors.add(error);
        }

        Got next() throws InterruptedException {
            Got g = got.poll(RECEIVE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertThat(g).as("a datagram within %d ms", RECEIVE_TIMEOUT_MS).isNotNull();
            return g;
        }
    }

    @Test
    void aDatagramLongerThanTheReceiveBufferIsTruncatedWithItsFullLength() throws Exception {
        Recorder rec = new Recorder();
        DatagramEndpoint server = bind("127.0.0.1", NetConfig.defaults().withReceive(Tier.SMALL, 16), rec);
        int max = server.maxReceiveLength();
        assertThat(max).isEqualTo(2048 - 32);
        try (DatagramSocket c = client("127.0.0.1")) {
            byte[] big = datagram(7, 5000);
            c.send(new DatagramPacket(big, big.length, server.localAddress()));
            Got g = rec.next();
            assertThat(g.datagramLength()).as("full length").isEqualTo(5000);
            assertThat(g.payload()).as("the part kept").isEqualTo(Arrays.copyOf(big, max));
            assertThat(g.sender()).isEqualTo("127.0.0.1:" + c.getLocalPort());
            byte[] exact = datagram(8, max); // exactly what fits: whole, and receiving went on
            c.send(new DatagramPacket(exact, exact.length, server.localAddress()));
            Got h = rec.next();
            assertThat(h.datagramLength()).isEqualTo(max);
            assertThat(h.payload()).isEqualTo(exact);
            byte[] empty = new byte[0]; // an empty datagram is a datagram too
            c.send(new DatagramPacket(empty, 0, server.localAddress()));
            assertThat(rec.next().payload()).isEmpty();
        }
        assertThat(rec.errors).isEmpty();
    }

    @Test
    void aReceiveRingThatRunsDryIsArmedAgainAndNothingIsLost() throws Exception {
        // two receive buffers for 200 datagrams waiting in the socket (reading was paused): the
        // receive ends with ENOBUFS again and again while the socket's buffer holds the rest
        Recorder rec = new Recorder();
        DatagramEndpoint server = bind("127.0.0.1", NetConfig.defaults().withReceive(Tier.SMALL, 2), rec);
        CompletableFuture<Void> paused = new CompletableFuture<>();
        server.executor().execute(() -> {
            server.pauseReading();
            paused.complete(null);
        });
        paused.get(10, TimeUnit.SECONDS);
        try (DatagramSocket c = client("127.0.0.1")) {
            for (int i = 0; i < 200; i++) {
                byte[] d = datagram(i, 4 + i);
                c.send(new DatagramPacket(d, d.length, server.localAddress()));
            }
            server.executor().execute(server::resumeReading);
            for (int i = 0; i < 200; i++) {
                assertThat(rec.next().payload()).isEqualTo(datagram(i, 4 + i));
            }
        }
        assertThat(rec.errors).isEmpty();
    }

    @Test
    void aConnectedEndpointTalksToItsPeerOnly() throws Exception {
        Recorder rec = new Recorder();
        try (DatagramSocket peer = client("127.0.0.1"); DatagramSocket stranger = client("127.0.0.1")) {
            DatagramEndpoint ep = IoUringTransport.on(group).connectDatagram("127.0.0.1", peer.getLocalPort(),
                    NetConfig.defaults(), rec);
            endpoints.add(ep);
            assertThat(ep.isConnected()).isTrue();
            assertThat(ep.remoteAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", peer.getLocalPort()));
            assertThat(ep.localAddress().getPort()).isPositive();
            byte[] hello = datagram(1, 300);
            CompletableFuture<Boolean> sent = new CompletableFuture<>();
            ep.executor().execute(() -> sent.complete(ep.send(hello, 0, hello.length)));
            assertThat(sent.get(10, TimeUnit.SECONDS)).isTrue();
            byte[] in = new byte[2048];
            DatagramPacket p = new DatagramPacket(in, in.length);
            peer.receive(p);
            assertThat(Arrays.copyOf(in, p.getLength())).isEqualTo(hello);
            assertThat(p.getPort()).isEqualTo(ep.localAddress().getPort());
            // a stranger's datagram is dropped by the kernel; the peer's, sent after it, arrives
            byte[] noise = datagram(2, 10);
            stranger.send(new DatagramPacket(noise, noise.length, p.getSocketAddress()));
            byte[] reply = datagram(3, 1200);
            peer.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
            Got g = rec.next();
            assertThat(g.payload()).isEqualTo(reply);
            assertThat(g.sender()).isEqualTo("127.0.0.1:" + peer.getLocalPort());
            assertThat(rec.got).isEmpty();
            CompletableFuture<Throwable> unconnectedSend = new CompletableFuture<>();
            ep.executor().execute(() -> {
                try {
                    ep.send(hello, 0, 1, SocketAddressView.of(new InetSocketAddress("::1", 9)));
                    unconnectedSend.complete(null);
                } catch (Throwable t) {
                    unconnectedSend.complete(t);
                }
            });
            assertThat(unconnectedSend.get(10, TimeUnit.SECONDS)).as("an IPv6 address from an IPv4 socket")
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aConnectedEndpointHearsThatNobodyListens() throws Exception {
        int port;
        try (DatagramSocket gone = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = gone.getLocalPort();
        }
        Recorder rec = new Recorder();
        DatagramEndpoint ep = IoUringTransport.on(group).connectDatagram("127.0.0.1", port, NetConfig.defaults(), rec);
        endpoints.add(ep);
        byte[] b = new byte[10];
        ep.executor().execute(() -> ep.send(b, 0, b.length));
        Integer error = rec.errors.poll(RECEIVE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        assertThat(error).as("the ICMP port unreachable, as -ECONNREFUSED").isEqualTo(-111);
        assertThat(ep.isOpen()).isTrue();
        // receiving went on after the error: a datagram from that port arrives
        try (DatagramSocket back = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
            back.send(new DatagramPacket(b, b.length, ep.localAddress()));
            assertThat(rec.next().payload()).isEqualTo(b);
        }
    }

    @Test
    void sendsAreRefusedWhileEverySendBufferIsInFlightAndOnWritableFollows() throws Exception {
        CountDownLatch writable = new CountDownLatch(1);
        DatagramHandler h = new DatagramHandler() {
            @Override
            public void onDatagram(DatagramEndpoint ep, MemorySegment buffer, long offset, int length,
                                   SocketAddressView sender, int datagramLength) {
            }

            @Override
            public void onWritable(DatagramEndpoint ep) {
                writable.countDown();
            }
        };
        DatagramEndpoint ep = bind("127.0.0.1", NetConfig.defaults().withSend(Tier.SMALL, 1, 2), h);
        try (DatagramSocket c = client("127.0.0.1")) {
            SocketAddressView to = SocketAddressView.of((InetSocketAddress) c.getLocalSocketAddress());
            byte[] b = datagram(5, 100);
            CompletableFuture<List<Boolean>> results = new CompletableFuture<>();
            ep.executor().execute(() -> {
                // in one task: no completion can come in between
                results.complete(List.of(ep.send(b, 0, b.length, to), ep.send(b, 0, b.length, to),
                        ep.send(b, 0, b.length, to)));
            });
            assertThat(results.get(10, TimeUnit.SECONDS)).containsExactly(true, true, false);
            assertThat(writable.await(10, TimeUnit.SECONDS)).as("onWritable").isTrue();
            byte[] in = new byte[200];
            for (int i = 0; i < 2; i++) {
                DatagramPacket p = new DatagramPacket(in, in.length);
                c.receive(p);
                assertThat(Arrays.copyOf(in, p.getLength())).isEqualTo(b);
            }
            CompletableFuture<Throwable> tooLong = new CompletableFuture<>();
            ep.executor().execute(() -> {
                try {
                    ep.send(new byte[ep.maxSendLength() + 1], 0, ep.maxSendLength() + 1, to);
                    tooLong.complete(null);
                } catch (Throwable t) {
                    tooLong.complete(t);
                }
            });
            assertThat(tooLong.get(10, TimeUnit.SECONDS)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> ep.send(new byte[1], 0, 1, SocketAddressView.ipv4(0x7F000001, 9)))
                .as("off the loop thread").isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closingFromTheHandlerAndShuttingTheLoopDownReleaseEverything() throws Exception {
        CompletableFuture<Integer> closed = new CompletableFuture<>();
        DatagramHandler closesOnFirst = new DatagramHandler() {
            @Override
            public void onDatagram(DatagramEndpoint ep, MemorySegment buffer, long offset, int length,
                                   SocketAddressView sender, int datagramLength) {
                ep.send(buffer, offset, length, sender); // in flight while closing
                ep.close();
            }

            @Override
            public void onClose(DatagramEndpoint ep, int reason) {
                if (!closed.complete(reason)) {
                    throw new AssertionError("onClose twice");
                }
            }
        };
        DatagramEndpoint first = bind("127.0.0.1", NetConfig.defaults().withZeroCopyThreshold(1), closesOnFirst);
        Echo echo = new Echo();
        DatagramEndpoint second = bind("0.0.0.0", NetConfig.defaults(), echo);
        try (DatagramSocket c = client("127.0.0.1")) {
            byte[] b = datagram(1, 64);
            c.send(new DatagramPacket(b, b.length, first.localAddress()));
            DatagramPacket p = new DatagramPacket(new byte[128], 128);
            c.receive(p);
            assertThat(p.getLength()).isEqualTo(64);
        }
        assertThat(closed.get(10, TimeUnit.SECONDS)).as("close reason").isZero(); // after the zero-copy send's notification
        assertThat(first.isOpen()).isFalse();
        assertPoolsFull(first);
        first.close(); // again, from another thread: nothing to do

        group.shutdown();
        assertThat(echo.closed.get(10, TimeUnit.SECONDS)).isEqualTo(DatagramEndpoint.REASON_SHUTDOWN);
        assertThat(group.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertPoolsFull(second);
        assertThat(second.isOpen()).isFalse();
    }

    @Test
    void bindingATakenPortNamesTheCall() throws Exception {
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            assertThatThrownBy(() -> IoUringTransport.on(group).bindDatagram("127.0.0.1", taken.getLocalPort(),
                    NetConfig.defaults(), new Recorder()))
                    .isInstanceOf(IOException.class).hasMessageContaining("bind(127.0.0.1:" + taken.getLocalPort() + ")")
                    .hasMessageContaining("EADDRINUSE");
        }
    }
}
