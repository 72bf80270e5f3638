package dev.iobuf.http;

import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.net.NetConfig;
import dev.iobuf.net.Server;
import dev.iobuf.pool.PoolStats;
import dev.iobuf.uring.reactor.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The HTTP/1.1 handler over real sockets: keep-alive, pipelining, every error answer, time-outs,
 * curl; every test in both styles, callbacks on the loops and one virtual thread per connection.
 */
@Timeout(60)
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"callbacks", "virtual-threads"})
class HttpTest {
    @Parameter
    String style;

    private EventLoopGroup group;
    private Server server;

    @BeforeEach
    void start() throws IOException {
        group = EventLoopGroup.start("http", 2, 1024);
        NetConfig config = NetConfig.defaults().withIdleTimeout(Duration.ofSeconds(30));
        HttpHelloHandler handler = new HttpHelloHandler(HttpHelloHandler.DEFAULT_MAX_HEADER_BYTES, 1 << 20, Duration.ofMillis(500));
        server = switch (style) {
            case "callbacks" -> IoUringTransport.on(group).serve("127.0.0.1", 0, config, () -> handler);
            case "virtual-threads" -> IoUringTransport.on(group).serveBlocking("127.0.0.1", 0, config, handler::serve);
            default -> throw new IllegalArgumentException(style);
        };
    }

    @AfterEach
    void stop() {
        server.close();
        for (PoolStats p : server.poolStats()) {
            assertThat(p.available()).as("pool %s", p).isEqualTo(p.capacity());
        }
        group.close();
    }

