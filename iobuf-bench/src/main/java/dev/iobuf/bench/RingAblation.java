package dev.iobuf.bench;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The index ring of {@code dev.iobuf.pool.IndexPool} stripped of the pool around it (no close
 * check, no statistics, no waiters), with switches for the two costs that matter: the ownership
 * CAS that makes double releases fail exactly, and getAndAdd versus a CAS loop on the tail.
 * Benchmark-only: it answers "what does each part of a release cost?".
 */
final class RingAblation {
    long p0, p1, p2, p3, p4, p5, p6, p7, p8, p9, pa, pb, pc, pd, pe, pf;
    volatile long head;
    long q0, q1, q2, q3, q4, q5, q6, q7, q8, q9, qa, qb, qc, qd, qe, qf;
    volatile long tail;
    long r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, ra, rb, rc, rd, re, rf;
    final long[] ring;
    final int[] owner;
    final int mask;
    final boolean checkOwner;
    final boolean casPut;
    boolean storeOwner = true;

    RingAblation(int n, boolean checkOwner, boolean casPut) {
        ring = new long[n];
        owner = new int[n];
        mask = n - 1;
        this.checkOwner = checkOwner;
        this.casPut = casPut;
        for (int i = 0; i < n; i++) {
            ring[i] = (long) i << 32;
        }
        for (int i = 0; i < n; i++) {
            owner[i] = 1;
            release(i);
        }
    }

    int tryAcquire() {
        long[] r = ring;
        int m = mask;
        long p = head;
        for (;;) {
            int slot = (int) p & m;
            long e = (long) RING.getAcquire(r, slot);
            int dif = (int) (e >>> 32) - (int) (p + 1);
            if (dif == 0) {
                if (HEAD.compareAndSet(this, p, p + 1)) {
                    RING.setRelease(r, slot, (long) (int) (p + m + 1) << 32);
                    if (storeOwner) {
                        owner[(int) e] = 1;
                    }
                    return (int) e;
                }
                p = head;
            } else if (dif < 0) {
                if (p >= tail) {
                    return -1;
                }
                p = head;
            } else {
                p = head;
            }
        }
    }

    void release(int index) {
        if (checkOwner) {
            int expect = storeOwner ? 1 : 0;
            if (!OWNER.compareAndSet(owner, index, expect, 0)) {
                throw new IllegalStateException();
            }
        } else {
            owner[index] = 0;
        }
        long[] r = ring;
        if (casPut) {
            int m = mask;
            long p = tail;
            for (;;) {
                int slot = (int) p & m;
                long e = (long) RING.getAcquire(r, slot);
                if ((int) (e >>> 32) == (int) p && TAIL.compareAndSet(this, p, p + 1)) {
                    RING.setRelease(r, slot, ((long) (int) (p + 1) << 32) | (index & 0xFFFF_FFFFL));
                    return;
                }
                p = tail;
            }
        }
        long p = (long) TAIL.getAndAdd(this, 1L);
        int slot = (int) p & mask;
        while ((int) ((long) RING.getAcquire(r, slot) >>> 32) != (int) p) {
            Thread.onSpinWait();
        }
        RING.setRelease(r, slot, ((long) (int) (p + 1) << 32) | (index & 0xFFFF_FFFFL));
    }

    static final VarHandle HEAD, TAIL;
    static final VarHandle RING = MethodHandles.arrayElementVarHandle(long[].class);
    static final VarHandle OWNER = MethodHandles.arrayElementVarHandle(int[].class);

    static {
        try {
            HEAD = MethodHandles.lookup().findVarHandle(RingAblation.class, "head", long.class);
            TAIL = MethodHandles.lookup().findVarHandle(RingAblation.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
