package dev.iobuf.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One {@code int} per block or index, the word whose compare-and-set decides who owns it, laid out
 * so that threads working on different blocks do not write to one cache line: the block states of
 * the arena allocators and the owner words of every {@code IndexPool}.
 *
 * <p>A plain {@code int[]} indexed by block number puts sixteen neighbouring blocks on one 64-byte
 * line, and block 0 on the line of the array's header, which every access reads for its bounds
 * check. Two threads allocating and freeing their own blocks then take that line from each other
 * on every operation: measured on the 2-core machine of BENCHMARKS.md, two threads sharing a
 * buddy pool ran at 0.4 times the speed of two threads with a pool each, and at 0.7 times one
 * thread alone. Spreading the words fixes that without padding every word to a line of its own.
 */
public final class StateWords {

    /*
     * Implementation notes.
     *
     * Word i lives at slot(i) = ((i * SPREAD) mod n) + PAD, n the size rounded up to a power of two.
     * Multiplying by an odd constant is a bijection modulo a power of two, so no two blocks share a
     * word; neighbours i and i+d land (d * SPREAD) mod n apart, which for the golden-ratio constant
     * is far for every small d and for every power of two d (the distance between aligned blocks of
     * one order), so blocks next to each other in the arena sit on different lines. PAD words (128
     * bytes, a line and its prefetch partner) before the first slot and after the last keep the
     * header and whatever the heap puts next to the array off the hot lines.
     *
     * Spreading alone leaves a small array with many words per line: a slab pool of 300 blocks
     * has 20 lines, and two threads holding ten blocks each would share some. So an array of
     * fewer than SPREAD_WORDS words is stretched: slot(i) is multiplied by 2^shift (at most 16,
     * a word per 64-byte line) so the array has about SPREAD_WORDS words, 256 KiB at most for
     * any small pool.
     *
     * The cost: up to twice the words when the size is not a power of two, and one multiply per
     * access. A walk over the words in block order (statistics, the buddy census) jumps around the
     * array; it is rare and done under a lock anyway.
     */

    /** Words before the first slot and after the last: 128 bytes. */
    private static final int PAD = 32;
    /** 2^32 / golden ratio, odd. */
    private static final int SPREAD = 0x9E37_79B9;
    /** Arrays of fewer words are stretched to about this many (256 KiB), spacing the words out. */
    private static final int SPREAD_WORDS = 1 << 16;
    /** The widest spacing: one word per 64-byte line. */
    private static final int MAX_SHIFT = 4;
    /** The most words: 2^30. */
    public static final int MAX_SIZE = 1 << 30;

    private final int[] words;
    private final int mask;
    private final int shift;
    private final int size;

    /** {@code size} words, all 0. */
    public StateWords(int size) {
        if (size < 0 || size > MAX_SIZE) {
            throw new IllegalArgumentException("state words: size must be 0 to 2^30, got " + size);
        }
        int n = size <= 1 ? 1 : Integer.highestOneBit(size - 1) << 1;
        int shift = 0;
        while (shift < MAX_SHIFT && (long) n << (shift + 1) <= SPREAD_WORDS) {
            shift++;
        }
        this.words = new int[(n << shift) + 2 * PAD];
        this.mask = n - 1;
        this.shift = shift;
        this.size = size;
    }

    /** The number of words. */
    public int size() {
        return size;
    }

    /** The backing array, for tests of the layout. */
    public int[] wordsForTest() {
        return words;
    }

    private int slot(int i) {
        return (((i * SPREAD) & mask) << shift) + PAD;
    }

    public int getAcquire(int i) {
        return (int) WORD.getAcquire(words, slot(i));
    }

    /** A plain write, for the one thread that owns word {@code i} at the time. */
    public void setPlain(int i, int value) {
        words[slot(i)] = value;
    }

    public void setRelease(int i, int value) {
        WORD.setRelease(words, slot(i), value);
    }

    public boolean compareAndSet(int i, int expect, int update) {
        return WORD.compareAndSet(words, slot(i), expect, update);
    }

    private static final VarHandle WORD = MethodHandles.arrayElementVarHandle(int[].class);
}
