/**
 * Lock-free bounded pools of indices and the buffer pools built on them.
 *
 * <p>Naming convention for memory accesses inside this package (after JCTools): {@code lv} load
 * volatile, {@code la} load acquire, {@code lp} load plain, {@code so} store ordered (release),
 * {@code sv} store volatile, {@code cas} compare-and-set.
 */
package dev.iobuf.pool;
