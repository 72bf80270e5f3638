package dev.iobuf.net.uring;

import dev.iobuf.alloc.BufferRegistrar;
import dev.iobuf.alloc.BuddyPool;
import dev.iobuf.alloc.FixedBuf;
import dev.iobuf.alloc.RegisteredPool;
import dev.iobuf.net.Connection;
import dev.iobuf.net.ConnectionHandler;
import dev.iobuf.uring.CqeFlags;
import dev.iobuf.pool.BufferPool;
import dev.iobuf.pool.PooledBuffer;
import dev.iobuf.pool.Tier;
import dev.iobuf.uring.Errno;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static dev.iobuf.net.uring.UringConnection.TAG_CANCEL;
import static dev.iobuf.net.uring.UringConnection.TAG_RECV;
import static dev.iobuf.net.uring.UringConnection.TAG_SEND;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The connection's state machine driven by hand, without a kernel: a {@link FakeLoop} records
 * what the connection submits, and the test feeds the completions the kernel would post. Each
 * test follows one row of the transition table in {@link UringConnection}'s notes, or one rule of
 * the receiving or sending half.
 */
class ConnectionStateTest {
    private final FakeLoop loop = new FakeLoop();
    private final Recorder handler = new Recorder();
    private final UringConnection c = new UringConnection(loop, 42, handler);
    /** The caller's own buffers (Connection.write(PooledBuffer)): 8 of 2 KiB. */
    private final BufferPool mine = BufferPool.create(Tier.SMALL, 8);

    @AfterEach
    void closeOwnPool() {
        mine.close();
    }

    /** A handler that records what it is told and consumes {@code take} bytes per delivery (all by default). */
    static final class Recorder implements ConnectionHandler {
        final List<String> events = new ArrayList<>();
        final List<MemorySegment> buffers = new ArrayList<>();
        int take = Integer.MAX_VALUE;
        boolean echoInPlace;
        int closeReason = 1;

        @Override
        public void onOpen(Connection c) {
            events.add("open");
        }

        @Override
        public int onData(Connection c, MemorySegment buffer, long offset, int length) {
            buffers.add(buffer);
            byte[] b = new byte[length];
            MemorySegment.copy(buffer, ValueLayout.JAVA_BYTE, offset, b, 0, length);
            events.add("data " + new String(b));
            if (echoInPlace) {
                return c.writeReceived(offset, length);
            }
            return Math.min(take, length);
        }

        @Override
        public void onEof(Connection c) {
            events.add("eof");
            c.close();
        }

        @Override
        public void onWritable(Connection c) {
            events.add("writable");
        }

        @Override
        public void onClose(Connection c, int reason) {
            events.add("close " + reason);
            closeReason = reason;
        }
    }

    private static int bufferFlags(int bid, boolean more) {
        return CqeFlags.BUFFER | (bid << CqeFlags.BUFFER_SHIFT) | (more ? CqeFlags.MORE : 0);
    }

    /** The kernel received {@code text} into buffer {@code bid} (multishot still armed). */
    private void receive(int bid, String text) {
        loop.receive.segment(bid).setString(0, text);
        loop.receive.segment(bid).set(ValueLayout.JAVA_BYTE, text.length(), (byte) 'X'); // stale byte after the data
        c.onCompletion(TAG_RECV, text.length(), bufferFlags(bid, true));
    }

    @Test
    void openArmsOneMultishotReceiveAndDeliversTheBuffersOwnView() {
        c.open();
        assertThat(loop.drainOps()).containsExactly("recv");
        receive(3, "hello");
        assertThat(handler.events).containsExactly("open", "data hello");
        MemorySegment seen = handler.buffers.get(0);
        assertThat(seen.byteSize()).as("the handler sees one buffer, not the slab").isEqualTo(loop.receive.tier().size());
        assertThat(seen.address()).isEqualTo(loop.receive.address(3));
        receive(3, "again");
        assertThat(handler.buffers.get(1)).as("the same view every time (no allocation per message)").isSameAs(seen);
        assertThat(loop.recycled).containsExactly(3, 3);
        assertThat(c.state()).isEqualTo(UringConnection.State.OPEN);
    }

