package dev.iobuf.cli;

import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.net.Connection;
import dev.iobuf.net.DatagramEndpoint;
import dev.iobuf.net.NetConfig;
import dev.iobuf.net.ConnectionHandler;
import dev.iobuf.net.Server;
import dev.iobuf.pool.Tier;
import dev.iobuf.uring.reactor.EventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/** The commands end to end: demo, load echo against a server, usage errors; and the latency histogram. */
@Timeout(60)
class CliTest {
    record Run(int code, String out) {
    }

    private static synchronized Run capture(Callable<Integer> c) throws Exception {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int code = c.call();
            return new Run(code, buf.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void demoRunsTheEchoServerUnderLoadAndEndsWithFullPools() throws Exception {
        Run r = capture(() -> Main.run(new String[] {"demo", "--seconds", "1", "--conns", "8"}));
        assertThat(r.code()).as(r.out()).isZero();
        assertThat(r.out()).contains("msg/s", "p99.9", "errors", "receive pool", "send    pool",
                "every buffer back in its pool: yes");
    }

    @Test
    void loadEchoChecksEveryByteAgainstARunningServer() throws Exception {
        try (EventLoopGroup g = EventLoopGroup.start("cli", 1, 256)) {
            Server server = IoUringTransport.on(g).serve("127.0.0.1", 0, NetConfig.defaults(), () -> EchoCommand.ECHO);
            try {
                Run r = capture(() -> Main.run(new String[] {"load", "echo", "--port", String.valueOf(server.port()),
                        "--conns", "4", "--size", "70000", "--seconds", "1"}));
                assertThat(r.code()).as(r.out()).isZero();
                assertThat(r.out()).contains("70000").containsPattern("\\s0\\n\\(MiB/s");
            } finally {
                server.close();
            }
        }
    }

    @Test
    void loadEchoReportsAServerThatChangesAByte() throws Exception {
        ConnectionHandler corrupting = new ConnectionHandler() {
            private long seen;

            @Override
            public int onData(Connection c, MemorySegment buffer, long offset, int length) {
                // flip one byte of the 3rd message's last byte, once
                long before = seen;
                seen += length;
                if (before < 3 * 300 && seen >= 3 * 300) {
                    long at = offset + (3 * 300 - 1 - before);
                    buffer.set(ValueLayout.JAVA_BYTE, at, (byte) ~buffer.get(ValueLayout.JAVA_BYTE, at));
                }
                return Math.max(0, c.write(buffer, offset, length));
            }
        };
        try (EventLoopGroup g = EventLoopGroup.start("cli", 1, 256)) {
            Server server = IoUringTransport.on(g).serve("127.0.0.1", 0, NetConfig.defaults(), () -> corrupting);
            try {
                LoadGenerator.Result r = LoadGenerator.run("127.0.0.1", server.port(), 1, 300, 0.5, null);
                assertThat(r.errors()).isEqualTo(1);
                assertThat(r.messages()).isEqualTo(2);
                assertThat(r.firstErrors()).singleElement().asString()
                        .contains("echo differs from what was sent at byte 299 of message 2");
            } finally {
                server.close();
            }
        }
    }

    @Test
    void loadEchoCountsRefusedConnectionsAsErrors() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nobody listens there
        }
        LoadGenerator.Result r = LoadGenerator.run("127.0.0.1", port, 3, 100, 0.2, null);
        assertThat(r.errors()).isEqualTo(3);
        assertThat(r.messages()).isZero();
        assertThat(r.firstErrors()).allSatisfy(e -> assertThat(e).contains("ECONNREFUSED"));
    }

    @Test
    void udpLoadEchoChecksEveryByteAgainstTheUdpEchoServer() throws Exception {
        try (EventLoopGroup g = EventLoopGroup.start("cli-udp", 1, 256)) {
            EchoCommand.UdpEcho echo = new EchoCommand.UdpEcho();
            DatagramEndpoint server = IoUringTransport.on(g).bindDatagram("127.0.0.1", 0,
                    NetConfig.defaults().withSend(Tier.MEDIUM, 64, 64), echo);
            try {
                Run r = capture(() -> Main.run(new String[] {"load", "echo", "--udp", "--port",
                        String.valueOf(server.localAddress().getPort()), "--conns", "4", "--size", "1000", "--seconds", "1"}));
                assertThat(r.code()).as(r.out()).isZero();
                assertThat(r.out()).contains("1000").containsPattern("\\s0\\n\\(MiB/s");
                assertThat(echo.dropped.get()).isZero();
                assertThat(echo.echoed.get()).isPositive();
            } finally {
                server.close();
            }
        }
    }

    @Test
    void udpLoadEchoReportsThatNobodyListens() throws Exception {
        int port;
        try (java.net.DatagramSocket s = new java.net.DatagramSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        LoadGenerator.Result r = UdpLoadGenerator.run("127.0.0.1", port, 2, 100, 0.3, null);
        assertThat(r.errors()).isEqualTo(2);
        assertThat(r.messages()).isZero();
        assertThat(r.firstErrors()).allSatisfy(e -> assertThat(e).contains("ECONNREFUSED"));
    }

    @Test
    void unknownCommandsAndSubcommandsAreUsageErrors() throws Exception {
        assertThat(Main.run(new String[] {"nope"})).isEqualTo(2);
        assertThat(Main.run(new String[] {"serve", "gopher"})).isEqualTo(2);
        assertThat(Main.run(new String[] {"load", "http"})).isEqualTo(2);
        assertThat(Main.USAGE).contains("serve echo", "serve http", "load echo", "demo pools", "bench files");
    }

    @Test
    void histogramQuantilesAreWithinTheirBucketResolution() {
        LatencyHistogram h = new LatencyHistogram();
        for (int i = 1; i <= 100_000; i++) {
            h.record(i * 1000L); // 1 us .. 100 ms
        }
        assertThat(h.count()).isEqualTo(100_000);
        assertThat(h.quantile(0.5)).isBetween(49_000_000L, 51_500_000L);
        assertThat(h.quantile(0.99)).isBetween(98_000_000L, 100_000_000L);
        assertThat(h.quantile(0.999)).isBetween(98_900_000L, 100_000_000L);
        assertThat(h.max()).isEqualTo(100_000_000L);
        assertThat(new LatencyHistogram().quantile(0.5)).isZero();
    }
}
