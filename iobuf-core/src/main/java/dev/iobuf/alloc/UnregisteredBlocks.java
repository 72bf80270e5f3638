package dev.iobuf.alloc;

import dev.iobuf.memory.NativeSlab;

import java.lang.foreign.MemorySegment;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Blocks mapped one by one outside a pool's regions, named by tickets in
 * {@link Block#UNREGISTERED_REGION} whose offset field is an id. The slow path of
 * {@link OversizePolicy#UNREGISTERED}: each block is its own {@link NativeSlab}, so freeing it
 * unmaps it and any later access through its segment fails instead of touching reused memory.
 */
final class UnregisteredBlocks {
    private final ConcurrentHashMap<Long, NativeSlab> live = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    /** Bytes mapped for live blocks (statistics). */
    private final AtomicLong bytes = new AtomicLong();
    private final String what;
    private volatile boolean closed;

    UnregisteredBlocks(String what) {
        this.what = what;
    }

    /** Maps a block of at least {@code size} bytes; throws NativeMemoryExhaustedException when refused. */
    long allocate(long size) {
        NativeSlab slab = NativeSlab.map(size, false, what);
        long id = ids.incrementAndGet();
        bytes.addAndGet(slab.size());
        live.put(id, slab);
        // An allocation racing closeAll: either closeAll's walk sees this entry (the put comes
        // before this read of closed, which comes before closeAll's write of it, which comes
        // before its walk), or this read sees closed; whichever removes the entry unmaps it.
        if (closed) {
            NativeSlab mine = live.remove(id);
            if (mine != null) {
                bytes.addAndGet(-mine.size());
                mine.close();
            }
            throw new IllegalStateException(what + ": the pool is closed");
        }
        return Block.of(Block.UNREGISTERED_REGION, 0, id);
    }

    MemorySegment segment(long block) {
        return slab(block).segment();
    }

    long blockSize(long block) {
        return slab(block).size();
    }

    /** Unmaps the block; returns its size. */
    long free(long block) {
        NativeSlab slab = live.remove(Block.offset(block));
        if (slab == null) {
            throw new IllegalStateException("unregistered block " + Block.offset(block) + " of " + what
                    + " is not allocated: freed twice, or freed with a stale ticket");
        }
        long size = slab.size();
        bytes.addAndGet(-size);
        slab.close();
        return size;
    }

    /** Bytes mapped for blocks now. */
    long bytes() {
        return bytes.get();
    }

    /** Blocks mapped now. */
    int count() {
        return live.size();
    }

    /** Unmaps every block (the pool is closing). */
    void closeAll() {
        closed = true;
        for (Long id : live.keySet()) {
            NativeSlab slab = live.remove(id);
            if (slab != null) {
                bytes.addAndGet(-slab.size());
                slab.close();
            }
        }
    }

    private NativeSlab slab(long block) {
        NativeSlab slab = live.get(Block.offset(block));
        if (slab == null) {
            throw new IllegalStateException("unregistered block " + Block.offset(block) + " of " + what
                    + " is not allocated (already freed?)");
        }
        return slab;
    }
}