    @Test
    void aHandlerThatStallsKeepsTheRestStopsReceivingAndGetsItAgainAfterASend() {
        c.open();
        loop.drainOps();
        handler.take = 2;
        receive(1, "abcdef");
        assertThat(loop.recycled).as("the rest is held, not recycled").isEmpty();
        assertThat(loop.drainOps()).as("receiving stops while bytes are held").containsExactly("cancel");
        receive(2, "gh"); // arrived before the cancel: held behind the rest, in order
        c.onCompletion(TAG_RECV, -Errno.ECANCELED, 0); // the receive ends
        c.onCompletion(TAG_CANCEL, 0, 0);
        handler.take = Integer.MAX_VALUE;
        assertThat(c.write(new byte[] {'x'}, 0, 1)).isEqualTo(1);
        loop.iterate();
        assertThat(loop.drainOps()).containsExactly("send 1");
        c.onCompletion(TAG_SEND, 1, 0);
        assertThat(handler.events).containsExactly("open", "data abcdef", "data cdef", "data gh");
        assertThat(loop.recycled).containsExactly(1, 2);
        assertThat(loop.drainOps()).as("receiving again once nothing is held").containsExactly("recv");
    }

    @Test
    void aGracefulCloseSendsWhatIsQueuedThenLingersUntilThePeersFin() {
        c.open();
        loop.drainOps();
        c.write("bye".getBytes(), 0, 3);
        c.close();
        assertThat(c.state()).isEqualTo(UringConnection.State.CLOSING);
        assertThat(c.write(new byte[1], 0, 1)).as("no writes after close").isEqualTo(-1);
        loop.iterate();
        assertThat(loop.drainOps()).containsExactly("cancel", "send 3");
        c.onCompletion(TAG_RECV, -Errno.ECANCELED, 0);
        c.onCompletion(TAG_CANCEL, 0, 0);
        assertThat(c.state()).as("still sending").isEqualTo(UringConnection.State.CLOSING);
        c.onCompletion(TAG_SEND, 3, 0);
        assertThat(c.state()).isEqualTo(UringConnection.State.LINGERING);
        assertThat(loop.drainOps()).as("FIN, then read until the peer's").containsExactly("shutdown", "recv");
        assertThat(c.hasDeadline()).as("lingering is bounded").isTrue();
        receive(0, "late"); // discarded
        assertThat(handler.events).containsExactly("open");
        c.onCompletion(TAG_RECV, 0, 0); // the peer's FIN ends the receive
        assertThat(c.state()).isEqualTo(UringConnection.State.CLOSED);
        assertThat(loop.drainOps()).as("one FIN only").containsExactly("close");
        assertThat(handler.events).containsExactly("open", "close 0");
        assertThat(loop.unregistered).isTrue();
        assertThat(loop.send.available()).as("the send buffer is back").isEqualTo(loop.send.capacity());
        assertThat(loop.connections).isEmpty();
    }

    @Test
    void thePeersFinIsDeliveredAfterTheBytesHeldBeforeIt() {
        c.open();
        loop.drainOps();
        c.pauseReading();
        receive(4, "data");
        c.onCompletion(TAG_RECV, 0, 0); // FIN while paused
        c.onCompletion(TAG_CANCEL, 0, 0);
        assertThat(handler.events).containsExactly("open");
        c.resumeReading();
        assertThat(handler.events).containsExactly("open", "data data", "eof", "close 0");
        assertThat(c.isEof()).isTrue();
        assertThat(c.state()).as("onEof closed it; the peer is done, so no linger").isEqualTo(UringConnection.State.CLOSED);
        assertThat(handler.closeReason).isZero();
    }

    @Test
    void anAbortCancelsWhatIsInFlightAndClosesOnlyAfterTheLastCompletion() {
        c.open();
        c.write("x".getBytes(), 0, 1);
        loop.iterate();
        loop.drainOps();
        c.onCompletion(TAG_RECV, -Errno.ECONNRESET, 0); // reset: the receive ends with an error
        assertThat(c.state()).isEqualTo(UringConnection.State.ABORTING);
        assertThat(loop.drainOps()).containsExactly("cancelAll");
        c.onCompletion(TAG_SEND, -Errno.ECANCELED, 0);
        assertThat(c.state()).as("the cancel's own completion is still due").isEqualTo(UringConnection.State.ABORTING);
        c.onCompletion(TAG_CANCEL, 0, 0);
        assertThat(c.state()).isEqualTo(UringConnection.State.CLOSED);
        assertThat(handler.closeReason).isEqualTo(-Errno.ECONNRESET);
        assertThat(loop.drainOps()).as("no FIN after a reset").containsExactly("close");
        assertThat(loop.send.available()).isEqualTo(loop.send.capacity());
    }

