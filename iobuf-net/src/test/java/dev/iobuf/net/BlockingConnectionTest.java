package dev.iobuf.net;

import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.uring.reactor.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Edges of the blocking calls on the io_uring transport: memory the loop cannot touch, interrupts, close. */
@Timeout(60)
class BlockingConnectionTest {
    private EventLoopGroup group;
    private Server server;

    @BeforeEach
    void loops() {
        group = EventLoopGroup.start("blocking", 1, 1024);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        group.close();
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        s.setSoTimeout(20_000);
        return s;
    }

    /** Serves one connection with {@code body}; its outcome (or failure) in the future. */
    private CompletableFuture<List<String>> serveOne(Body body) throws IOException {
        CompletableFuture<List<String>> outcome = new CompletableFuture<>();
        server = IoUringTransport.on(group).serveBlocking("127.0.0.1", 0, NetConfig.defaults(), c -> {
            List<String> seen = new ArrayList<>();
            try {
                body.serve(c, seen);
                outcome.complete(seen);
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        return outcome;
    }

    @FunctionalInterface
    private interface Body {
        void serve(BlockingConnection c, List<String> seen) throws Exception;
    }

    private static String refused(Runnable call) {
        try {
            call.run();
            return "accepted";
        } catch (IllegalArgumentException e) {
            return "refused";
        }
    }

    private static void unchecked(IoCall call) {
        try {
            call.run();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @FunctionalInterface
    private interface IoCall {
        void run() throws IOException;
    }

    @Test
    void segmentsTheLoopCannotTouchAreRefusedOnTheCallersThreadNotLeftWaiting() throws Exception {
        // The loop copies on its own thread: before, a confined or read-only segment made the copy
        // throw inside the loop's handler and the caller waited forever.
        CompletableFuture<List<String>> outcome = serveOne((c, seen) -> {
            try (Arena confined = Arena.ofConfined()) {
                MemorySegment mine = confined.allocate(16);
                seen.add("read confined: " + refused(() -> unchecked(() -> c.read(mine))));
                seen.add("write confined: " + refused(() -> unchecked(() -> c.write(mine))));
            }
            MemorySegment readOnly = MemorySegment.ofArray(new byte[16]).asReadOnly();
            seen.add("read read-only: " + refused(() -> unchecked(() -> c.read(readOnly))));
            MemorySegment closedOne;
            try (Arena shortLived = Arena.ofShared()) {
                closedOne = shortLived.allocate(16);
            }
            seen.add("read closed arena: " + refused(() -> unchecked(() -> c.read(closedOne))));
            try (Arena shared = Arena.ofShared()) {
                MemorySegment ok = shared.allocate(5);
                int n = 0;
                while (n < 5) {
                    n += c.read(ok.asSlice(n));
                }
                c.write(ok); // the connection still works
            }
        });
        try (Socket s = connect(server.port())) {
            s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("hello");
        }
        assertThat(outcome.get(20, TimeUnit.SECONDS)).containsExactly(
                "read confined: refused", "write confined: refused", "read read-only: refused", "read closed arena: refused");
    }

    @Test
    void anInterruptedReaderWaitsForItsBytesAndKeepsTheInterruptStatus() throws Exception {
        CompletableFuture<List<String>> outcome = serveOne((c, seen) -> {
            c.write(new byte[] {'?'}, 0, 1); // ready: the client sends when it sees this
            Thread.currentThread().interrupt();
            byte[] b = new byte[8];
            int n = c.read(b, 0, b.length);
            seen.add(new String(b, 0, n, StandardCharsets.US_ASCII));
            seen.add("interrupted: " + Thread.interrupted());
        });
        try (Socket s = connect(server.port())) {
            assertThat(s.getInputStream().read()).isEqualTo('?');
            s.getOutputStream().write("ok".getBytes(StandardCharsets.US_ASCII));
            assertThat(outcome.get(20, TimeUnit.SECONDS)).containsExactly("ok", "interrupted: true");
        }
    }

    @Test
    void afterCloseTheConnectionIsClosedAtOnceAndCallsFail() throws Exception {
        CompletableFuture<List<String>> outcome = serveOne((c, seen) -> {
            c.write(new byte[] {'!'}, 0, 1);
            c.close(); // the client does not close: the loop lingers, the connection is not gone yet
            seen.add("closed: " + c.isClosed());
            try {
                c.read(new byte[1], 0, 1);
                seen.add("read");
            } catch (IOException e) {
                seen.add("read failed");
            }
            try {
                c.write(new byte[1], 0, 1);
                seen.add("wrote");
            } catch (IOException e) {
                seen.add("write failed");
            }
        });
        try (Socket s = connect(server.port())) {
            InputStream in = s.getInputStream();
            assertThat(in.read()).isEqualTo('!');
            assertThat(in.read()).as("the FIN after what was queued").isEqualTo(-1);
            assertThat(outcome.get(20, TimeUnit.SECONDS)).containsExactly("closed: true", "read failed", "write failed");
        }
    }
}
