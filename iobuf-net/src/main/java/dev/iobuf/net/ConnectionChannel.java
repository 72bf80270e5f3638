package dev.iobuf.net;

import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ScatteringByteChannel;

/**
 * A {@link BlockingConnection} as a byte channel that also scatters and gathers
 * ({@link BlockingConnection#channel()}), so code written against {@code java.nio.channels} runs on
 * a connection and gets scattering reads and gathering writes without a cast.
 *
 * <p>It is an interface of its own rather than a {@link java.nio.channels.SocketChannel}: that is an
 * abstract class bound to a {@link java.nio.channels.spi.SelectorProvider}, with non-blocking mode,
 * selector registration, binding and socket options, none of which a connection carried by a
 * {@link Transport} can honestly offer. Nor is it an
 * {@link java.nio.channels.InterruptibleChannel}: an interrupt does not close it (see
 * {@link BlockingConnection} on interrupts).
 *
 * <p>Calls block, as the connection's do; one reader and one writer may use it at the same time.
 * <ul>
 * <li>{@link #read(java.nio.ByteBuffer) read} fills heap and direct buffers (a direct one must be
 * accessible from other threads: not a view of a confined arena's segment), waits until at least
 * one byte arrived, advances the buffer's position by the count it returns, and returns -1 at end
 * of stream (again on every later call, until the connection is closed). A read-only buffer is
 * refused with an {@link IllegalArgumentException}.</li>
 * <li>A scattering {@link #read(java.nio.ByteBuffer[], int, int) read} is one read of the
 * connection into the first buffer that has room: it returns what is there without waiting for
 * more to fill the next buffers (it cannot know whether more is coming), so callers loop, as they
 * do over a socket.</li>
 * <li>{@link #write(java.nio.ByteBuffer) write}, and the gathering
 * {@link #write(java.nio.ByteBuffer[], int, int) write}, write every remaining byte of every
 * buffer, in order, or throw; each buffer's position ends at its limit.</li>
 * <li>{@link #isOpen()} is false once the connection is closed or closing (by {@link #close()} of
 * this channel, of the connection or of one of its streams, by the peer or by a time-out); calls
 * on a closed channel throw {@link java.nio.channels.ClosedChannelException}, and a call cut short
 * by the closing throws the connection's {@link java.io.IOException}.</li>
 * <li>{@link #close()} closes the connection itself, as {@link BlockingConnection#close()}: what
 * was written is still sent, then the connection closes in both directions.</li>
 * </ul>
 */
public interface ConnectionChannel extends ByteChannel, ScatteringByteChannel, GatheringByteChannel {
}
