package dev.iobuf.net;

import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.uring.reactor.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.ConnectException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Clients of the network API: both styles, IPv4, IPv6 and Unix-domain sockets, clear failures. */
class ClientTest {
    static EventLoopGroup group;
    static Transport transport;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        group = EventLoopGroup.start("client", 2, 1024);
        transport = IoUringTransport.on(group);
    }

    @AfterAll
    static void stop() {
        group.close();
    }

    /** A blocking client round trip of 256 KiB in random pieces, every byte checked. */
    static void roundTrip(BlockingConnection c) throws IOException {
        byte[] out = new byte[256 * 1024];
        new Random(5).nextBytes(out);
        byte[] in = new byte[out.length];
        int sent = 0;
        int got = 0;
        while (got < out.length) {
            if (sent < out.length) {
                int n = Math.min(out.length - sent, 1 + (sent * 7919) % 20000);
                c.write(out, sent, n);
                sent += n;
            }
            while (got < sent) {
                int r = c.read(in, got, sent - got);
                assertThat(r).isPositive();
                got += r;
            }
        }
        assertThat(in).isEqualTo(out);
    }

    void echoOver(SocketAddress bind) throws Exception {
        try (Server server = transport.serve(bind, NetConfig.defaults(), () -> EchoServers.ECHO)) {
            SocketAddress where = server.localAddress();
            try (BlockingConnection c = transport.connectBlocking(where, NetConfig.defaults(), Duration.ofSeconds(5))) {
                roundTrip(c);
            }
            // and a callback-style client, watching its own addresses
            CompletableFuture<String> echoed = new CompletableFuture<>();
            List<SocketAddress> addresses = new ArrayList<>();
            ConnectionHandler client = new ConnectionHandler() {
                final StringBuilder got = new StringBuilder();

                @Override
                public void onOpen(Connection c) {
                    addresses.add(c.localAddress());
                    addresses.add(c.remoteAddress());
                    byte[] hello = "hello".getBytes();
                    c.write(hello, 0, hello.length);
                }

                @Override
                public int onData(Connection c, MemorySegment buffer, long offset, int length) {
                    got.append(new String(buffer.asSlice(offset, length).toArray(ValueLayout.JAVA_BYTE)));
                    if (got.length() == 5) {
                        echoed.complete(got.toString());
                        c.close();
                    }
                    return length;
                }
            };
            Connection c = transport.connect(where, NetConfig.defaults(), client, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
            assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo("hello");
            assertThat(addresses.get(1)).isEqualTo(where);
            assertThat(addresses.get(0).getClass()).isEqualTo(where.getClass());
            assertThat(c).isNotNull();
        }
    }

    @Test
    void ipv4() throws Exception {
        echoOver(new InetSocketAddress("127.0.0.1", 0));
    }

    @Test
    void ipv6() throws Exception {
        InetAddress lo6 = InetAddress.getByName("::1");
        assumeTrue(NetworkInterface.getByInetAddress(lo6) != null, "this machine has no IPv6 loopback (::1)");
        echoOver(new InetSocketAddress(lo6, 0));
    }

    @Test
    void anIpv6WildcardServerTakesIpv4Clients() throws Exception {
        assumeTrue(NetworkInterface.getByInetAddress(InetAddress.getByName("::1")) != null, "no IPv6 loopback");
        try (Server server = transport.serve(new InetSocketAddress(InetAddress.getByName("::"), 0), NetConfig.defaults(),
                () -> EchoServers.ECHO);
             BlockingConnection c = transport.connectBlocking(new InetSocketAddress("127.0.0.1", server.port()),
                     NetConfig.defaults(), Duration.ofSeconds(5))) {
            assertThat(((InetSocketAddress) server.localAddress()).getAddress()).isInstanceOf(Inet6Address.class);
            roundTrip(c);
        }
    }

    @Test
    void unixDomainSockets() throws Exception {
        echoOver(UnixDomainSocketAddress.of(dir.resolve("echo.sock")));
    }

    @Test
    void aHostNameIsResolvedOffTheLoop() throws Exception {
        try (Server server = transport.serve(new InetSocketAddress("127.0.0.1", 0), NetConfig.defaults(), () -> EchoServers.ECHO);
             BlockingConnection c = transport.connectBlocking(InetSocketAddress.createUnresolved("localhost", server.port()),
                     NetConfig.defaults(), Duration.ofSeconds(5))) {
            roundTrip(c);
        }
        assertThatThrownBy(() -> transport.connectBlocking(InetSocketAddress.createUnresolved("no-such-host.invalid", 80),
                NetConfig.defaults(), Duration.ofSeconds(5)))
                .isInstanceOf(java.net.UnknownHostException.class).hasMessageContaining("no-such-host.invalid");
    }

    @Test
    void aClosedPortIsRefusedClearly() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        InetSocketAddress closed = new InetSocketAddress("127.0.0.1", port);
        assertThatThrownBy(() -> transport.connectBlocking(closed, NetConfig.defaults(), Duration.ofSeconds(5)))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("127.0.0.1:" + port).hasMessageContaining("ECONNREFUSED");
        assertThatThrownBy(() -> transport.connect(UnixDomainSocketAddress.of(dir.resolve("nobody.sock")), NetConfig.defaults(),
                EchoServers.ECHO, Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ConnectException.class)
                .hasMessageContaining("nobody.sock");
    }

    @Test
    void aConnectThatHangsTimesOut() throws Exception {
        // a listener that never accepts, its queue full: further SYNs are dropped, the connect hangs
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Socket f = new Socket();
                    try {
                        f.connect(s.getLocalSocketAddress(), 200);
                        fillers.add(f);
                    } catch (SocketTimeoutException full) {
                        f.close();
                        break;
                    }
                }
                assumeTrue(fillers.size() < 8, "the kernel kept accepting SYNs into a full queue");
                assertThatThrownBy(() -> transport.connectBlocking(s.getLocalSocketAddress(), NetConfig.defaults(),
                        Duration.ofMillis(300)))
                        .isInstanceOf(SocketTimeoutException.class).hasMessageContaining("timed out after 300 ms");
            } finally {
                for (Socket f : fillers) {
                    f.close();
                }
            }
        }
    }

    @Test
    void socketOptionsPerConnection() throws Exception {
        CompletableFuture<List<Object>> seen = new CompletableFuture<>();
        ConnectionHandler h = new ConnectionHandler() {
            @Override
            public void onOpen(Connection c) {
                try {
                    c.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                    c.setOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE, 42);
                    c.setOption(StandardSocketOptions.SO_LINGER, 0);
                    c.setOption(StandardSocketOptions.TCP_NODELAY, false);
                    seen.complete(List.of(c.getOption(StandardSocketOptions.SO_KEEPALIVE),
                            c.getOption(jdk.net.ExtendedSocketOptions.TCP_KEEPIDLE),
                            c.getOption(StandardSocketOptions.SO_LINGER),
                            c.getOption(StandardSocketOptions.TCP_NODELAY)));
                    c.setOption(StandardSocketOptions.IP_TOS, 1);
                } catch (UnsupportedOperationException expected) {
                    c.close();
                } catch (IOException e) {
                    seen.completeExceptionally(e);
                }
            }

            @Override
            public int onData(Connection c, MemorySegment buffer, long offset, int length) {
                return length;
            }
        };
        try (Server server = transport.serve(new InetSocketAddress("127.0.0.1", 0), NetConfig.defaults(), () -> h);
             Socket s = new Socket("127.0.0.1", server.port())) {
            assertThat(seen.get(10, TimeUnit.SECONDS)).containsExactly(true, 42, 0, false);
        }
    }

    @Test
    void optionsFromTheConfigAndTheConnectionLimit() throws Exception {
        NetConfig config = NetConfig.defaults()
                .withOption(StandardSocketOptions.SO_KEEPALIVE, true)
                .withOption(StandardSocketOptions.SO_RCVBUF, 64 * 1024)
                .withMaxConnections(2);
        assertThatThrownBy(() -> NetConfig.defaults().withOption(StandardSocketOptions.IP_TOS, 1))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> NetConfig.defaults().withOption(StandardSocketOptions.SO_LINGER, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("loop thread");
        List<Connection> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
        List<Object> keepAlive = new java.util.concurrent.CopyOnWriteArrayList<>();
        ConnectionHandler h = new ConnectionHandler() {
            @Override
            public void onOpen(Connection c) {
                accepted.add(c);
                try {
                    keepAlive.add(c.getOption(StandardSocketOptions.SO_KEEPALIVE));
                } catch (IOException e) {
                    keepAlive.add(e);
                }
            }

            @Override
            public int onData(Connection c, MemorySegment buffer, long offset, int length) {
                c.write(buffer, offset, length);
                return length;
            }
        };
        try (Server server = transport.serve(new InetSocketAddress("127.0.0.1", 0), config, () -> h)) {
            SocketAddress at = server.localAddress();
            BlockingConnection a = transport.connectBlocking(at, NetConfig.defaults(), Duration.ofSeconds(5));
            BlockingConnection b = transport.connectBlocking(at, NetConfig.defaults(), Duration.ofSeconds(5));
            roundTrip(a);
            roundTrip(b);
            // the third completes its handshake in the listen queue but is not accepted yet
            BlockingConnection c = transport.connectBlocking(at, NetConfig.defaults(), Duration.ofSeconds(5));
            c.write(new byte[] {1, 2, 3}, 0, 3);
            Thread.sleep(200);
            assertThat(accepted).hasSize(2);
            a.close();                                    // below the limit: the server accepts again
            byte[] back = new byte[3];
            int n = 0;
            while (n < 3) {
                n += c.read(back, n, 3 - n);
            }
            assertThat(back).containsExactly(1, 2, 3);
            assertThat(accepted).hasSize(3);
            assertThat(keepAlive).containsOnly(true);
            b.close();
            c.close();
        }
    }
}
