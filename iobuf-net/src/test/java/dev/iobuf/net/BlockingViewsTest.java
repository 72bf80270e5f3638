package dev.iobuf.net;

import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.uring.reactor.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stream and channel views of a {@link BlockingConnection}, on the io_uring transport against
 * real sockets: JDK readers and writers on the server side, plain {@link Socket}s as clients.
 */
@Timeout(60)
class BlockingViewsTest {
    private EventLoopGroup group;
    private Server server;

    @BeforeEach
    void loops() {
        group = EventLoopGroup.start("views", 2, 1024);
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

    /** Serves with {@code body}; the first connection's outcome (what it saw, or its failure) in the future. */
    private CompletableFuture<List<String>> serve(Body body) throws IOException {
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

    /** A line server written as for a Socket: "UPPER text" answers TEXT, "QUIT" answers BYE and closes. */
    private static void upperServer(BlockingConnection c) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(c.inputStream(), UTF_8));
        PrintWriter out = new PrintWriter(new OutputStreamWriter(c.outputStream(), UTF_8), true);
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals("QUIT")) {
                out.println("BYE");
                out.close(); // flushes, then closes the connection: BYE is sent before the FIN
                return;
            } else if (line.startsWith("UPPER ")) {
                out.println(line.substring("UPPER ".length()).toUpperCase(Locale.ROOT));
            } else {
                out.println("ERR " + line);
            }
        }
    }

    @Test
    void aLineProtocolThroughBufferedReaderAndPrintWriterServesPlainSocketClients() throws Exception {
        server = IoUringTransport.on(group).serveBlocking("127.0.0.1", 0, NetConfig.defaults(),
                BlockingViewsTest::upperServer);
        int clients = 20;
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int k = 0; k < clients; k++) {
            long seed = k;
            threads.add(Thread.ofVirtual().start(() -> {
                try {
                    upperClient(server.port(), seed);
                } catch (Throwable t) {
                    errors.add(t);
                }
            }));
        }
        for (Thread t : threads) {
            assertThat(t.join(java.time.Duration.ofSeconds(50))).as("client finished").isTrue();
        }
        assertThat(errors).as("client errors").isEmpty();
    }

    private static void upperClient(int port, long seed) throws Exception {
        try (Socket s = connect(port)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), UTF_8));
            PrintWriter out = new PrintWriter(new OutputStreamWriter(s.getOutputStream(), UTF_8), true);
            out.println("UPPER hello");
            assertThat(in.readLine()).isEqualTo("HELLO");
            out.println("UPPER grüße, κόσμε"); // multi-byte characters, maybe split between reads
            assertThat(in.readLine()).isEqualTo("GRÜSSE, ΚΌΣΜΕ");
            out.println("NOPE");
            assertThat(in.readLine()).isEqualTo("ERR NOPE");
            // a line longer than the readers' buffers
            SplittableRandom r = new SplittableRandom(seed);
            StringBuilder longLine = new StringBuilder();
            for (int i = 0; i < 20_000; i++) {
                longLine.append((char) ('a' + r.nextInt(26)));
            }
            out.println("UPPER " + longLine);
            assertThat(in.readLine()).isEqualTo(longLine.toString().toUpperCase(Locale.ROOT));
            // pipelined: many requests in flight, answers read concurrently and in order
            int lines = 2000;
            Thread writer = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < lines; i++) {
                    out.println("UPPER line " + i + " of client " + seed);
                }
            });
            for (int i = 0; i < lines; i++) {
                assertThat(in.readLine()).isEqualTo("LINE " + i + " OF CLIENT " + seed);
            }
            writer.join();
            assertThat(out.checkError()).as("client write failed").isFalse();
            out.println("QUIT");
            assertThat(in.readLine()).isEqualTo("BYE");
            assertThat(in.readLine()).as("end of stream after BYE").isNull();
        }
    }

    @Test
    void scatteringReadsAndGatheringWritesOfHeapAndDirectBuffersEchoEveryByte() throws Exception {
        CompletableFuture<List<String>> outcome = serve((c, seen) -> {
            ConnectionChannel ch = c.channel();
            ByteBuffer[] bufs = {
                    ByteBuffer.allocate(7),
                    ByteBuffer.allocateDirect(13),
                    ByteBuffer.wrap(new byte[4099]).position(3).slice(), // a heap buffer whose array offset is 3
                    ByteBuffer.allocateDirect(65536),
            };
            long echoed = 0;
            int rounds = 0;
            boolean eof = false;
            while (!eof) {
                for (ByteBuffer b : bufs) {
                    b.clear();
                }
                long got = 0;
                while (bufs[bufs.length - 1].hasRemaining()) { // fill every buffer, the client sends until EOF
                    int[] before = positions(bufs);
                    long n = ch.read(bufs);
                    if (n < 0) {
                        eof = true;
                        break;
                    }
                    long advanced = 0;
                    for (int i = 0; i < bufs.length; i++) {
                        advanced += bufs[i].position() - before[i];
                    }
                    check(advanced == n, "read " + n + " but the positions advanced by " + advanced);
                    got += n;
                }
                for (ByteBuffer b : bufs) {
                    b.flip();
                }
                // read-only views as well: a read-only heap buffer has no array, a read-only direct one is direct
                ByteBuffer[] out = {bufs[0].asReadOnlyBuffer(), bufs[1], bufs[2], bufs[3].asReadOnlyBuffer()};
                long w = ch.write(out);
                check(w == got, "wrote " + w + " of " + got);
                for (ByteBuffer b : out) {
                    check(!b.hasRemaining(), "a gathered buffer kept " + b.remaining() + " bytes");
                }
                echoed += w;
                rounds++;
            }
            seen.add("echoed " + echoed);
            seen.add("more than one round: " + (rounds > 1));
            for (ByteBuffer b : bufs) {
                b.clear();
            }
            seen.add("read after EOF: " + ch.read(bufs) + " " + ch.read(ByteBuffer.allocateDirect(8)));
            seen.add("open: " + ch.isOpen());
        });
        int n = 1 << 20;
        byte[] sent = new byte[n];
        new SplittableRandom(42).nextBytes(sent);
        try (Socket s = connect(server.port())) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    OutputStream os = s.getOutputStream();
                    SplittableRandom r = new SplittableRandom(7);
                    for (int off = 0; off < n; ) {
                        int len = Math.min(n - off, 1 + r.nextInt(30_000)); // odd sizes: buffers end mid-write
                        os.write(sent, off, len);
                        off += len;
                    }
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] got = s.getInputStream().readAllBytes(); // until the server's FIN
            writer.join();
            assertThat(got.length).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                if (got[i] != sent[i]) {
                    throw new AssertionError("byte " + i + " differs: sent " + sent[i] + ", got " + got[i]);
                }
            }
        }
        assertThat(outcome.get(20, TimeUnit.SECONDS)).containsExactly(
                "echoed " + n, "more than one round: true", "read after EOF: -1 -1", "open: true");
    }

    private static int[] positions(ByteBuffer[] bufs) {
        int[] p = new int[bufs.length];
        for (int i = 0; i < bufs.length; i++) {
            p[i] = bufs[i].position();
        }
        return p;
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError(what);
        }
    }

    @Test
    void endOfStreamIsMinusOneOnBothViewsAndClosingAViewClosesTheConnection() throws Exception {
        CompletableFuture<List<String>> outcome = serve((c, seen) -> {
            InputStream in = c.inputStream();
            ConnectionChannel ch = c.channel();
            seen.add("first: " + (char) in.read());
            ByteBuffer rest = ByteBuffer.allocate(8);
            while (rest.position() < 2) {
                check(ch.read(rest) > 0, "bytes before EOF");
            }
            seen.add("rest: " + new String(rest.array(), 0, rest.position(), US_ASCII));
            seen.add("stream: " + in.read() + " " + in.read(new byte[8]) + " " + in.read() + " available " + in.available());
            seen.add("channel: " + ch.read(ByteBuffer.allocate(8)) + " " + ch.read(ByteBuffer.allocateDirect(8))
                    + " " + ch.read(new ByteBuffer[] {ByteBuffer.allocate(0), ByteBuffer.allocateDirect(8)}));
            try {
                ch.read(ByteBuffer.allocate(8).asReadOnlyBuffer());
                seen.add("read into a read-only buffer");
            } catch (IllegalArgumentException e) {
                seen.add("read-only refused");
            }
            seen.add("open: " + ch.isOpen() + " " + !c.isClosed());
            OutputStream out = c.outputStream();
            out.write("done".getBytes(US_ASCII)); // the peer half-closed: this direction still works
            out.close(); // closes the connection
            seen.add("after close: " + ch.isOpen() + " " + c.isClosed());
            try {
                ch.read(ByteBuffer.allocate(8));
                seen.add("channel read");
            } catch (ClosedChannelException e) {
                seen.add("channel closed");
            }
            try {
                in.read();
                seen.add("stream read");
            } catch (IOException e) {
                seen.add("stream closed");
            }
        });
        try (Socket s = connect(server.port())) {
            s.getOutputStream().write("abc".getBytes(US_ASCII));
            s.shutdownOutput();
            assertThat(new String(s.getInputStream().readAllBytes(), US_ASCII)).isEqualTo("done");
        }
        assertThat(outcome.get(20, TimeUnit.SECONDS)).containsExactly(
                "first: a", "rest: bc", "stream: -1 -1 -1 available 0", "channel: -1 -1 -1", "read-only refused",
                "open: true true", "after close: false true", "channel closed", "stream closed");
    }

    @Test
    void transferToEchoesFourMebibytesThroughTheStreams() throws Exception {
        CompletableFuture<List<String>> outcome = serve((c, seen) -> {
            try (InputStream in = c.inputStream(); OutputStream out = c.outputStream()) {
                seen.add("transferred " + in.transferTo(out));
            }
        });
        int n = 4 << 20;
        byte[] sent = new byte[n];
        new SplittableRandom(4).nextBytes(sent);
        try (Socket s = connect(server.port())) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    s.getOutputStream().write(sent);
                    s.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] got = s.getInputStream().readAllBytes();
            writer.join();
            assertThat(got.length).isEqualTo(n);
            assertThat(java.util.Arrays.mismatch(got, sent)).as("first differing byte").isEqualTo(-1);
        }
        assertThat(outcome.get(20, TimeUnit.SECONDS)).containsExactly("transferred " + n);
    }
}
