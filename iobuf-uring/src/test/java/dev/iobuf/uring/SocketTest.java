package dev.iobuf.uring;

import dev.iobuf.memory.AlignedMemory;
import dev.iobuf.memory.IoVec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** Sockets through the ring: socketpair, loopback TCP and UDP; accept, connect, send/recv, zero-copy, msghdr. */
@Timeout(30)
class SocketTest {
    private static final long TEN_SECONDS = 10_000_000_000L;
    private IoUring ring;
    private Arena arena;
    private final List<Integer> fds = new ArrayList<>();
    private final Cqe cqe = new Cqe();

    @BeforeEach
    void open() {
        ring = IoUring.open(32);
        arena = Arena.ofConfined();
    }

    @AfterEach
    void close() throws Throwable {
        ring.close();
        for (int fd : fds) {
            TestNet.close(fd);
        }
        arena.close();
    }

    private int track(int fd) {
        fds.add(fd);
        return fd;
    }

    private Cqe next() {
        assertThat(ring.waitCqe(cqe, TEN_SECONDS)).isZero();
        return cqe;
    }

    private static byte[] pattern(int n, long seed) {
        byte[] b = new byte[n];
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            b[i] = (byte) r.nextInt();
        }
        return b;
    }

    /** A loopback TCP connection: {client, server}, the server side accepted through the ring. */
    private int[] tcpPair() throws Throwable {
        int[] listener = TestNet.listener();
        track(listener[0]);
        int client = track(TestNet.connect(listener[1]));
        ring.nextSqe().accept(listener[0], 0, 0, TestNet.SOCK_CLOEXEC).userData(1);
        int server = next().res();
        assertThat(server).isGreaterThanOrEqualTo(0);
        return new int[] {client, track(server)};
    }

    /** Sends all of {@code data} through the ring, handling short sends. */
    private void sendAll(int fd, MemorySegment data) {
        long sent = 0;
        while (sent < data.byteSize()) {
            ring.nextSqe().send(fd, data.asSlice(sent), 0).userData(50);
            int res = next().res();
            assertThat(res).as("send: %s", res < 0 ? Errno.describe(res) : "").isPositive();
            sent += res;
        }
    }

    /** Receives exactly {@code n} bytes through the ring. */
    private byte[] recvAll(int fd, int n) {
        MemorySegment buf = arena.allocate(n);
        int got = 0;
        while (got < n) {
            ring.nextSqe().recv(fd, buf.asSlice(got), 0).userData(60);
            int res = next().res();
            assertThat(res).as("recv").isPositive();
            got += res;
        }
        return buf.toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void socketPairSendAndRecvEveryByte() throws Throwable {
        int[] pair = TestNet.socketPair();
        track(pair[0]);
        track(pair[1]);
        byte[] data = pattern(100_000, 1);
        MemorySegment out = arena.allocateFrom(ValueLayout.JAVA_BYTE, data);
        // Interleave: send a chunk, receive it, so neither side's socket buffer limits the test.
        int chunk = 8192;
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (int off = 0; off < data.length; off += chunk) {
            int len = Math.min(chunk, data.length - off);
            sendAll(pair[1], out.asSlice(off, len));
            got.writeBytes(recvAll(pair[0], len));
        }
        assertThat(got.toByteArray()).isEqualTo(data);
    }

    @Test
    void tcpSocketConnectAcceptSendRecvShutdown() throws Throwable {
        int[] listener = TestNet.listener();
        track(listener[0]);
        ring.nextSqe().socket(TestNet.AF_INET, TestNet.SOCK_STREAM | TestNet.SOCK_CLOEXEC, 0, 0).userData(1);
        int client = next().res();
        assertThat(client).isGreaterThanOrEqualTo(0);
        track(client);
        MemorySegment sa = arena.allocate(TestNet.SOCKADDR_IN_BYTES);
        TestNet.loopback(sa, listener[1]);
        MemorySegment peer = arena.allocate(TestNet.SOCKADDR_IN_BYTES);
        MemorySegment peerLen = arena.allocateFrom(ValueLayout.JAVA_INT, TestNet.SOCKADDR_IN_BYTES);
        ring.nextSqe().accept(listener[0], peer.address(), peerLen.address(), TestNet.SOCK_CLOEXEC).userData(2);
        ring.nextSqe().connect(client, sa.address(), TestNet.SOCKADDR_IN_BYTES).userData(3);
        int server = -1;
        for (int i = 0; i < 2; i++) {
            Cqe c = next();
            if (c.userData() == 2) {
                server = c.res();
            } else {
                assertThat(c.userData()).isEqualTo(3);
                assertThat(c.res()).isZero();
            }
        }
        assertThat(server).isGreaterThanOrEqualTo(0);
        track(server);
        assertThat(peer.get(ValueLayout.JAVA_SHORT, 0)).isEqualTo((short) TestNet.AF_INET);
        assertThat(peer.get(ValueLayout.JAVA_BYTE, 4)).isEqualTo((byte) 127);

        byte[] data = pattern(200_000, 2);
        MemorySegment out = arena.allocateFrom(ValueLayout.JAVA_BYTE, data);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        for (int off = 0; off < data.length; off += 32768) {
            int len = Math.min(32768, data.length - off);
            sendAll(client, out.asSlice(off, len));
            got.writeBytes(recvAll(server, len));
        }
        assertThat(got.toByteArray()).isEqualTo(data);

        ring.nextSqe().shutdown(client, 1).userData(4);
        assertThat(next().res()).isZero();
        ring.nextSqe().recv(server, arena.allocate(16), 0).userData(5);
        assertThat(next().res()).as("end of stream after shutdown").isZero();
    }

    @Test
    void multishotAcceptYieldsOneCompletionPerConnectionUntilCancelled() throws Throwable {
        int[] listener = TestNet.listener();
        track(listener[0]);
        ring.nextSqe().acceptMultishot(listener[0], 0, 0, TestNet.SOCK_CLOEXEC).userData(7);
        ring.submit();
        for (int i = 0; i < 3; i++) {
            track(TestNet.connect(listener[1]));
            Cqe c = next();
            assertThat(c.userData()).isEqualTo(7);
            assertThat(c.res()).isGreaterThanOrEqualTo(0);
            assertThat(c.hasMore()).isTrue();
            track(c.res());
        }
        ring.nextSqe().cancel(7, 0).userData(8);
        boolean cancelDone = false;
        boolean acceptEnded = false;
        while (!cancelDone || !acceptEnded) {
            Cqe c = next();
            if (c.userData() == 8) {
                assertThat(c.res()).isZero();
                cancelDone = true;
            } else {
                assertThat(c.res()).isEqualTo(-Errno.ECANCELED);
                assertThat(c.hasMore()).isFalse();
                acceptEnded = true;
            }
        }
    }

    @Test
    void sendZeroCopyFromARegisteredBufferReportsNotification() throws Throwable {
        int[] conn = tcpPair();
        MemorySegment slab = AlignedMemory.allocatePageAligned(4 * AlignedMemory.pageSize());
        ring.register().buffers(slab);
        byte[] data = pattern(10_000, 3);
        MemorySegment out = slab.asSlice(4096, data.length);
        out.copyFrom(MemorySegment.ofArray(data));
        ring.nextSqe().sendZcFixed(conn[0], out.address(), data.length, 0, 0, 0).userData(9);
        Cqe first = next();
        assertThat(first.userData()).isEqualTo(9);
        assertThat(first.res()).isEqualTo(data.length);
        assertThat(first.hasMore()).isTrue();
        Cqe second = next();
        assertThat(second.userData()).isEqualTo(9);
        assertThat(CqeFlags.isNotification(second.flags())).isTrue();
        assertThat(recvAll(conn[1], data.length)).isEqualTo(data);

        ring.nextSqe().sendZc(conn[0], out.address(), 100, 0, 0).userData(10);
        assertThat(next().res()).isEqualTo(100);
        assertThat(CqeFlags.isNotification(next().flags())).isTrue();
        assertThat(recvAll(conn[1], 100)).isEqualTo(java.util.Arrays.copyOf(data, 100));
    }

    @Test
    void sendmsgAndRecvmsgWithIovecs() throws Throwable {
        int[] pair = TestNet.socketPair();
        track(pair[0]);
        track(pair[1]);
        byte[] a = pattern(300, 4);
        byte[] b = pattern(700, 5);
        IoVec out = IoVec.of(arena.allocateFrom(ValueLayout.JAVA_BYTE, a), arena.allocateFrom(ValueLayout.JAVA_BYTE, b));
        MemorySegment in1 = arena.allocate(500);
        MemorySegment in2 = arena.allocate(500);
        IoVec in = IoVec.of(in1, in2);
        ring.nextSqe().sendmsg(pair[1], msghdr(out).address(), 0).userData(1);
        assertThat(next().res()).isEqualTo(1000);
        ring.nextSqe().recvmsg(pair[0], msghdr(in).address(), 0).userData(2);
        assertThat(next().res()).isEqualTo(1000);
        byte[] got = new byte[1000];
        MemorySegment.copy(in1, ValueLayout.JAVA_BYTE, 0, got, 0, 500);
        MemorySegment.copy(in2, ValueLayout.JAVA_BYTE, 0, got, 500, 500);
        byte[] want = new byte[1000];
        System.arraycopy(a, 0, want, 0, 300);
        System.arraycopy(b, 0, want, 300, 700);
        assertThat(got).isEqualTo(want);
    }

    /** struct msghdr (56 bytes): name 0, namelen 8, iov 16, iovlen 24, control 32, controllen 40, flags 48. */
    private MemorySegment msghdr(IoVec iov) {
        MemorySegment m = arena.allocate(56, 8);
        m.set(ValueLayout.JAVA_LONG, 16, iov.address());
        m.set(ValueLayout.JAVA_LONG, 24, iov.count());
        return m;
    }

    @Test
    void multishotRecvmsgIntoABufferRingAndSendmsgZcOverUdp() throws Throwable {
        int[] rx = TestNet.udpSocket();
        int[] tx = TestNet.udpSocket();
        track(rx[0]);
        track(tx[0]);
        MemorySegment slab = arena.allocate(4 * 256, 64);
        BufferRing buffers = BufferRing.ofSlab(ring, 7, slab, 256, false);
        MemorySegment recvMsg = MsgHdr.allocate(arena);
        MsgHdr.set(recvMsg, 0, TestNet.SOCKADDR_IN_BYTES, 0, 0, 0, 0); // the name area: one sockaddr_in
        ring.nextSqe().recvmsgMultishot(rx[0], recvMsg.address(), 7, RecvmsgOut.MSG_TRUNC).userData(1);
        ring.submit();

        MemorySegment to = arena.allocate(TestNet.SOCKADDR_IN_BYTES);
        TestNet.loopback(to, rx[1]);
        byte[] data = pattern(300, 11);
        MemorySegment payload = arena.allocateFrom(ValueLayout.JAVA_BYTE, data);
        IoVec small = IoVec.of(payload.asSlice(0, 100));
        MemorySegment sendMsg = MsgHdr.allocate(arena);
        MsgHdr.set(sendMsg, to.address(), TestNet.SOCKADDR_IN_BYTES, small.address(), 1, 0, 0);
        ring.nextSqe().sendmsgZc(tx[0], sendMsg.address(), 0).userData(2);
        int sendResult = Integer.MIN_VALUE;
        boolean notified = false;
        int recvRes = -1;
        int recvFlags = 0;
        while (sendResult == Integer.MIN_VALUE || !notified || recvRes < 0) {
            Cqe c = next();
            if (c.userData() == 2 && CqeFlags.isNotification(c.flags())) {
                notified = true;
            } else if (c.userData() == 2) {
                assertThat(CqeFlags.hasMore(c.flags())).as("SENDMSG_ZC's result announces its notification").isTrue();
                sendResult = c.res();
            } else {
                assertThat(c.userData()).isEqualTo(1);
                recvRes = c.res();
                recvFlags = c.flags();
            }
        }
        assertThat(sendResult).isEqualTo(100);
        assertThat(CqeFlags.hasMore(recvFlags)).as("still armed").isTrue();
        MemorySegment got = buffers.buffer(CqeFlags.bufferId(recvFlags));
        assertThat(recvRes).isEqualTo(RecvmsgOut.BYTES + TestNet.SOCKADDR_IN_BYTES + 100);
        assertThat(RecvmsgOut.nameLength(got)).isEqualTo(TestNet.SOCKADDR_IN_BYTES);
        assertThat(Short.toUnsignedInt(got.get(ValueLayout.JAVA_SHORT.withOrder(java.nio.ByteOrder.BIG_ENDIAN),
                RecvmsgOut.BYTES + 2))).as("the sender's port").isEqualTo(tx[1]);
        assertThat(RecvmsgOut.payloadLength(got)).isEqualTo(100);
        assertThat(RecvmsgOut.truncated(got)).isFalse();
        long at = RecvmsgOut.payloadOffset(TestNet.SOCKADDR_IN_BYTES, 0);
        assertThat(RecvmsgOut.payloadBytes(recvRes, TestNet.SOCKADDR_IN_BYTES, 0)).isEqualTo(100);
        assertThat(got.asSlice(at, 100).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(java.util.Arrays.copyOf(data, 100));
        buffers.recycle(CqeFlags.bufferId(recvFlags));

        // 300 bytes into a 256-byte buffer: cut to what fits, with the full length and MSG_TRUNC
        IoVec all = IoVec.of(payload);
        MsgHdr.set(sendMsg, to.address(), TestNet.SOCKADDR_IN_BYTES, all.address(), 1, 0, 0);
        ring.nextSqe().sendmsg(tx[0], sendMsg.address(), 0).userData(3);
        recvRes = -1;
        while (recvRes < 0) {
            Cqe c = next();
            if (c.userData() == 3) {
                assertThat(c.res()).isEqualTo(300);
            } else {
                recvRes = c.res();
                recvFlags = c.flags();
            }
        }
        got = buffers.buffer(CqeFlags.bufferId(recvFlags));
        assertThat(recvRes).isEqualTo(256);
        assertThat(RecvmsgOut.payloadLength(got)).as("the datagram's full length").isEqualTo(300);
        assertThat(RecvmsgOut.truncated(got)).isTrue();
        int kept = RecvmsgOut.payloadBytes(recvRes, TestNet.SOCKADDR_IN_BYTES, 0);
        assertThat(kept).isEqualTo(256 - 32);
        assertThat(got.asSlice(at, kept).toArray(ValueLayout.JAVA_BYTE)).isEqualTo(java.util.Arrays.copyOf(data, kept));
        buffers.recycle(CqeFlags.bufferId(recvFlags));

        ring.nextSqe().cancel(1, 0).userData(4);
        boolean ended = false;
        boolean cancelled = false;
        while (!ended || !cancelled) {
            Cqe c = next();
            if (c.userData() == 1) {
                ended = !CqeFlags.hasMore(c.flags());
                assertThat(c.res()).isEqualTo(-Errno.ECANCELED);
            } else {
                cancelled = true;
            }
        }
        buffers.close();
    }
}
