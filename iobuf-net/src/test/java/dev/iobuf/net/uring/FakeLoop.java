package dev.iobuf.net.uring;

import dev.iobuf.net.NetConfig;
import dev.iobuf.pool.BufferPool;
import dev.iobuf.pool.Tier;
import dev.iobuf.uring.reactor.CompletionHandler;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * A {@link ConnectionLoop} without a kernel, like Netty's EmbeddedChannel: it records what a
 * connection submits as lines ({@code "recv"}, {@code "send 5"}, {@code "cancel"}, ...) and lets
 * the test feed completions by hand and run the loop's iteration hook. Receive and send buffers are
 * real pools (memory only).
 */
final class FakeLoop implements ConnectionLoop {
    final NetConfig config;
    final BufferPool receive;
    final BufferPool send;
    final HeldBuffers held;
    final List<String> ops = new ArrayList<>();
    final List<Integer> recycled = new ArrayList<>();
    final List<SendQueue> flushes = new ArrayList<>();
    final List<SendQueue> waiters = new ArrayList<>();
    final List<ReceiveSide> starved = new ArrayList<>();
    final List<UringConnection> connections = new ArrayList<>();
    CompletionHandler registered;
    boolean unregistered;
    int taken;
    long now = 1_000;
    boolean buffersFreed;
    /** Address of the last send. */
    long lastSendAddress;

    FakeLoop(NetConfig config) {
        this.config = config;
        this.receive = BufferPool.create(config.receiveTier(), config.receiveBuffers());
        this.send = BufferPool.create(config.sendTier(), config.sendBuffers());
        this.held = new HeldBuffers(receive.capacity());
    }

    FakeLoop() {
        this(NetConfig.defaults().withReceive(Tier.SMALL, 8).withSend(Tier.PICO, 4, 2));
    }

    /** What the loop does before each submit: wake waiters, re-arm starved receives, prepare sends. */
    void iterate() {
        if (buffersFreed) {
            buffersFreed = false;
            List<SendQueue> w = new ArrayList<>(waiters);
            waiters.clear();
            w.forEach(SendQueue::buffersAvailable);
        }
        if (!recycled.isEmpty()) {
            List<ReceiveSide> s = new ArrayList<>(starved);
            starved.clear();
            s.forEach(ReceiveSide::unstarve);
        }
        for (int i = 0; i < flushes.size(); i++) {
            flushes.get(i).flush();
        }
        flushes.clear();
    }

    /** The ops recorded since the last call, then forgets them. */
    List<String> drainOps() {
        List<String> out = new ArrayList<>(ops);
        ops.clear();
        return out;
    }

    @Override
    public int register(CompletionHandler handler) {
        registered = handler;
        return 7;
    }

    @Override
    public void unregister(int slot) {
        unregistered = true;
    }

    @Override
    public long now() {
        return now;
    }

    @Override
    public Executor executor() {
        return Runnable::run;
    }

    @Override
    public NetConfig config() {
        return config;
    }

    @Override
    public void recvMultishot(int fd, long userData) {
        ops.add("recv");
    }

    @Override
    public void cancel(long target, long userData) {
        ops.add("cancel");
    }

    @Override
    public void cancelAll(int fd, long userData) {
        ops.add("cancelAll");
    }

    @Override
    public void send(int fd, long address, int length, boolean fromReceiveBuffer, long userData) {
        lastSendAddress = address;
        ops.add((fromReceiveBuffer ? "sendReceived " : "send ") + length);
    }

    @Override
    public void sendOwned(int fd, long address, int length, long userData) {
        lastSendAddress = address;
        ops.add("sendOwned " + length);
    }

    @Override
    public dev.iobuf.uring.reactor.SpliceSender sendFile(int fd, int fileFd, long position, long length,
                                                        dev.iobuf.uring.reactor.SpliceSender.Done done) {
        ops.add("sendFile " + fileFd + " " + position + " " + length);
        return null;
    }

    @Override
    public void shutdownOutput(int fd) {
        ops.add("shutdown");
    }

    @Override
    public void close(int fd) {
        ops.add("close");
    }

    @Override
    public MemorySegment receiveView(int bid) {
        return receive.segment(bid);
    }

    @Override
    public void taken(int bid) {
        taken++;
    }

    @Override
    public void recycle(int bid) {
        recycled.add(bid);
    }

    @Override
    public HeldBuffers held() {
        return held;
    }

    @Override
    public BufferPool sendPool() {
        return send;
    }

    @Override
    public void requestFlush(SendQueue queue) {
        flushes.add(queue);
    }

    @Override
    public void waitForSendBuffers(SendQueue queue) {
        waiters.add(queue);
    }

    @Override
    public void sendBuffersFreed() {
        buffersFreed = true;
    }

    @Override
    public void starve(ReceiveSide side) {
        starved.add(side);
    }

    @Override
    public void added(UringConnection c) {
        connections.add(c);
    }

    @Override
    public void removed(UringConnection c) {
        connections.remove(c);
    }

    @Override
    public void ensureSweep(long nanos) {
    }
}
