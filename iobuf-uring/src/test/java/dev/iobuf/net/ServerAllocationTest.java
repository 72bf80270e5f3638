package dev.iobuf.net;

import dev.iobuf.uring.reactor.EventLoop;
import dev.iobuf.uring.reactor.EventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server's steady state allocates nothing per message on its loop thread: echo round trips and
 * pipelined HTTP requests, measured with the loop thread's allocation counter over windows of
 * thousands of messages. Compilation can be late on a busy machine, so windows are measured until
 * one is clean (for at most 15 s); code that allocates per message never produces a clean window.
 */
@Timeout(90)
class ServerAllocationTest {
    private static final long CLEAN_BYTES = 2048;

    private static long loopThreadId(EventLoop loop) throws Exception {
        CompletableFuture<Long> id = new CompletableFuture<>();
        loop.execute(() -> id.complete(Thread.currentThread().threadId()));
        return id.get(10, TimeUnit.SECONDS);
    }

    /** Smallest allocation of the loop thread over a window in which at least {@code perWindow} messages were handled. */
    private static long cleanestWindow(long tid, AtomicLong messages, long perWindow) throws InterruptedException {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        long giveUp = System.nanoTime() + 15_000_000_000L;
        while (best >= CLEAN_BYTES && System.nanoTime() < giveUp) {
            long m0 = messages.get();
            long before = mx.getThreadAllocatedBytes(tid);
            while (messages.get() - m0 < perWindow) {
                Thread.sleep(1);
            }
            best = Math.min(best, mx.getThreadAllocatedBytes(tid) - before);
        }
        return best;
    }

    @Test
    void echoAllocatesNothingPerMessage() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.start("alloc", 1, 256)) {
            TcpServer server = TcpServer.start(group, "127.0.0.1", 0, NetConfig.defaults(), () -> EchoServers.ECHO);
            AtomicLong messages = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            Thread[] clients = new Thread[4];
            for (int c = 0; c < clients.length; c++) {
                clients[c] = Thread.ofPlatform().daemon().start(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
                        s.setTcpNoDelay(true);
                        s.setSoTimeout(10_000);
                        OutputStream out = s.getOutputStream();
                        DataInputStream in = new DataInputStream(s.getInputStream());
                        byte[] msg = new byte[512];
                        byte[] back = new byte[512];
                        while (!stop.get()) {
                            out.write(msg);
                            in.readFully(back);
                            messages.incrementAndGet();
                        }
                    } catch (Exception e) {
                        if (!stop.get()) {
                            throw new RuntimeException(e);
                        }
                    }
                });
            }
            try {
                long best = cleanestWindow(loopThreadId(group.loops().get(0)), messages, 10_000);
                assertThat(best).as("bytes allocated by the loop thread over 10,000 echoed messages").isLessThan(CLEAN_BYTES);
            } finally {
                stop.set(true);
                for (Thread t : clients) {
                    t.join(10_000);
                }
                server.close();
            }
        }
    }

    @Test
    void httpAllocatesNothingPerRequest() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.start("alloc", 1, 256)) {
            HttpHelloHandler handler = new HttpHelloHandler(8192, 1 << 20, Duration.ofSeconds(10));
            TcpServer server = TcpServer.start(group, "127.0.0.1", 0, NetConfig.defaults(), () -> handler);
            AtomicLong requests = new AtomicLong();
            AtomicBoolean stop = new AtomicBoolean();
            byte[] batch = "GET / HTTP/1.1\r\nHost: x\r\n\r\n".repeat(16).getBytes(StandardCharsets.US_ASCII);
            Thread[] clients = new Thread[2];
            for (int c = 0; c < clients.length; c++) {
                clients[c] = Thread.ofPlatform().daemon().start(() -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
                        s.setSoTimeout(10_000);
                        OutputStream out = s.getOutputStream();
                        InputStream in = s.getInputStream();
                        int responseBytes = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nHello, World!".length();
                        byte[] back = new byte[responseBytes * 16];
                        while (!stop.get()) {
                            out.write(batch);
                            new DataInputStream(in).readFully(back);
                            requests.addAndGet(16);
                        }
                    } catch (Exception e) {
                        if (!stop.get()) {
                            throw new RuntimeException(e);
                        }
                    }
                });
            }
            try {
                long best = cleanestWindow(loopThreadId(group.loops().get(0)), requests, 20_000);
                assertThat(best).as("bytes allocated by the loop thread over 20,000 requests").isLessThan(CLEAN_BYTES);
            } finally {
                stop.set(true);
                for (Thread t : clients) {
                    t.join(10_000);
                }
                server.close();
            }
        }
    }
}
