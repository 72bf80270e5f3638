package dev.iobuf.net;

import dev.iobuf.internal.Libc;
import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.uring.reactor.EventLoopGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Connection.sendFile: a file region goes out between written bytes, in order, every byte intact. */
class SendFileTest {
    @TempDir
    Path dir;

    @Test
    void aFileRegionIsSentInOrderBetweenWrites() throws Exception {
        byte[] data = new byte[12 << 20];
        new Random(3).nextBytes(data);
        Path file = Files.write(dir.resolve("payload"), data);
        int fileFd;
        try (Arena arena = Arena.ofConfined()) {
            fileFd = Libc.open(Libc.IGNORED_ERRNO, arena.allocateFrom(file.toString()).address(), Libc.O_RDONLY | Libc.O_CLOEXEC, 0);
        }
        assertThat(fileFd).isNotNegative();
        long from = 777;
        long length = data.length - from - 3333;
        byte[] head = "HEAD\n".getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "TAIL\n".getBytes(StandardCharsets.US_ASCII);
        ConnectionHandler handler = new ConnectionHandler() {
            @Override
            public void onOpen(Connection c) {
                assertThat(c.write(head, 0, head.length)).isEqualTo(head.length);
                assertThat(c.sendFile(fileFd, from, length)).isEqualTo(length);
                assertThat(c.sendFile(fileFd, data.length - 10, 1000)).isEqualTo(1000); // the file ends after 10
                assertThat(c.write(tail, 0, tail.length)).isEqualTo(tail.length);
                c.close();                                                             // after the queued bytes
            }

            @Override
            public int onData(Connection c, MemorySegment buffer, long offset, int len) {
                return len;
            }
        };
        try (EventLoopGroup group = EventLoopGroup.start("sendfile", 1, 1024);
             Server server = IoUringTransport.on(group).serve("127.0.0.1", 0, NetConfig.defaults(), () -> handler);
             Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(30_000);
            InputStream in = new DataInputStream(s.getInputStream());
            byte[] got = in.readAllBytes();
            int expected = head.length + (int) length + 10 + tail.length;
            assertThat(got.length).isEqualTo(expected);
            assertThat(new String(got, 0, head.length, StandardCharsets.US_ASCII)).isEqualTo("HEAD\n");
            for (int i = 0; i < length; i++) {
                if (got[head.length + i] != data[(int) from + i]) {
                    throw new AssertionError("byte " + i + " of the region differs");
                }
            }
            for (int i = 0; i < 10; i++) {
                assertThat(got[head.length + (int) length + i]).isEqualTo(data[data.length - 10 + i]);
            }
            assertThat(new String(got, expected - tail.length, tail.length, StandardCharsets.US_ASCII)).isEqualTo("TAIL\n");
        } finally {
            Libc.close(Libc.IGNORED_ERRNO, fileFd);
        }
    }
}
