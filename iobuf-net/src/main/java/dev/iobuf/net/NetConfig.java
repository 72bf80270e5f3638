package dev.iobuf.net;

import dev.iobuf.pool.Tier;

import java.net.SocketOption;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sizes and time-outs of a {@link Server}. Every pool is per event loop: each loop gets a
 * receive pool (all of it in the loop's provided-buffer ring) and a send pool. Immutable; start
 * from {@link #defaults()} and change with the {@code with*} methods.
 *
 * @param receiveTier     size of each receive buffer
 * @param receiveBuffers  receive buffers per loop (the provided-buffer ring; at most 32768)
 * @param sendTier        size of each send buffer
 * @param sendBuffers     send buffers per loop; when they run out, writes are refused and
 *                        receiving pauses until some are free again
 * @param sendQueue       send buffers one connection may hold at most (its queue depth)
 * @param backlog         listen backlog
 * @param idleTimeout     a connection with no completed receive or send for this long is closed;
 *                        {@link Duration#ZERO}: never
 * @param zeroCopyThreshold a send of at least this many bytes (one queued buffer's unsent part)
 *                        goes out as {@code SEND_ZC}: the kernel sends from the buffer itself and
 *                        the buffer is given back only after its notification; 0: never.
 *                        Zero copy pays off for large sends to a network device; on loopback the
 *                        kernel copies anyway and it costs an extra completion.
 * @param socketOptions   socket options set on every connection ({@link #withOption})
 * @param maxConnections  the most connections a server keeps open at once; 0: no limit
 *                        ({@link #withMaxConnections})
 */
public record NetConfig(Tier receiveTier, int receiveBuffers, Tier sendTier, int sendBuffers, int sendQueue,
                        int backlog, Duration idleTimeout, int zeroCopyThreshold,
                        Map<SocketOption<?>, Object> socketOptions, int maxConnections) {
    /** Default receive buffer: 8 KiB. */
    public static final Tier DEFAULT_RECEIVE_TIER = Tier.MEDIUM;
    /** Default receive buffers per loop. */
    public static final int DEFAULT_RECEIVE_BUFFERS = 1024;
    /** Default send buffer: 8 KiB. */
    public static final Tier DEFAULT_SEND_TIER = Tier.MEDIUM;
    /** Default send buffers per loop. */
    public static final int DEFAULT_SEND_BUFFERS = 2048;
    /** Default send queue depth per connection (8 x 8 KiB = 64 KiB in flight). */
    public static final int DEFAULT_SEND_QUEUE = 8;
    /** Default listen backlog. */
    public static final int DEFAULT_BACKLOG = 4096;
    /** Default zero-copy threshold: 32 KiB (never reached with the default 8 KiB send buffers). */
    public static final int DEFAULT_ZERO_COPY_THRESHOLD = 32 * 1024;

    public NetConfig {
        if (receiveBuffers < 1 || receiveBuffers > 32768) {
            throw new IllegalArgumentException("receive buffers per loop must be 1..32768, got " + receiveBuffers);
        }
        if (sendBuffers < 1) {
            throw new IllegalArgumentException("send buffers per loop must be at least 1, got " + sendBuffers);
        }
        if (sendQueue < 1 || sendQueue > 1024) {
            throw new IllegalArgumentException("send queue depth must be 1..1024, got " + sendQueue);
        }
        if (receiveTier.size() > (1 << 30) || sendTier.size() > (1 << 30)) {
            throw new IllegalArgumentException("network buffers must be at most 1 GiB");
        }
        if (zeroCopyThreshold < 0) {
            throw new IllegalArgumentException("zero-copy threshold must be >= 0 (0: never), got " + zeroCopyThreshold);
        }
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idle time-out must not be negative, got " + idleTimeout);
        }
        if (maxConnections < 0) {
            throw new IllegalArgumentException("max connections must be >= 0 (0: no limit), got " + maxConnections);
        }
        socketOptions = Collections.unmodifiableMap(new LinkedHashMap<>(socketOptions));
    }

    /** The defaults: 8 KiB buffers, 1024 receive and 2048 send buffers per loop, no idle time-out. */
    public static NetConfig defaults() {
        return new NetConfig(DEFAULT_RECEIVE_TIER, DEFAULT_RECEIVE_BUFFERS, DEFAULT_SEND_TIER, DEFAULT_SEND_BUFFERS,
                DEFAULT_SEND_QUEUE, DEFAULT_BACKLOG, Duration.ZERO, DEFAULT_ZERO_COPY_THRESHOLD, Map.of(), 0);
    }

    /** With receive buffers of {@code tier}, {@code count} per loop. */
    public NetConfig withReceive(Tier tier, int count) {
        return new NetConfig(tier, count, sendTier, sendBuffers, sendQueue, backlog, idleTimeout, zeroCopyThreshold, socketOptions, maxConnections);
    }

    /** With send buffers of {@code tier}, {@code count} per loop, at most {@code queue} per connection. */
    public NetConfig withSend(Tier tier, int count, int queue) {
        return new NetConfig(receiveTier, receiveBuffers, tier, count, queue, backlog, idleTimeout, zeroCopyThreshold, socketOptions, maxConnections);
    }

    /** With an idle time-out ({@link Duration#ZERO}: none). */
    public NetConfig withIdleTimeout(Duration timeout) {
        return new NetConfig(receiveTier, receiveBuffers, sendTier, sendBuffers, sendQueue, backlog, timeout, zeroCopyThreshold, socketOptions, maxConnections);
    }

    /**
     * With socket option {@code option} set to {@code value} on every connection, accepted or
     * connected (the options {@link Connection#setOption} takes; TCP_NODELAY is on unless set
     * here).
     *
     * @throws UnsupportedOperationException for an option connections do not take
     */
    public <T> NetConfig withOption(SocketOption<T> option, T value) {
        switch (option.name()) {
            case "TCP_NODELAY", "SO_KEEPALIVE", "SO_RCVBUF", "SO_SNDBUF", "SO_LINGER",
                 "TCP_KEEPIDLE", "TCP_KEEPINTERVAL", "TCP_KEEPCOUNT" -> { }
            default -> throw new UnsupportedOperationException("socket option " + option.name() + " is not supported");
        }
        if (option.name().equals("SO_LINGER") && value instanceof Integer secs && secs > 0) {
            throw new IllegalArgumentException("SO_LINGER " + secs + " s would block a loop thread in close(); "
                    + "use 0 (close with a reset) or -1 (off; the transport's close lingers by itself)");
        }
        Map<SocketOption<?>, Object> m = new LinkedHashMap<>(socketOptions);
        m.put(option, java.util.Objects.requireNonNull(value, "value"));
        return new NetConfig(receiveTier, receiveBuffers, sendTier, sendBuffers, sendQueue, backlog, idleTimeout,
                zeroCopyThreshold, m, maxConnections);
    }

    /**
     * With at most {@code max} connections of a server open at once (0: no limit): at the limit
     * the server stops accepting, so new clients wait in the kernel's listen queue
     * ({@link #backlog()}) until a connection closes. A few accepts already under way when the
     * limit is reached may still complete.
     */
    public NetConfig withMaxConnections(int max) {
        return new NetConfig(receiveTier, receiveBuffers, sendTier, sendBuffers, sendQueue, backlog, idleTimeout,
                zeroCopyThreshold, socketOptions, max);
    }

    /** With SEND_ZC for sends of at least {@code bytes} (0: never). */
    public NetConfig withZeroCopyThreshold(int bytes) {
        return new NetConfig(receiveTier, receiveBuffers, sendTier, sendBuffers, sendQueue, backlog, idleTimeout, bytes, socketOptions, maxConnections);
    }

}