    record Response(int status, String headers, String body) {
        boolean closes() {
            return headers.toLowerCase(Locale.ROOT).contains("connection: close");
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
        s.setSoTimeout(20_000);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        OutputStream o = s.getOutputStream();
        o.write(text.getBytes(StandardCharsets.ISO_8859_1));
        o.flush();
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                break;
            }
            b.write(c);
        }
        if (c == -1 && b.size() == 0) {
            return null;
        }
        String s = b.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    /** Reads one response; null at end of stream. */
    static Response read(InputStream in) throws IOException {
        String status = line(in);
        if (status == null) {
            return null;
        }
        assertThat(status).startsWith("HTTP/1.1 ");
        StringBuilder headers = new StringBuilder();
        int length = 0;
        String h;
        while ((h = line(in)) != null && !h.isEmpty()) {
            headers.append(h).append('\n');
            if (h.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(h.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return new Response(Integer.parseInt(status.substring(9, 12)), headers.toString(),
                new String(body, StandardCharsets.ISO_8859_1));
    }

    private static final String GET = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

    @Test
    void getRootAnswersHelloAndKeepsTheConnection() throws IOException {
        try (Socket s = connect()) {
            for (int i = 0; i < 3; i++) {
                send(s, GET);
                Response r = read(s.getInputStream());
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.body()).isEqualTo("Hello, World!");
                assertThat(r.closes()).isFalse();
            }
        }
    }

    @Test
    void unknownPathIs404AndTheConnectionStaysUsable() throws IOException {
        try (Socket s = connect()) {
            send(s, "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(read(s.getInputStream()).status()).isEqualTo(404);
            send(s, GET);
            assertThat(read(s.getInputStream()).status()).isEqualTo(200);
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws IOException {
        StringBuilder all = new StringBuilder();
        int n = 200;
        for (int i = 0; i < n; i++) {
            all.append(i % 3 == 0 ? "GET /x" + i + " HTTP/1.1\r\nHost: x\r\n\r\n" : GET);
        }
        try (Socket s = connect()) {
            send(s, all.toString());
            InputStream in = s.getInputStream();
            for (int i = 0; i < n; i++) {
                Response r = read(in);
                assertThat(r.status()).as("response %d", i).isEqualTo(i % 3 == 0 ? 404 : 200);
            }
        }
    }

    @Test
    void aRequestArrivingByteByByteIsParsed() throws Exception {
        try (Socket s = connect()) {
            s.setTcpNoDelay(true);
            for (byte b : GET.getBytes(StandardCharsets.US_ASCII)) {
                s.getOutputStream().write(b);
                s.getOutputStream().flush();
            }
            assertThat(read(s.getInputStream()).body()).isEqualTo("Hello, World!");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "GET\r\n\r\n",
            "GET / \r\nHost: x\r\n\r\n",
            "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
            "GET noslash HTTP/1.1\r\nHost: x\r\n\r\n",
            " GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost x\r\n\r\n",
            "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: x\u0001y\r\n\r\n",
            "GET / HTTP/1.1\nHost: x\n\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", // RFC 9112 3.2: two Host lines
    })
    void malformedRequestsGet400AndTheConnectionIsClosed(String request) throws IOException {
        try (Socket s = connect()) {
            send(s, request);
            InputStream in = s.getInputStream();
            Response r = read(in);
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.closes()).isTrue();
            assertThat(in.read()).isEqualTo(-1);
        }
    }

    @Test
    void headersOver8KiBGet431() throws IOException {
        try (Socket s = connect()) {
            send(s, "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(9000) + "\r\n\r\n");
            Response r = read(s.getInputStream());
            assertThat(r.status()).isEqualTo(431);
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void bodiesOverTheLimitGet413() throws IOException {
        try (Socket s = connect()) {
            send(s, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + (2 << 20) + "\r\n\r\n");
            assertThat(read(s.getInputStream()).status()).isEqualTo(413);
        }
    }

    @Test
    void a413IsReadEvenWhileTheBodyIsStillArriving() throws Exception {
        // The server answers before the body is in and closes. Closing a socket with unread bytes
        // makes the kernel answer with a reset, which can destroy the 413 before the client read
        // it (RFC 9112, 9.6); so the server lingers: it sends FIN, then reads and discards until the
        // client's FIN. Seen from the client: the whole body can be written, then a clean EOF.
        for (int i = 0; i < 3; i++) {
            try (Socket s = connect()) {
                send(s, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + (64 << 20) + "\r\n\r\n");
                java.util.concurrent.atomic.AtomicReference<String> writeFailure = new java.util.concurrent.atomic.AtomicReference<>();
                Thread body = Thread.ofVirtual().start(() -> {
                    byte[] chunk = new byte[64 * 1024];
                    try {
                        for (int k = 0; k < 1024; k++) {
                            s.getOutputStream().write(chunk);
                        }
                    } catch (IOException e) {
                        writeFailure.set(e.toString());
                    }
                });
                assertThat(read(s.getInputStream()).status()).isEqualTo(413);
                body.join(20_000);
                assertThat(writeFailure.get()).as("the server stopped reading the body").isNull();
                s.shutdownOutput();
                assertThat(s.getInputStream().read()).isEqualTo(-1);
            }
        }
    }

    @Test
    void chunkedBodiesGet501() throws IOException {
        try (Socket s = connect()) {
            send(s, "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
            assertThat(read(s.getInputStream()).status()).isEqualTo(501);
        }
    }

    @Test
    void contentLengthBodiesAreReadAndTheNextRequestFollows() throws Exception {
        try (Socket s = connect()) {
            byte[] body = new byte[300_000];
            Thread w = Thread.ofVirtual().start(() -> {
                try {
                    send(s, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n");
                    s.getOutputStream().write(body);
                    send(s, GET);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThat(read(s.getInputStream()).status()).isEqualTo(200);
            assertThat(read(s.getInputStream()).status()).isEqualTo(200);
            w.join();
        }
    }

    @Test
    void expect100ContinueGetsTheInterimAnswerBeforeTheBodyIsSent() throws IOException {
        // RFC 9110 10.1.1: the client waits for 100 (Continue) before it sends the body
        try (Socket s = connect()) {
            send(s, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            InputStream in = s.getInputStream();
            assertThat(read(in).status()).isEqualTo(100);
            send(s, "hello");
            Response r = read(in);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("Hello, World!");
            // a body over the limit gets its final answer instead of 100
            send(s, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\nExpect: 100-continue\r\n\r\n");
            assertThat(read(in).status()).isEqualTo(413);
        }
    }

    @Test
    void http10KeepAliveIsAnsweredWithKeepAliveAndTheConnectionStays() throws IOException {
        // RFC 9112 9.3: a 1.0 client that sent "Connection: keep-alive" keeps the connection only if
        // the answer says keep-alive too; without it the client (ab -k) waits for a close
        try (Socket s = connect()) {
            for (int i = 0; i < 3; i++) {
                send(s, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
                Response r = read(s.getInputStream());
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.headers().toLowerCase(Locale.ROOT)).contains("connection: keep-alive");
                assertThat(r.body()).isEqualTo("Hello, World!");
            }
            send(s, "GET /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
            Response r = read(s.getInputStream());
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.headers().toLowerCase(Locale.ROOT)).contains("connection: keep-alive");
        }
    }

    @Test
    void connectionCloseAndHttp10AreHonoured() throws IOException {
        try (Socket s = connect()) {
            send(s, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            Response r = read(s.getInputStream());
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.closes()).isTrue();
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        try (Socket s = connect()) {
            send(s, "GET / HTTP/1.0\r\n\r\n");
            assertThat(read(s.getInputStream()).body()).isEqualTo("Hello, World!");
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void aSlowClientIsClosedAfterTheRequestTimeout() throws IOException {
        try (Socket s = connect()) {
            send(s, "GET / HTTP/1.1\r\nHo"); // and then nothing: the 500 ms request time-out closes it
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
    }

    @Test
    void aClientThatKeepsTricklingIsStillClosedAtTheRequestDeadline() throws Exception {
        try (Socket s = connect()) {
            Thread trickle = Thread.ofVirtual().start(() -> {
                try {
                    send(s, "GET / HTTP/1.1\r\n");
                    for (int i = 0; i < 400; i++) { // a header byte every 10 ms: never idle, never done
                        send(s, "X");
                        Thread.sleep(10);
                    }
                } catch (IOException | InterruptedException e) {
                    // closed by the server: expected
                }
            });
            InputStream in = s.getInputStream();
            int first;
            try {
                first = in.read();
            } catch (IOException reset) {
                first = -1;
            }
            assertThat(first).isEqualTo(-1);
            trickle.interrupt();
            trickle.join();
        }
    }

    @Test
    void survivesAThousandConnectionsAtOnce() throws Exception {
        int n = 1000;
        List<Socket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                sockets.add(connect());
            }
            ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
            CountDownLatch done = new CountDownLatch(n);
            for (Socket s : sockets) {
                Thread.ofVirtual().start(() -> {
                    try {
                        send(s, GET + GET);
                        assertThat(read(s.getInputStream()).status()).isEqualTo(200);
                        assertThat(read(s.getInputStream()).status()).isEqualTo(200);
                    } catch (Throwable t) {
                        errors.add(t);
                    } finally {
                        done.countDown();
                    }
                });
            }
            assertThat(done.await(40, TimeUnit.SECONDS)).isTrue();
            assertThat(errors).isEmpty();
            assertThat(server.openConnections()).isEqualTo(n);
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    @Test
    void curlGetsHelloAnd404() throws Exception {
        Assumptions.assumeTrue(new ProcessBuilder("sh", "-c", "command -v curl").start().waitFor() == 0, "curl is not installed");
        String url = "http://127.0.0.1:" + server.port();
        Process p = new ProcessBuilder("curl", "-s", "--max-time", "10", url + "/", url + "/").redirectErrorStream(true).start();
        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("Hello, World!Hello, World!");
        Process q = new ProcessBuilder("curl", "-s", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}", url + "/missing")
                .redirectErrorStream(true).start();
        assertThat(q.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(q.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("404");
    }
}
