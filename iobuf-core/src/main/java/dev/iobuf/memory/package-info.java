/**
 * Aligned native memory: page- and cache-line-aligned segments, huge-page backed slabs,
 * {@code struct iovec} arrays and accounting of every native byte the library allocates.
 */
package dev.iobuf.memory;
