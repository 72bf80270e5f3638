package dev.iobuf.net;

import dev.iobuf.alloc.BufferRegistrar;
import dev.iobuf.alloc.BuddyPool;
import dev.iobuf.alloc.FixedBuf;
import dev.iobuf.alloc.RegisteredPool;
import dev.iobuf.net.uring.IoUringTransport;
import dev.iobuf.pool.BufferPool;
import dev.iobuf.pool.PooledBuffer;
import dev.iobuf.pool.Tier;
import dev.iobuf.uring.reactor.EventLoop;
import dev.iobuf.uring.reactor.EventLoopGroup;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Socket;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connection.write of the caller's own buffers against the real kernel: a server answers each
 * request (a size and a seed) with bytes it writes from pools of its own, registered on the
 * loop's ring (so above the zero-copy threshold they go out as fixed SEND_ZC) or not, as
 * PooledBuffers and FixedBufs, one at a time and gathered; plain java.net.Socket clients check
 * every byte. At the end every buffer is back in its pool, also after clients that reset the
 * connection while a large response was going out.
 */
class OwnBuffersTest {
    private static final int CLIENTS = 16;
    private static final int DEPTH = NetConfig.DEFAULT_SEND_QUEUE;

    private EventLoopGroup group;
    private EventLoop loop;
    /** Registered on the loop's ring: 32 KiB buffers. */
    private BufferPool registered;
    /** Not registered: 8 KiB buffers. */
    private BufferPool plain;
    /** FixedBufs of a buddy arena registered on the loop's ring through a tenant. */
    private RegisteredPool arena;
    private BufferRegistrar tenant;
    private boolean ringRegistered;
    private Server server;
    /** Times a handler found one of its pools empty and tried again later. */
    private final AtomicInteger retries = new AtomicInteger();
    private final ConcurrentLinkedQueue<Throwable> serverErrors = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Responder> responders = new ConcurrentLinkedQueue<>();
    /** The reasons connections were closed with. */
    private final ConcurrentLinkedQueue<Integer> closeReasons = new ConcurrentLinkedQueue<>();

    /** The byte at {@code pos} of the response to a request with {@code seed}. */
    static byte at(long seed, long pos) {
        long h = (pos + seed) * 0x9E3779B97F4A7C15L;
        return (byte) (h >>> 56 ^ pos);
    }

    private <T> T onLoop(Supplier<T> task) throws Exception {
        return CompletableFuture.supplyAsync(task, loop).get(10, TimeUnit.SECONDS);
    }

    @BeforeEach
    void start() throws Exception {
        group = EventLoopGroup.start("own", 1, 1024);
        loop = group.loops().get(0);
        registered = BufferPool.create(Tier.BIG, CLIENTS * DEPTH);
        plain = BufferPool.create(Tier.MEDIUM, CLIENTS * DEPTH);
        ringRegistered = onLoop(() -> { // the ring's table is the loop's: register on its thread
            tenant = loop.bufferTable().tenant();
            try {
                tenant.register(List.of(registered.slab()));
            } catch (RuntimeException refused) { // a kernel that refuses (the locked-memory limit): sends go unregistered
                return false;
            }
            arena = RegisteredPool.builder(loop.bufferTable().tenant(),
                    () -> BuddyPool.builder().arenaSize(16 << 20).build()).name("own-arena").build();
            return true;
        });
        // SEND_ZC from 1 KiB on: the registered buffers and FixedBufs go out as fixed SEND_ZC,
        // short responses as SEND
        NetConfig config = NetConfig.defaults().withZeroCopyThreshold(1024);
        server = IoUringTransport.on(group).serve("127.0.0.1", 0, config, Responder::new);
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        onLoop(() -> {
            if (arena != null) {
                arena.close();
            }
            tenant.close();
            return null;
        });
        group.close();
        registered.close();
        plain.close();
    }

    /** Answers each 12-byte request (int size, long seed) with {@code size} bytes from its own buffers. */
    private final class Responder implements ConnectionHandler {
        private final byte[] request = new byte[12];
        private int requestFill;
        private long seed;
        private long size;
        private long pos;
        private int chunk;
        private final PooledBuffer[] gather = new PooledBuffer[3];
        private final FixedBuf[] gatherFixed = new FixedBuf[2];
        private final int[] lengths = new int[3];
        private final SplittableRandom random = new SplittableRandom(7);
        private volatile Connection conn;

        @Override
        public void onOpen(Connection c) {
            conn = c;
            responders.add(this);
        }

