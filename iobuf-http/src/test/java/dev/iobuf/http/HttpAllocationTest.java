package dev.iobuf.http;

import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.net.NetConfig;
import dev.iobuf.net.Server;
import dev.iobuf.uring.reactor.EventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.iobuf.testing.LoopAllocation.CLEAN_BYTES;
import static dev.iobuf.testing.LoopAllocation.cleanestWindow;
import static dev.iobuf.testing.LoopAllocation.loopThreadId;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP server's steady state allocates nothing per request on its loop thread: pipelined
 * requests, measured with the loop thread's allocation counter over windows of thousands of
 * requests (see {@code LoopAllocation}).
 */
@Timeout(90)
class HttpAllocationTest {
    @Test
    void httpAllocatesNothingPerRequest() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.start("alloc", 1, 256)) {
            HttpHelloHandler handler = new HttpHelloHandler(8192, 1 << 20, Duration.ofSeconds(10));
            Server server = IoUringTransport.on(group).serve("127.0.0.1", 0, NetConfig.defaults(), () -> handler);
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