    @Test
    void aReceiveThatRanTheRingDryWaitsUntilBuffersWereRecycled() {
        c.open();
        loop.drainOps();
        c.onCompletion(TAG_RECV, -Errno.ENOBUFS, 0);
        assertThat(loop.drainOps()).as("no busy re-arm").isEmpty();
        assertThat(loop.starved).hasSize(1);
        loop.iterate();
        assertThat(loop.drainOps()).as("nothing was recycled yet").isEmpty();
        loop.recycle(5);
        loop.iterate();
        assertThat(loop.drainOps()).containsExactly("recv");
    }

    @Test
    void aZeroCopySendKeepsItsBufferUntilTheNotification() {
        c.open();
        c.write("zc".getBytes(), 0, 2);
        loop.iterate();
        assertThat(loop.send.available()).isEqualTo(loop.send.capacity() - 1);
        c.onCompletion(TAG_SEND, 2, CqeFlags.MORE); // the result; the kernel may still read the buffer
        assertThat(loop.send.available()).isEqualTo(loop.send.capacity() - 1);
        assertThat(c.pendingBytes()).isEqualTo(2);
        c.onCompletion(TAG_SEND, 0, CqeFlags.NOTIF);
        assertThat(loop.send.available()).isEqualTo(loop.send.capacity());
        assertThat(c.pendingBytes()).isZero();
    }

    @Test
    void writeReceivedSendsInPlaceWithOffsetsRelativeToTheDeliveredBuffer() {
        handler.echoInPlace = true;
        c.open();
        loop.drainOps();
        receive(6, "echo");
        loop.iterate();
        assertThat(loop.drainOps()).containsExactly("sendReceived 4");
        assertThat(loop.lastSendAddress).isEqualTo(loop.receive.address(6));
        assertThat(loop.recycled).as("the buffer waits for its send").isEmpty();
        c.onCompletion(TAG_SEND, 4, 0);
        assertThat(loop.recycled).containsExactly(6);
    }

    @Test
    void writeReceivedRefusesBytesOutsideTheDeliveryAndCallsOutsideOnData() {
        assertThatThrownBy(() -> c.writeReceived(0, 1)).isInstanceOf(IllegalStateException.class);
        List<Throwable> thrown = new ArrayList<>();
        c.handler(new ConnectionHandler() {
            @Override
            public int onData(Connection conn, MemorySegment buffer, long offset, int length) {
                try {
                    conn.writeReceived(offset + 1, length); // one byte past the delivery
                } catch (IllegalArgumentException e) {
                    thrown.add(e);
                }
                return length;
            }
        });
        c.open();
        receive(2, "abc");
        assertThat(thrown).hasSize(1);
        assertThat(loop.recycled).containsExactly(2);
    }

    @Test
    void aFullSendQueueRefusesBytesAndSaysWhenItIsWritableAgain() {
        c.open();
        int size = loop.send.tier().size();
        byte[] big = new byte[size * 3];
        assertThat(c.write(big, 0, big.length)).as("queue depth 2 of 32-byte buffers").isEqualTo(2 * size);
        loop.iterate();
        c.onCompletion(TAG_SEND, size, 0);
        assertThat(handler.events).containsExactly("open", "writable");
    }

    @Test
    void theLoopEndingReleasesEverythingWithoutTheRing() {
        c.open();
        c.write("x".getBytes(), 0, 1);
        loop.drainOps();
        c.forceRelease();
        assertThat(c.state()).isEqualTo(UringConnection.State.CLOSED);
        assertThat(loop.drainOps()).containsExactly("close");
        assertThat(handler.closeReason).isEqualTo(Connection.REASON_SHUTDOWN);
        assertThat(loop.send.available()).isEqualTo(loop.send.capacity());
    }

    // ---- callers' own buffers: write(PooledBuffer / FixedBuf), gathering writes -----------------

    /** A buffer of {@link #mine} holding {@code text}. */
    private PooledBuffer mine(String text) {
        PooledBuffer b = mine.tryTake();
        b.segment().setString(0, text);
        return b;
    }

    /** Every buffer of {@link #mine} is back, and the queue never found a handle closed under it. */
    private void assertMineAllBack() {
        assertThat(mine.available()).as("own buffers back in their pool").isEqualTo(mine.capacity());
        assertThat(c.sendQueue().closedByOthers()).as("handles found closed already").isZero();
    }