        /** For a failure message only (read off the loop thread: racy, but nothing else is left to ask). */
        @Override
        public String toString() {
            return "[" + conn + " pos " + pos + "/" + size + " pending " + conn.pendingBytes() + "]";
        }

        @Override
        public int onData(Connection c, MemorySegment buffer, long offset, int length) {
            for (int i = 0; i < length; i++) {
                request[requestFill++] = buffer.get(ValueLayout.JAVA_BYTE, offset + i);
                if (requestFill == request.length) {
                    requestFill = 0;
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(request);
                    size = b.getInt();
                    seed = b.getLong();
                    pos = 0;
                    pump(c);
                }
            }
            return length;
        }

        @Override
        public void onClose(Connection c, int reason) {
            closeReasons.add(reason);
        }

        @Override
        public void onWritable(Connection c) {
            pump(c);
        }

        /** Writes the response on from {@code pos} until it is done or the queue is full. */
        private void pump(Connection c) {
            try {
                while (c.isOpen() && pos < size) {
                    long before = pos;
                    long want = writeChunk(c);
                    if (want < 0) {
                        return; // closed, or a pool was empty: a retry was posted
                    }
                    if (pos - before < want) {
                        return; // the queue filled up: onWritable goes on from pos
                    }
                }
            } catch (Throwable t) {
                serverErrors.add(t);
                throw t;
            }
        }

        /** One write of the next kind; returns the bytes it tried to queue (pos advanced by those taken), or -1. */
        private long writeChunk(Connection c) {
            int left = (int) Math.min(size - pos, Integer.MAX_VALUE);
            int kind = chunk++ & 3;
            if (kind == 2 && arena == null) {
                kind = 0;
            }
            switch (kind) {
                case 0, 1 -> { // one pooled buffer, registered or not
                    BufferPool pool = kind == 0 ? registered : plain;
                    PooledBuffer b = pool.tryTake();
                    if (b == null) {
                        return retryLater(c);
                    }
                    int n = Math.min(left, pool.tier().size());
                    fill(b.segment(), n);
                    return taken(c.write(b, n), n);
                }
                case 2 -> { // a FixedBuf of a random size, or two gathered
                    int n1 = Math.min(left, 1 + random.nextInt(48 << 10));
                    int n2 = Math.min(left - n1, 1 + random.nextInt(16 << 10));
                    FixedBuf a = arena.tryAllocate(n1);
                    if (a == null) {
                        return retryLater(c);
                    }
                    fill(a.segment(), n1);
                    if (n2 == 0) {
                        return taken(c.write(a, n1), n1);
                    }
                    FixedBuf b = arena.tryAllocate(n2);
                    if (b == null) {
                        a.close();
                        return retryLater(c);
                    }
                    fillAt(b.segment(), pos + n1, n2);
                    gatherFixed[0] = a;
                    gatherFixed[1] = b;
                    lengths[0] = n1;
                    lengths[1] = n2;
                    long r = c.write(gatherFixed, lengths, 0, 2);
                    gatherFixed[0] = gatherFixed[1] = null;
                    return taken(r, n1 + n2);
                }
                default -> { // three gathered: registered, plain, registered
                    long at = pos;
                    int total = 0;
                    int k = 0;
                    for (; k < 3 && at < size; k++) {
                        BufferPool pool = k == 1 ? plain : registered;
                        PooledBuffer b = pool.tryTake();
                        if (b == null) {
                            for (int j = 0; j < k; j++) {
                                gather[j].close();
                                gather[j] = null;
                            }
                            return retryLater(c);
                        }
                        int n = (int) Math.min(size - at, pool.tier().size());
                        fillAt(b.segment(), at, n);
                        gather[k] = b;
                        lengths[k] = n;
                        at += n;
                        total += n;
                    }
                    long r = c.write(gather, lengths, 0, k);
                    java.util.Arrays.fill(gather, null);
                    return taken(r, total);
                }
            }
        }

        private long taken(long written, int tried) {
            if (written < 0) {
                return -1;
            }
            pos += written;
            return tried;
        }

        private long retryLater(Connection c) {
            retries.incrementAndGet();
            c.executor().execute(() -> pump(c));
            return -1;
        }

        private void fill(MemorySegment seg, int n) {
            fillAt(seg, pos, n);
        }

        private void fillAt(MemorySegment seg, long from, int n) {
            for (int i = 0; i < n; i++) {
                seg.set(ValueLayout.JAVA_BYTE, i, at(seed, from + i));
            }
        }
    }

