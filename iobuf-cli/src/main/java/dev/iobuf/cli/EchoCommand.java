package dev.iobuf.cli;

import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.net.Connection;
import dev.iobuf.net.DatagramEndpoint;
import dev.iobuf.net.DatagramHandler;
import dev.iobuf.net.NetConfig;
import dev.iobuf.net.ConnectionHandler;
import dev.iobuf.net.Server;
import dev.iobuf.net.SocketAddressView;
import dev.iobuf.pool.PoolStats;
import dev.iobuf.uring.reactor.EventLoopGroup;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/** {@code iobuf serve echo [--udp]}: the io_uring echo server, TCP or UDP, until SIGINT/SIGTERM. */
final class EchoCommand {
    /** Writes back what arrives; bytes the send queue refuses stay with the connection until it drains. One for all connections. */
    static final ConnectionHandler ECHO = new ConnectionHandler() {
        @Override
        public int onData(Connection c, MemorySegment buffer, long offset, int length) {
            return Math.max(0, c.writeReceived(offset, length)); // sent from the receive buffer, no copy
        }
    };

    /** UDP echo: each datagram back to its sender; one whose send is refused (every send buffer out) is dropped and counted. */
    static final class UdpEcho implements DatagramHandler {
        final AtomicLong echoed = new AtomicLong();
        final AtomicLong dropped = new AtomicLong();

        @Override
        public void onDatagram(DatagramEndpoint ep, MemorySegment buffer, long offset, int length,
                               SocketAddressView sender, int datagramLength) {
            if (datagramLength > length || !ep.send(buffer, offset, length, sender)) {
                dropped.incrementAndGet(); // a cut datagram is not echoed: the client would take it for corruption
            } else {
                echoed.incrementAndGet();
            }
        }
    }

    private EchoCommand() {
    }

    static int run(Options o) throws IOException, InterruptedException {
        if (o.flag("udp")) {
            return runUdp(o);
        }
        String host = o.string("host", "127.0.0.1");
        int port = o.integer("port", 7007);
        int loops = o.integer("loops", Runtime.getRuntime().availableProcessors());
        EventLoopGroup group = EventLoopGroup.start("echo", loops, o.integer("ring", 1024));
        Server server;
        try {
            // A client that sends but never reads stalls its connection, which holds the receive
            // buffers it already took until something closes it: the idle time-out does.
            NetConfig config = NetConfig.defaults().withIdleTimeout(Duration.ofSeconds(o.integer("idle-seconds", 60)));
            int receiveBuffers = o.integer("receive-buffers", config.receiveBuffers());
            config = config.withReceive(config.receiveTier(), receiveBuffers);
            String unix = o.string("unix", null);
            server = unix != null
                    ? IoUringTransport.on(group).serve(java.net.UnixDomainSocketAddress.of(unix), config, () -> ECHO)
                    : IoUringTransport.on(group).serve(host, port, config, () -> ECHO);
        } catch (IOException | RuntimeException e) {
            group.close();
            throw e;
        }
        System.out.printf("iobuf echo server on %s, %d event loop(s), idle time-out %d s; Ctrl-C to stop%n",
                server.localAddress(), loops, server.config().idleTimeout().toSeconds());
        runUntilSignal(group, server, "echo");
        return 0;
    }

    /** {@code serve echo --udp}: one datagram endpoint on one event loop. */
    private static int runUdp(Options o) throws IOException, InterruptedException {
        String host = o.string("host", "127.0.0.1");
        int port = o.integer("port", 7007);
        EventLoopGroup group = EventLoopGroup.start("udp-echo", 1, o.integer("ring", 1024));
        UdpEcho echo = new UdpEcho();
        DatagramEndpoint endpoint;
        try {
            NetConfig config = NetConfig.defaults();
            // 32 KiB buffers: datagrams up to 32 KiB less the receive header arrive whole
            int sendBuffers = o.integer("send-buffers", 256);
            config = config.withReceive(dev.iobuf.pool.Tier.BIG, o.integer("receive-buffers", 256))
                    .withSend(dev.iobuf.pool.Tier.BIG, sendBuffers, sendBuffers);
            endpoint = IoUringTransport.on(group).bindDatagram(host, port, config, echo);
        } catch (IOException | RuntimeException e) {
            group.close();
            throw e;
        }
        System.out.printf("iobuf UDP echo server on %s, datagrams up to %d bytes; Ctrl-C to stop%n",
                SocketAddressView.of(endpoint.localAddress()), endpoint.maxReceiveLength());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            System.out.println();
            System.out.println("stopping the UDP echo server: " + echo.echoed.get() + " datagram(s) echoed, "
                    + echo.dropped.get() + " dropped");
            endpoint.close();
            group.close();
            printPools(endpoint.poolStats());
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    /** Blocks until SIGINT/SIGTERM; the shutdown hook closes the server and its loops and prints the pools. */
    static void runUntilSignal(EventLoopGroup group, Server server, String what) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().unstarted(() -> {
            System.out.println();
            System.out.println("stopping the " + what + " server: " + server.openConnections() + " connection(s) open, "
                    + server.accepted() + " accepted in all");
            server.close();
            group.close();
            printPools(server.poolStats());
            stopped.countDown();
        }));
        stopped.await();
    }

    static boolean printPools(List<PoolStats> stats) {
        boolean full = true;
        for (int i = 0; i < stats.size(); i++) {
            PoolStats p = stats.get(i);
            System.out.printf("  loop %d %-7s pool: %s%n", i / 2, i % 2 == 0 ? "receive" : "send", p);
            full &= p.available() == p.capacity();
        }
        System.out.println("every buffer back in its pool: " + (full ? "yes" : "NO"));
        return full;
    }
}
