package dev.iobuf.files;

import dev.iobuf.uring.Errno;
import dev.iobuf.uring.reactor.EventLoop;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The callback style on the loop thread: linked chains, results as they are, no allocation per operation. */
class AsyncFileTest {
    static EventLoop loop;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        loop = EventLoop.start("async-file-test");
    }

    @AfterAll
    static void stop() {
        loop.close();
    }

    static AsyncFile open(Path p, StandardOpenOption... options) throws Exception {
        CompletableFuture<AsyncFile> f = new CompletableFuture<>();
        loop.execute(() -> AsyncFile.open(loop, p, Set.of(options), (file, failure) -> {
            if (failure != null) {
                f.completeExceptionally(failure);
            } else {
                f.complete(file);
            }
        }));
        return f.get(10, TimeUnit.SECONDS);
    }

    @Test
    void fsyncRunsAfterTheWritesOfItsLinkedChain() throws Exception {
        Path p = dir.resolve("chain");
        AsyncFile file = open(p, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
        List<Long> order = new ArrayList<>();
        List<Integer> results = new ArrayList<>();
        CompletableFuture<Void> done = new CompletableFuture<>();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment a = arena.allocate(4096);
            MemorySegment b = arena.allocate(4096);
            a.fill((byte) 'a');
            b.fill((byte) 'b');
            FileCompletion c = (token, res) -> {
                order.add(token);
                results.add(res);
                if (token == 3) {
                    done.complete(null);
                }
            };
            loop.execute(() -> {
                file.write(a, 0, c, 1);
                file.linkNext();
                file.write(b, 4096, c, 2);
                file.linkNext();
                file.fdatasync(c, 3);
            });
            done.get(10, TimeUnit.SECONDS);
        }
        assertThat(order).containsExactly(1L, 2L, 3L);
        assertThat(results).containsExactly(4096, 4096, 0);
        assertThat(Files.size(p)).isEqualTo(8192);
        closeOnLoop(file);
    }

    @Test
    void aFailedLinkCancelsTheRestOfTheChain() throws Exception {
        Path p = Files.write(dir.resolve("ro"), new byte[10]);
        AsyncFile file = open(p, StandardOpenOption.READ);
        CompletableFuture<int[]> done = new CompletableFuture<>();
        int[] res = new int[2];
        try (Arena arena = Arena.ofShared()) {
            MemorySegment m = arena.allocate(10);
            loop.execute(() -> {
                file.write(m, 0, (t, r) -> res[0] = r, 0);  // read-only file: EBADF
                file.linkNext();
                file.fsync((t, r) -> {
                    res[1] = r;
                    done.complete(res);
                }, 0);
            });
            int[] r = done.get(10, TimeUnit.SECONDS);
            assertThat(r[0]).isEqualTo(-Errno.EBADF);
            assertThat(r[1]).isEqualTo(-Errno.ECANCELED);
        }
        closeOnLoop(file);
    }

    @Test
    void readsAllocateNothingPerOperation() throws Exception {
        // windows of 2,000 reads each until one allocates (almost) nothing: compilation may be
        // late on a busy machine, and code that allocates per read never gives a clean window
        Path p = Files.write(dir.resolve("alloc"), new byte[64 * 1024]);
        AsyncFile file = open(p, StandardOpenOption.READ);
        int window = 2_000;
        int windows = 40;
        CompletableFuture<long[]> done = new CompletableFuture<>();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(4096, 4096);
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            FileCompletion again = new FileCompletion() {
                long n;
                long before;
                long best = Long.MAX_VALUE;

                @Override
                public void onComplete(long token, int result) {
                    n++;
                    if (n % window == 0) {
                        long now = mx.getCurrentThreadAllocatedBytes();
                        if (n > window) {
                            best = Math.min(best, now - before);
                        }
                        before = mx.getCurrentThreadAllocatedBytes();
                    }
                    if (result != 4096 || n == (long) window * windows || best < 256) {
                        done.complete(new long[] {result, best});
                        return;
                    }
                    file.read(buf, (n % 16) * 4096, this, n);
                }
            };
            loop.execute(() -> file.read(buf, 0, again, 0));
            long[] r = done.get(60, TimeUnit.SECONDS);
            assertThat(r[0]).isEqualTo(4096);
            assertThat(r[1]).as("fewest bytes allocated over a window of %d reads", window).isLessThan(256);
        }
        closeOnLoop(file);
    }

    @Test
    void closeWaitsForOperationsInFlightAndRefusesNewOnes() throws Exception {
        Path p = Files.write(dir.resolve("close"), new byte[4096]);
        AsyncFile file = open(p, StandardOpenOption.READ);
        CompletableFuture<String> done = new CompletableFuture<>();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(4096);
            StringBuilder log = new StringBuilder();
            int[] left = {2};
            loop.execute(() -> {
                file.read(buf, 0, (t, r) -> {
                    log.append("read ").append(r).append(';');
                    if (--left[0] == 0) {
                        done.complete(log.toString());
                    }
                }, 0);
                file.close((t, r) -> {
                    log.append("close ").append(r).append(';');
                    if (--left[0] == 0) {
                        done.complete(log.toString());
                    }
                }, 0);
                try {
                    file.read(buf, 0, (t, r) -> { }, 0);
                    log.append("read after close accepted;");
                } catch (IllegalStateException e) {
                    log.append("refused;");
                }
            });
            String seen = done.get(10, TimeUnit.SECONDS);
            // the close goes out only after the read completed: its completion comes last
            assertThat(seen).isEqualTo("refused;read 4096;close 0;");
        }
        assertThat(onLoop(() -> file.isOpen())).isFalse();
    }

    static void closeOnLoop(AsyncFile file) throws Exception {
        CompletableFuture<Integer> r = new CompletableFuture<>();
        loop.execute(() -> file.close((t, res) -> r.complete(res), 0));
        assertThat(r.get(10, TimeUnit.SECONDS)).isZero();
    }

    static <T> T onLoop(java.util.concurrent.Callable<T> task) throws Exception {
        return BlockingFileTest.onLoop(loop, task);
    }
}