    @Test
    void ownBufferIsSentInPlaceShortSendsFinishedAndClosedAfterItsSend() {
        c.open();
        loop.drainOps();
        PooledBuffer b = mine("hello");
        long at = b.segment().address();
        assertThat(c.write(b, 5)).isEqualTo(5);
        assertThat(c.pendingBytes()).isEqualTo(5);
        loop.iterate();
        assertThat(loop.drainOps()).containsExactly("sendOwned 5");
        assertThat(loop.lastSendAddress).as("the caller's memory itself, no copy").isEqualTo(at);
        assertThat(loop.send.available()).as("no send buffer taken").isEqualTo(loop.send.capacity());
        c.onCompletion(TAG_SEND, 3, 0); // short
        assertThat(b.isOpen()).as("the rest is still to be sent").isTrue();
        loop.iterate();
        assertThat(loop.drainOps()).containsExactly("sendOwned 2");
        assertThat(loop.lastSendAddress).isEqualTo(at + 3);
        c.onCompletion(TAG_SEND, 2, 0);
        assertThat(b.isOpen()).isFalse();
        assertThat(c.pendingBytes()).isZero();
        assertMineAllBack();
    }

    @Test
    void ownBufferOfAZeroCopySendIsClosedOnlyAfterTheNotification() {
        c.open();
        PooledBuffer b = mine("zc");
        c.write(b, 2);
        loop.iterate();
        c.onCompletion(TAG_SEND, 2, CqeFlags.MORE);
        assertThat(b.isOpen()).as("the kernel may still read it").isTrue();
        c.onCompletion(TAG_SEND, 0, CqeFlags.NOTIF);
        assertThat(b.isOpen()).isFalse();
        assertMineAllBack();
    }

    @Test
    void ownBuffersGoOutInOrderWithCopiedBytesAndAreNeverAppendedTo() {
        c.open();
        loop.drainOps();
        assertThat(c.write("ab".getBytes(), 0, 2)).isEqualTo(2);
        PooledBuffer b = mine("cd");
        assertThat(c.write(b, 2)).isEqualTo(2);
        assertThat(c.write("e".getBytes(), 0, 1)).as("the queue is full (depth 2): not appended to b").isZero();
        loop.iterate();
        c.onCompletion(TAG_SEND, 2, 0);
        loop.iterate();
        c.onCompletion(TAG_SEND, 2, 0);
        assertThat(loop.drainOps()).containsExactly("send 2", "sendOwned 2");
        assertThat(handler.events).contains("writable");
        assertMineAllBack();
    }

    @Test
    void aRefusedOwnBufferIsClosedAtOnceWithZeroOrMinusOne() {
        c.open();
        PooledBuffer a = mine("a");
        PooledBuffer b = mine("b");
        PooledBuffer full = mine("c");
        assertThat(c.write(a, 1)).isEqualTo(1);
        assertThat(c.write(b, 1)).isEqualTo(1);
        assertThat(c.write(full, 1)).as("queue depth 2: full").isZero();
        assertThat(full.isOpen()).as("refused, and closed by the call").isFalse();
        assertThat(c.write(mine("empty"), 0)).as("nothing to send: closed at once").isZero();
        loop.iterate();
        c.onCompletion(TAG_SEND, 1, 0);
        assertThat(handler.events).as("a refusal asks for onWritable").containsExactly("open", "writable");
        assertThat(b.isOpen()).as("queued, its send not prepared yet").isTrue();
        c.abort();
        c.onCompletion(TAG_RECV, -Errno.ECANCELED, 0);
        c.onCompletion(TAG_CANCEL, 0, 0);
        assertThat(c.state()).as("no send was in flight: b closed unsent").isEqualTo(UringConnection.State.CLOSED);
        assertThat(b.isOpen()).isFalse();
        PooledBuffer late = mine("late");
        assertThat(c.write(late, 4)).as("closed").isEqualTo(-1);
        assertThat(late.isOpen()).isFalse();
        assertThat(a.isOpen() || b.isOpen()).isFalse();
        assertMineAllBack();
    }