    private static void request(Socket s, int size, long seed) throws IOException {
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeInt(size);
        out.writeLong(seed);
        out.flush();
    }

    private static void readAndCheck(InputStream in, int size, long seed) throws IOException {
        byte[] buf = new byte[64 << 10];
        long pos = 0;
        while (pos < size) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, size - pos));
            if (n < 0) {
                throw new IOException("the response ended after " + pos + " of " + size + " bytes");
            }
            for (int i = 0; i < n; i++) {
                if (buf[i] != at(seed, pos + i)) {
                    throw new AssertionError("byte " + (pos + i) + " of " + size + " differs (seed " + seed + ")");
                }
            }
            pos += n;
        }
    }

    private void awaitAllBack() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((server.openConnections() > 0 || registered.available() < registered.capacity()
                || plain.available() < plain.capacity() || (arena != null && arena.outstanding() > 0))
                && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(serverErrors).as("errors in the handler").isEmpty();
        assertThat(server.openConnections()).as("open connections").isZero();
        assertThat(registered.available()).as("registered buffers back").isEqualTo(registered.capacity());
        assertThat(plain.available()).as("plain buffers back").isEqualTo(plain.capacity());
        if (arena != null) {
            assertThat(arena.outstanding()).as("FixedBufs not closed").isZero();
        }
        assertThat(server.sendBuffersInUse()).isZero();
    }

    @Test
    void responsesFromOwnBuffersArriveWholeAndEveryBufferGoesBack() throws Exception {
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(CLIENTS);
        for (int c = 0; c < CLIENTS; c++) {
            long clientSeed = c;
            Thread.ofVirtual().start(() -> {
                try (Socket s = new Socket("127.0.0.1", server.port())) {
                    s.setSoTimeout(30_000);
                    InputStream in = new DataInputStream(s.getInputStream());
                    SplittableRandom r = new SplittableRandom(clientSeed);
                    for (int i = 0; i < 4; i++) {
                        int size = i == 0 ? r.nextInt(100) : 1 + r.nextInt(3 << 20);
                        long seed = r.nextLong();
                        request(s, size, seed);
                        readAndCheck(in, size, seed);
                    }
                } catch (Throwable t) {
                    errors.add(t);
                } finally {
                    done.countDown();
                }
            });
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).as("clients finished; server errors %s, responders %s, retries %s",
                serverErrors, responders, retries).isTrue();
        assertThat(errors).as("client errors").isEmpty();
        awaitAllBack();
        assertThat(server.zeroCopySends()).as("SEND_ZC above 1 KiB").isPositive();
        if (ringRegistered) {
            assertThat(server.registeredSends()).as("fixed SEND_ZC from the registered buffers").isPositive();
            assertThat(server.registeredSends()).isLessThan(server.zeroCopySends()); // the plain pool's are not fixed
        }
    }

    @Test
    void clientsThatResetMidResponseLeaveEveryBufferBackInItsPool() throws Exception {
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch done = new CountDownLatch(CLIENTS);
        for (int c = 0; c < CLIENTS; c++) {
            long clientSeed = 100 + c;
            Thread.ofVirtual().start(() -> {
                SplittableRandom r = new SplittableRandom(clientSeed);
                try (Socket s = new Socket("127.0.0.1", server.port())) {
                    s.setSoTimeout(30_000);
                    long seed = r.nextLong();
                    request(s, 256 << 20, seed); // far more than will be read
                    int read = clientSeed % 4 == 0 ? 0 : r.nextInt(4 << 20);
                    readAndCheck(s.getInputStream(), read, seed);
                    if (read == 0) {
                        Thread.sleep(50); // the server's queue and the socket buffers fill up
                    }
                    s.setSoLinger(true, 0); // close() sends a reset while the response is going out
                } catch (Throwable t) {
                    errors.add(t);
                } finally {
                    done.countDown();
                }
            });
        }
        assertThat(done.await(60, TimeUnit.SECONDS)).as("clients finished; server errors %s, responders %s, retries %s",
                serverErrors, responders, retries).isTrue();
        assertThat(errors).as("client errors").isEmpty();
        awaitAllBack();
        assertThat(closeReasons).as("the resets reached the server while it was sending").anyMatch(r -> r < 0);
        // the server still serves: one more whole response after the resets
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(30_000);
            request(s, 1 << 20, 42);
            readAndCheck(s.getInputStream(), 1 << 20, 42);
        }
        awaitAllBack();
    }
}
