/**
 * Aligned native memory: page- and cache-line-aligned segments, huge-page backed slabs,
 * {@code struct iovec} arrays, a mirrored ring buffer whose spans never wrap, and accounting of
 * every native byte the library allocates.
 */
package dev.iobuf.memory;
