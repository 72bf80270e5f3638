package dev.iobuf.net;

import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.testing.LoopAllocation;
import dev.iobuf.uring.reactor.EventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server's steady state allocates nothing per message on its loop thread: echo round trips,
 * measured with the loop thread's allocation counter over windows of
 * thousands of messages. Compilation can be late on a busy machine, so windows are measured until
 * one is clean (for at most 15 s); code that allocates per message never produces a clean window.
 */
@Timeout(90)
class ServerAllocationTest {
    @Test
    void echoAllocatesNothingPerMessage() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.start("alloc", 1, 256)) {
            Server server = IoUringTransport.on(group).serve("127.0.0.1", 0, NetConfig.defaults(), () -> EchoServers.ECHO);
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
                long best = LoopAllocation.cleanestWindow(LoopAllocation.loopThreadId(group.loops().get(0)), messages, 10_000);
                assertThat(best).as("bytes allocated by the loop thread over 10,000 echoed messages").isLessThan(LoopAllocation.CLEAN_BYTES);
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
