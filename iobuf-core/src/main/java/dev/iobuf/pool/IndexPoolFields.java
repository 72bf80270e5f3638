package dev.iobuf.pool;

/*
 * The field layout of IndexPool: the in-use peak, written by takers every few takes, sits alone
 * between 128 bytes of padding on each side (a line and its prefetch partner), so its writes never
 * invalidate the read-mostly fields every acquire and release reads. The ring's own counters and
 * cells are padded in IndexRing. HotSpot lays out superclass fields before subclass fields, which
 * is what makes padding by inheritance work.
 */

abstract class IndexPoolPad0 {
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p0a, p0b, p0c, p0d, p0e, p0f;
}

abstract class IndexPoolPeak extends IndexPoolPad0 {
    /** The highest number of indices seen in use; raised by takers only (every few takes and on a failed try), with a CAS-max. */
    volatile long peakInUse;
}

abstract class IndexPoolPad2 extends IndexPoolPeak {
    long p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p2a, p2b, p2c, p2d, p2e, p2f;
}
