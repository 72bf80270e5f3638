package dev.iobuf.memory;

/*
 * The field layout of MirroredRingBuffer, as IndexRingFields lays out IndexRing (after JCTools):
 * the producer's line (tail, and its copy of head) and the consumer's line (head, and its copy of
 * tail) each sit alone between 128 bytes of padding, so the two threads never false-share.
 * HotSpot lays out superclass fields first, which is what makes padding by inheritance work.
 * The fields are plain: MirroredRingBuffer reads and writes the other side's index through
 * VarHandles with acquire and release.
 */

abstract class MirroredRingPad0 {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}

abstract class MirroredRingProducer extends MirroredRingPad0 {
    /** Bytes committed by the producer so far; written by the producer only, with release. */
    long tail;
    /** The producer's copy of head: at most head, refreshed when the ring looks too full. */
    long headCache;
}

abstract class MirroredRingPad1 extends MirroredRingProducer {
    long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;
}

abstract class MirroredRingConsumer extends MirroredRingPad1 {
    /** Bytes consumed so far; written by the consumer only, with release. */
    long head;
    /** The consumer's copy of tail: at most tail, refreshed when the ring looks too empty. */
    long tailCache;
}

abstract class MirroredRingPad2 extends MirroredRingConsumer {
    long p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p2a, p2b, p2c, p2d, p2e, p2f;
}
