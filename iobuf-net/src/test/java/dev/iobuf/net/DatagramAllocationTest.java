package dev.iobuf.net;

import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.testing.LoopAllocation;
import dev.iobuf.uring.reactor.EventLoopGroup;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.MemorySegment;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A datagram endpoint's steady state allocates nothing per datagram on its loop thread: an echo
 * (receive with the sender's address, send back to it), measured like {@link ServerAllocationTest}
 * over windows of thousands of datagrams until one is clean (at most 15 s).
 */
@Timeout(90)
class DatagramAllocationTest {
    @ParameterizedTest(name = "zero-copy threshold {0}")
    @ValueSource(ints = {0, 256})
    void echoAllocatesNothingPerDatagram(int zeroCopyThreshold) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.start("udp-alloc", 1, 256)) {
            AtomicLong datagrams = new AtomicLong();
            DatagramHandler echo = new DatagramHandler() {
                @Override
                public void onDatagram(DatagramEndpoint ep, MemorySegment buffer, long offset, int length,
                                       SocketAddressView sender, int datagramLength) {
                    ep.send(buffer, offset, length, sender);
                    datagrams.incrementAndGet();
                }
            };
            DatagramEndpoint server = IoUringTransport.on(group).bindDatagram("127.0.0.1", 0,
                    NetConfig.defaults().withZeroCopyThreshold(zeroCopyThreshold), echo);
            AtomicBoolean stop = new AtomicBoolean();
            Thread[] clients = new Thread[4];
            for (int c = 0; c < clients.length; c++) {
                clients[c] = Thread.ofPlatform().daemon().start(() -> {
                    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
                        s.setSoTimeout(10_000);
                        byte[] msg = new byte[512];
                        DatagramPacket out = new DatagramPacket(msg, msg.length, server.localAddress());
                        DatagramPacket back = new DatagramPacket(new byte[512], 512);
                        while (!stop.get()) {
                            s.send(out);
                            s.receive(back); // one outstanding per client: loopback does not lose it
                        }
                    } catch (Exception e) {
                        if (!stop.get()) {
                            throw new RuntimeException(e);
                        }
                    }
                });
            }
            try {
                long best = LoopAllocation.cleanestWindow(LoopAllocation.loopThreadId(group.loops().get(0)), datagrams, 10_000);
                assertThat(best).as("bytes allocated by the loop thread over 10,000 echoed datagrams")
                        .isLessThan(LoopAllocation.CLEAN_BYTES);
                if (zeroCopyThreshold > 0) {
                    assertThat(server.zeroCopySends()).isPositive();
                }
            } finally {
                stop.set(true);
                for (Thread t : clients) {
                    t.join(15_000);
                }
                server.close();
            }
        }
    }
}