    @Test
    void aResetMidSendClosesTheBufferInFlightAndTheQueuedOnesOnceTheKernelIsDone() {
        c.open();
        PooledBuffer a = mine("first");
        PooledBuffer b = mine("second");
        c.write(a, 5);
        c.write(b, 6);
        loop.iterate();
        loop.drainOps();
        c.onCompletion(TAG_SEND, 2, CqeFlags.MORE); // a zero-copy send of a, part sent
        c.onCompletion(TAG_RECV, -Errno.ECONNRESET, 0); // the peer resets
        assertThat(loop.drainOps()).containsExactly("cancelAll");
        assertThat(a.isOpen()).as("its notification is still due").isTrue();
        assertThat(b.isOpen()).isTrue();
        c.onCompletion(TAG_CANCEL, 0, 0);
        assertThat(c.state()).as("the send is still in flight").isEqualTo(UringConnection.State.ABORTING);
        assertThat(a.isOpen()).isTrue();
        c.onCompletion(TAG_SEND, 0, CqeFlags.NOTIF);
        assertThat(c.state()).isEqualTo(UringConnection.State.CLOSED);
        assertThat(handler.closeReason).isEqualTo(-Errno.ECONNRESET);
        assertThat(a.isOpen() || b.isOpen()).isFalse();
        assertMineAllBack();
    }

    @Test
    void aSendFailingWithAResetClosesEveryQueuedBuffer() {
        c.open();
        PooledBuffer a = mine("first");
        PooledBuffer b = mine("second");
        c.write(a, 5);
        c.write(b, 6);
        loop.iterate();
        c.onCompletion(TAG_SEND, -Errno.EPIPE, 0);
        c.onCompletion(TAG_RECV, -Errno.ECANCELED, 0);
        c.onCompletion(TAG_CANCEL, 0, 0);
        assertThat(c.state()).isEqualTo(UringConnection.State.CLOSED);
        assertThat(handler.closeReason).isEqualTo(-Errno.EPIPE);
        assertMineAllBack();
    }

    @Test
    void aGracefulCloseSendsTheOwnBuffersFirst() {
        c.open();
        PooledBuffer b = mine("bye");
        c.write(b, 3);
        c.close();
        loop.iterate();
        assertThat(loop.drainOps()).containsExactly("recv", "cancel", "sendOwned 3");
        c.onCompletion(TAG_RECV, -Errno.ECANCELED, 0);
        c.onCompletion(TAG_CANCEL, 0, 0);
        assertThat(b.isOpen()).isTrue();
        c.onCompletion(TAG_SEND, 3, 0);
        assertThat(b.isOpen()).isFalse();
        assertThat(c.state()).isEqualTo(UringConnection.State.LINGERING);
        assertMineAllBack();
    }

    @Test
    void theLoopEndingClosesQueuedOwnBuffers() {
        c.open();
        c.write(mine("x"), 1);
        c.forceRelease();
        assertMineAllBack();
    }

    @Test
    void aGatheringWriteQueuesAPrefixAndClosesTheRest() {
        c.open();
        loop.drainOps();
        PooledBuffer[] bufs = {null, mine("head"), mine(""), mine("body"), mine("tail")};
        int[] lengths = {0, 4, 0, 4, 4};
        long at = bufs[3].segment().address();
        assertThat(c.write(bufs, lengths, 1, 4))
                .as("depth 2: head and body; the empty one needs no entry; tail closed unsent").isEqualTo(8);
        assertThat(bufs[2].isOpen()).isFalse();
        assertThat(bufs[4].isOpen()).isFalse();
        assertThat(bufs[1].isOpen() && bufs[3].isOpen()).isTrue();
        loop.iterate();
        c.onCompletion(TAG_SEND, 4, 0);
        loop.iterate();
        assertThat(loop.drainOps()).containsExactly("sendOwned 4", "sendOwned 4");
        assertThat(loop.lastSendAddress).isEqualTo(at);
        c.onCompletion(TAG_SEND, 4, 0);
        assertThat(handler.events).containsExactly("open", "writable");
        PooledBuffer[] none = {mine("a"), mine("b"), mine("c")};
        c.write(none, new int[] {1, 1, 1}, 0, 2);
        assertThat(c.write(none, new int[] {1, 1, 1}, 2, 1)).as("queue full").isZero();
        assertThat(none[2].isOpen()).isFalse();
        c.abort();
        c.onCompletion(TAG_RECV, -Errno.ECANCELED, 0);
        c.onCompletion(TAG_CANCEL, 0, 0);
        assertThat(c.state()).isEqualTo(UringConnection.State.CLOSED);
        PooledBuffer[] late = {mine("l"), mine("m")};
        assertThat(c.write(late, new int[] {1, 1}, 0, 2)).as("closed").isEqualTo(-1);
        assertMineAllBack();
    }

