/** Arena allocators (buddy, slab), the {@code FixedBuf} handle and kernel registration. */
package dev.iobuf.alloc;
