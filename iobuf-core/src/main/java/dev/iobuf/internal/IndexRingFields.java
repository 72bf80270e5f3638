package dev.iobuf.internal;

/*
 * The field layout of IndexRing, after JCTools: the consumer counter (head)
 * and the producer counter (tail) each sit alone between 128 bytes of padding, so pollers and
 * offerers never false-share. HotSpot lays out superclass fields first, which is what makes
 * padding by inheritance work.
 */

abstract class IndexRingPad0 {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}

abstract class IndexRingHead extends IndexRingPad0 {
    /** Next position to poll; the count of successful polls so far. */
    volatile long head;
}

abstract class IndexRingPad1 extends IndexRingHead {
    long p10, p11, p12, p13, p14, p15, p16, p17, p18, p19, p1a, p1b, p1c, p1d, p1e, p1f;
}

abstract class IndexRingTail extends IndexRingPad1 {
    /** Next position to offer at; the count of successful offers so far. */
    volatile long tail;
}

abstract class IndexRingPad2 extends IndexRingTail {
    long p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p2a, p2b, p2c, p2d, p2e, p2f;
}
