package dev.iobuf.pool;

/*
 * The field layout of IndexPool, after JCTools: the consumer counter (head) and the producer
 * counter (tail) each sit alone on their own pair of cache lines (128 bytes of padding on each
 * side, for adjacent-line prefetch), so acquirers and releasers never false-share, and neither
 * shares a line with the read-mostly fields of IndexPool. HotSpot lays out superclass fields
 * before subclass fields, which is what makes padding by inheritance work.
 */

abstract class IndexPoolPad0 {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}

abstract class IndexPoolHead extends IndexPoolPad0 {
    /** Next position to take from; the count of successful takes so far. */
    volatile long head;
    /**
     * The highest number of indices seen in use; written by takers only (every few takes and on a
     * failed try), so it lives on the takers' line, not on the read-mostly line every call reads.
     */
    long peakInUse;
}

abstract class IndexPoolPad1 extends IndexPoolHead {
    long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;
}

abstract class IndexPoolTail extends IndexPoolPad1 {
    /** Next position to put at; the count of puts (including the initial fill) so far. */
    volatile long tail;
}

abstract class IndexPoolPad2 extends IndexPoolTail {
    long p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p2a, p2b, p2c, p2d, p2e, p2f;
}
