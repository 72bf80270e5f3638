package dev.iobuf.net.uring;

import dev.iobuf.net.Connection;
import dev.iobuf.net.ConnectionHandler;
import dev.iobuf.uring.CqeFlags;
import dev.iobuf.uring.Errno;
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
}