    @Test
    void aGatheringWriteWithABadEntryQueuesNothingAndClosesTheOthers() {
        c.open();
        PooledBuffer queued = mine("q");
        c.write(queued, 1);
        PooledBuffer a = mine("a");
        PooledBuffer b = mine("b");
        assertThatThrownBy(() -> c.write(new PooledBuffer[] {a, b, a}, new int[] {1, 1, 1}, 0, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("twice");
        assertThat(a.isOpen() || b.isOpen()).isFalse();
        PooledBuffer d = mine("d");
        assertThatThrownBy(() -> c.write(new PooledBuffer[] {d, queued}, new int[] {1, 1}, 0, 2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queued");
        assertThat(d.isOpen()).isFalse();
        assertThat(queued.isOpen()).as("still queued, still the connection's").isTrue();
        PooledBuffer e = mine("e");
        assertThatThrownBy(() -> c.write(new PooledBuffer[] {e, d}, new int[] {1, 1}, 0, 2))
                .isInstanceOf(IllegalStateException.class);
        assertThat(e.isOpen()).isFalse();
        PooledBuffer f = mine("f");
        assertThatThrownBy(() -> c.write(new PooledBuffer[] {f}, new int[] {5000}, 0, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(f.isOpen()).isFalse();
        PooledBuffer g = mine("g");
        assertThatThrownBy(() -> c.write(new PooledBuffer[] {g}, new int[] {1}, 0, 2))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThat(g.isOpen()).as("a range outside the arrays takes nothing").isTrue();
        g.close();
        assertThat(c.pendingBytes()).isEqualTo(1);
        loop.iterate();
        c.onCompletion(TAG_SEND, 1, 0);
        assertMineAllBack();
    }

    @Test
    void aSingleWriteChecksItsHandle() {
        c.open();
        PooledBuffer b = mine("b");
        assertThat(c.write(b, 1)).isEqualTo(1);
        assertThatThrownBy(() -> c.write(b, 1)).as("handed over twice").isInstanceOf(IllegalArgumentException.class);
        assertThat(b.isOpen()).as("the queued one stays queued").isTrue();
        PooledBuffer big = mine("big");
        assertThatThrownBy(() -> c.write(big, mine.tier().size() + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(big.isOpen()).as("taken and closed").isFalse();
        assertThatThrownBy(() -> c.write(big, 1)).as("closed already").isInstanceOf(IllegalStateException.class);
        loop.iterate();
        c.onCompletion(TAG_SEND, 1, 0);
        assertMineAllBack();
    }

    @Test
    void aFixedBufIsSentInPlaceAndClosedAfterItsSend() {
        try (RegisteredPool arena = RegisteredPool.builder(new MemoryOnlyRegistrar(),
                () -> BuddyPool.builder().arenaSize(1 << 20).build()).name("fixed").build()) {
            c.open();
            loop.drainOps();
            FixedBuf a = arena.allocate(4096);
            FixedBuf b = arena.allocate(4096);
            FixedBuf d = arena.allocate(4096);
            long at = a.address();
            assertThat(c.write(a, 100)).isEqualTo(100);
            assertThat(c.write(new FixedBuf[] {b, d}, new int[] {10, 20}, 0, 2)).as("room for one").isEqualTo(10);
            assertThat(d.isOpen()).isFalse();
            loop.iterate();
            assertThat(loop.lastSendAddress).isEqualTo(at);
            c.onCompletion(TAG_SEND, 100, 0);
            assertThat(a.isOpen()).isFalse();
            loop.iterate();
            c.onCompletion(TAG_SEND, 10, 0);
            assertThat(loop.drainOps()).containsExactly("sendOwned 100", "sendOwned 10");
            assertThat(arena.outstanding()).isZero();
            assertThat(c.sendQueue().closedByOthers()).isZero();
        }
    }

    /** A registrar that registers nothing with a kernel: memory-only arenas for the fake loop. */
    static final class MemoryOnlyRegistrar implements BufferRegistrar {
        private int next;
        private boolean registered;

        @Override
        public int[] register(List<MemorySegment> regions) {
            registered = true;
            return add(regions);
        }

        @Override
        public int[] add(List<MemorySegment> regions) {
            int[] idx = new int[regions.size()];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = next++;
            }
            return idx;
        }

        @Override
        public void update(int index, MemorySegment region) {
        }

        @Override
        public void unregister() {
            registered = false;
        }

        @Override
        public boolean isRegistered() {
            return registered;
        }

        @Override
        public void close() {
            registered = false;
        }
    }
}
