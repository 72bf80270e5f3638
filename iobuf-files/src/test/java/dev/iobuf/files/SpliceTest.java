package dev.iobuf.files;

import dev.iobuf.uring.reactor.EventLoop;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A file region spliced to a TCP socket: every byte arrives, once, in order. */
class SpliceTest {
    static EventLoop loop;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        loop = EventLoop.start("splice-test");
    }

    @AfterAll
    static void stop() {
        loop.close();
    }

    /** Byte {@code i} of the test file: a hash of its position, so a lost or repeated chunk shows. */
    static byte at(long i) {
        long x = i * 0x9E3779B97F4A7C15L;
        return (byte) (x ^ (x >>> 29) ^ (x >>> 47));
    }

    static Path makeFile(Path p, long size) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
            for (long off = 0; off < size; off += b.capacity()) {
                b.clear().limit((int) Math.min(b.capacity(), size - off));
                for (int i = 0; i < b.limit(); i++) {
                    b.put(at(off + i));
                }
                b.flip();
                while (b.hasRemaining()) {
                    ch.write(b, off + b.position());
                }
            }
        }
        return p;
    }

    @Test
    void sixtyFourMebibytesReachTheSocketIntact() throws Exception {
        long size = 64L << 20;
        long from = 12345;                          // an unaligned start
        long length = size - from - 1000;           // and end
        Path p = makeFile(dir.resolve("big"), size);
        int fd = -1;
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            fd = SocketFds.connectLoopback(server.getLocalPort());
            try (Socket accepted = server.accept(); BlockingFile f = BlockingFile.open(loop, p)) {
            CompletableFuture<Long> checked = CompletableFuture.supplyAsync(() -> {
                try (InputStream in = accepted.getInputStream()) {
                    byte[] buf = new byte[256 * 1024];
                    long got = 0;
                    int n;
                    while (got < length && (n = in.read(buf, 0, (int) Math.min(buf.length, length - got))) > 0) {
                        for (int i = 0; i < n; i++) {
                            if (buf[i] != at(from + got + i)) {
                                throw new AssertionError("byte " + (got + i) + " of the stream is wrong");
                            }
                        }
                        got += n;
                    }
                    return got;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(f.sendTo(fd, from, length)).isEqualTo(length);
            assertThat(checked.get(60, TimeUnit.SECONDS)).isEqualTo(length);
            }
        } finally {
            SocketFds.close(fd);
        }
    }

    @Test
    void theFileEndingFirstIsAShortCountAndAClosedPeerAnError() throws Exception {
        Path p = makeFile(dir.resolve("small"), 100_000);
        int fd = -1;
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            fd = SocketFds.connectLoopback(server.getLocalPort());
            int sock = fd;
            try (Socket accepted = server.accept(); BlockingFile f = BlockingFile.open(loop, p)) {
            assertThat(f.sendTo(fd, 90_000, 50_000)).isEqualTo(10_000);
            byte[] got = accepted.getInputStream().readNBytes(10_000);
            for (int i = 0; i < got.length; i++) {
                assertThat(got[i]).isEqualTo(at(90_000 + i));
            }
            accepted.setSoLinger(true, 0);
            accepted.close();                          // a reset: the next sends fail
            assertThatThrownBy(() -> {
                for (int i = 0; i < 100; i++) {
                    f.sendTo(sock, 0, 100_000);
                }
            }).isInstanceOf(IOException.class).hasMessageContaining("splice to fd " + sock);
            }
        } finally {
            SocketFds.close(fd);
        }
    }
}
