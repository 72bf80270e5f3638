package dev.iobuf.cli;

import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.net.Connection;
import dev.iobuf.net.NetConfig;
import dev.iobuf.net.Server;
import dev.iobuf.uring.SetupFlags;
import dev.iobuf.uring.reactor.EventLoop;
import dev.iobuf.uring.reactor.EventLoopGroup;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code iobuf demo}: the io_uring echo server on loopback with pooled, registered buffers, driven
 * by the built-in load generator; throughput, latency percentiles and pool statistics.
 */
final class EchoDemo {
    private EchoDemo() {
    }

    static int run(Options o) throws Exception {
        int cores = Runtime.getRuntime().availableProcessors();
        int loops = o.integer("loops", Math.max(1, cores / 2));
        int conns = o.integer("conns", 64);
        int size = o.integer("size", 512);
        double seconds = o.decimal("seconds", 3);
        System.out.printf("iobuf demo: io_uring echo server (%d event loop(s)) on 127.0.0.1, %d connections x %d-byte messages, %.1f s%n",
                loops, conns, size, seconds);
        try (EventLoopGroup group = EventLoopGroup.start("echo", loops, 1024)) {
            NetConfig config = NetConfig.defaults();
            Server server = IoUringTransport.on(group).serve("127.0.0.1", 0, config, () -> EchoCommand.ECHO);
            EventLoop first = group.loops().get(0);
            CompletableFuture<Integer> flags = new CompletableFuture<>();
            first.execute(() -> flags.complete(first.ringSetupFlags()));
            int f = flags.get(10, TimeUnit.SECONDS);
            System.out.printf("ring: %s%nreceive: multishot recv into a provided-buffer ring (registered with the kernel,"
                            + " IORING_REGISTER_PBUF_RING) of %d x %d B buffers from a pool, per loop%n"
                            + "send: in place from the receive buffers (Connection.writeReceived, no copy), at most %d"
                            + " queued per connection; the %d x %d B send pool per loop serves copying writes only%n",
                    (f & SetupFlags.DEFER_TASKRUN) != 0 ? "SINGLE_ISSUER + DEFER_TASKRUN"
                            : (f & SetupFlags.SINGLE_ISSUER) != 0 ? "SINGLE_ISSUER" : "default flags",
                    config.receiveBuffers(), config.receiveTier().size(), config.sendQueue(), config.sendBuffers(),
                    config.sendTier().size());
            System.out.println();
            LoadGenerator.Result r = LoadGenerator.run("127.0.0.1", server.port(), conns, size, seconds, System.out);
            LoadGenerator.print(r, System.out);
            System.out.println();
            System.out.printf("server: %d connections accepted; closing it%n", server.accepted());
            server.close();
            boolean full = EchoCommand.printPools(server.poolStats());
            return r.errors() == 0 && r.messages() > 0 && full ? 0 : 1;
        }
    }
}
