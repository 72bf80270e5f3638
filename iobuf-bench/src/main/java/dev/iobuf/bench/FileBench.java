package dev.iobuf.bench;

import dev.iobuf.alloc.BufferRegistrar;
import dev.iobuf.files.AsyncFile;
import dev.iobuf.files.BlockingFile;
import dev.iobuf.files.FileBatch;
import dev.iobuf.files.FileCompletion;
import dev.iobuf.files.FileOption;
import dev.iobuf.uring.OpFlags;
import dev.iobuf.uring.reactor.EventLoop;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * iobuf-files against fio: one process, one mode, a warm-up period, then a measurement window, one
 * {@code RESULT ...} line per result on stdout. {@code iobuf-bench/run-files.sh} runs it against
 * fio in alternating rounds, both pinned to one core.
 *
 * <ul>
 * <li>{@code randread}: O_DIRECT random reads of {@code --bs} (4 KiB) at queue depth {@code --qd}
 *     (32) on one event loop, callback style ({@link AsyncFile}): each completion issues the next
 *     read at a random aligned offset (xorshift; nothing allocated per read).</li>
 * <li>{@code seqread} / {@code seqwrite}: the same with sequential offsets (wrapping at the end of
 *     the file), {@code --bs} 1 MiB and {@code --qd} 8 by default.</li>
 * <li>{@code cached}: random 4 KiB reads of the file in the page cache (no O_DIRECT) from one
 *     platform thread: {@link FileBatch} with each batch size of {@code --batches} against
 *     {@code FileChannel.read(directByteBuffer, position)}.</li>
 * </ul>
 *
 * <p>Variants ({@code --variant}, several comma-separated or {@code all}): {@code plain} (buffers
 * not registered, an fd), {@code registered} (the buffers' slab registered on the loop's ring:
 * AsyncFile sends READ_FIXED/WRITE_FIXED by itself), {@code fixed} (registered buffers and
 * {@link FileOption#FIXED_FILE}). Each variant gets its own warm-up and window in the same JVM.
 *
 * <p>CPU: the whole JVM's {@code utime + stime} from {@code /proc/self/stat} over the window
 * (every thread: loop, caller, JIT, GC), as {@code cpu_ns_per_io}; {@code loop_cpu_ns_per_io} is
 * the loop thread's own share; {@code enters_per_io} counts loop iterations (one
 * {@code io_uring_enter} each) per I/O.
 */
public final class FileBench {
    private FileBench() {
    }

    static final String USAGE = """
            usage: FileBench --mode randread|seqread|seqwrite|cached --file PATH [options]
              --seconds S        measurement window per result (default 5)
              --warmup S         warm-up before each window (default 2)
              --qd N             reads/writes in flight (randread 32, seq 8)
              --bs BYTES         block size (randread/cached 4096, seq 1048576; k/m suffixes)
              --variant V,..     plain, registered, fixed or all (default: fixed)
              --batches 1,2,..   cached: FileBatch sizes (default 1,2,4,8,16,32)
              --size BYTES       create the file with this size when it is missing (default 1g)
            """;

    /** What one result measured. */
    record Result(String mode, String variant, int batch, long ops, long bytes, long windowNanos,
                  long cpuNanos, long loopCpuNanos, long enters) {
        double iops() {
            return ops * 1e9 / windowNanos;
        }

        double mbps() {
            return bytes * 1e9 / windowNanos / 1e6;
        }

        String line() {
            StringBuilder b = new StringBuilder("RESULT mode=").append(mode);
            b.append(" variant=").append(variant);
            if (batch > 0) {
                b.append(" batch=").append(batch);
            }
            b.append(String.format(Locale.ROOT, " iops=%.0f mbps=%.1f cpu_ns_per_io=%.0f", iops(), mbps(),
                    ops == 0 ? 0.0 : (double) cpuNanos / ops));
            if (loopCpuNanos >= 0) {
                b.append(String.format(Locale.ROOT, " loop_cpu_ns_per_io=%.0f enters_per_io=%.3f",
                        ops == 0 ? 0.0 : (double) loopCpuNanos / ops, ops == 0 ? 0.0 : (double) enters / ops));
            }
            b.append(String.format(Locale.ROOT, " cpu_util=%.2f seconds=%.2f ops=%d", (double) cpuNanos / windowNanos,
                    windowNanos / 1e9, ops));
            return b.toString();
        }
    }

    public static void main(String[] args) throws Exception {
        int code = run(args, r -> System.out.println(r.line()));
        System.out.flush();
        System.exit(code);
    }

    /** Runs one mode with {@code args}; hands each result to {@code out}. 0, or 2 for bad arguments. */
    public static int run(String[] args, java.util.function.Consumer<Result> out) throws Exception {
        String mode = null;
        Path file = null;
        double seconds = 5;
        double warmup = 2;
        int qd = -1;
        int bs = -1;
        List<String> variants = List.of("fixed");
        int[] batches = {1, 2, 4, 8, 16, 32};
        long size = 1L << 30;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                System.err.print("FileBench: " + a + " needs a value\n" + USAGE);
                return 2;
            }
            String v = args[++i];
            switch (a) {
                case "--mode" -> mode = v;
                case "--file" -> file = Path.of(v);
                case "--seconds" -> seconds = Double.parseDouble(v);
                case "--warmup" -> warmup = Double.parseDouble(v);
                case "--qd" -> qd = Integer.parseInt(v);
                case "--bs" -> bs = (int) bytes(v);
                case "--size" -> size = bytes(v);
                case "--variant" -> variants = v.equals("all") ? List.of("plain", "registered", "fixed") : List.of(v.split(","));
                case "--batches" -> {
                    String[] p = v.split(",");
                    batches = new int[p.length];
                    for (int k = 0; k < p.length; k++) {
                        batches[k] = Integer.parseInt(p[k].trim());
                    }
                }
                default -> {
                    System.err.print("FileBench: unknown option " + a + "\n" + USAGE);
                    return 2;
                }
            }
        }
        if (mode == null || file == null) {
            System.err.print(USAGE);
            return 2;
        }
        for (String v : variants) {
            if (!Set.of("plain", "registered", "fixed").contains(v)) {
                System.err.println("FileBench: unknown variant " + v + " (plain, registered, fixed, all)");
                return 2;
            }
        }
        boolean seq = mode.startsWith("seq");
        if (qd < 0) {
            qd = seq ? 8 : 32;
        }
        if (bs < 0) {
            bs = seq ? 1 << 20 : 4096;
        }
        ensureFile(file, size);
        long nanos = (long) (seconds * 1e9);
        long warm = (long) (warmup * 1e9);
        switch (mode) {
            case "randread", "seqread", "seqwrite" -> {
                for (String v : variants) {
                    out.accept(direct(mode, v, file, qd, bs, warm, nanos));
                }
            }
            case "cached" -> cached(file, bs, batches, variants.getFirst(), warm, nanos, out);
            default -> {
                System.err.print("FileBench: unknown mode " + mode + "\n" + USAGE);
                return 2;
            }
        }
        return 0;
    }

    static long bytes(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        long mul = 1;
        if (t.endsWith("k")) {
            mul = 1L << 10;
        } else if (t.endsWith("m")) {
            mul = 1L << 20;
        } else if (t.endsWith("g")) {
            mul = 1L << 30;
        }
        if (mul != 1) {
            t = t.substring(0, t.length() - 1);
        }
        return Long.parseLong(t) * mul;
    }

    /** Writes {@code size} bytes of random data to {@code file} when it is missing or smaller. */
    static void ensureFile(Path file, long size) throws IOException {
        if (Files.exists(file) && Files.size(file) >= size) {
            return;
        }
        System.err.printf("FileBench: writing %d MiB to %s%n", size >> 20, file);
        byte[] chunk = new byte[1 << 20];
        SplittableRandom rnd = new SplittableRandom(7);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer bb = ByteBuffer.allocateDirect(chunk.length);
            for (long off = 0; off < size; off += chunk.length) {
                rnd.nextBytes(chunk);
                bb.clear().put(chunk).flip();
                while (bb.hasRemaining()) {
                    ch.write(bb, off + bb.position());
                }
            }
            ch.force(false);
        }
    }

    // ---- O_DIRECT: randread, seqread, seqwrite on one loop, callbacks ---------------------------------

    /** Keeps {@code qd} operations in flight; each completion issues the next. Loop thread only. */
    static final class DirectRun implements FileCompletion {
        final AsyncFile file;
        final MemorySegment[] buffers;
        final boolean write;
        final boolean random;
        final int bs;
        final long blocks;
        final long end;
        final CountDownLatch drained = new CountDownLatch(1);
        long x = 0x9E3779B97F4A7C15L;
        long seqNext;
        long ops;
        long errors;
        int lastError;
        int inFlight;
        boolean stop;
        long iterations;

        DirectRun(AsyncFile file, MemorySegment[] buffers, boolean write, boolean random, int bs, long fileSize) {
            this.file = file;
            this.buffers = buffers;
            this.write = write;
            this.random = random;
            this.bs = bs;
            this.blocks = fileSize / bs;
            this.end = blocks * bs;
        }

        void start() {
            for (int i = 0; i < buffers.length; i++) {
                inFlight++;
                issue(i);
            }
        }

        private long nextOffset() {
            if (random) {
                long s = x;
                s ^= s << 13;
                s ^= s >>> 7;
                s ^= s << 17;
                x = s;
                return ((s >>> 32) * blocks >>> 32) * bs;
            }
            long off = seqNext;
            long next = off + bs;
            seqNext = next >= end ? 0 : next;
            return off;
        }

        private void issue(int i) {
            if (write) {
                file.write(buffers[i], nextOffset(), this, i);
            } else {
                file.read(buffers[i], nextOffset(), this, i);
            }
        }

        @Override
        public void onComplete(long token, int result) {
            ops++;
            if (result != bs) {
                errors++;
                lastError = result;
                if (errors > 1000) {
                    stop = true;
                }
            }
            if (stop) {
                if (--inFlight == 0) {
                    drained.countDown();
                }
                return;
            }
            issue((int) token);
        }
    }

    private static Result direct(String mode, String variant, Path path, int qd, int bs, long warm, long window)
            throws Exception {
        boolean write = mode.equals("seqwrite");
        boolean random = mode.equals("randread");
        boolean registered = !variant.equals("plain");
        boolean fixedFile = variant.equals("fixed");
        long fileSize = Files.size(path);
        EventLoop loop = EventLoop.start("files-bench", 256, 1024);
        Arena arena = Arena.ofShared();
        try {
            dropCache(loop, path);
            Set<OpenOption> opts = new HashSet<>();
            opts.add(write ? StandardOpenOption.WRITE : StandardOpenOption.READ);
            opts.add(FileOption.DIRECT);
            if (fixedFile) {
                opts.add(FileOption.FIXED_FILE);
            }
            AsyncFile file = open(loop, path, opts);
            MemorySegment slab = arena.allocate((long) qd * bs, 4096);
            if (write) {
                byte[] junk = new byte[(int) Math.min(slab.byteSize(), 1 << 20)];
                new SplittableRandom(3).nextBytes(junk);
                for (long off = 0; off < slab.byteSize(); off += junk.length) {
                    MemorySegment.copy(MemorySegment.ofArray(junk), 0, slab, off, Math.min(junk.length, slab.byteSize() - off));
                }
            }
            MemorySegment[] buffers = new MemorySegment[qd];
            for (int i = 0; i < qd; i++) {
                buffers[i] = slab.asSlice((long) i * bs, bs);
            }
            if (registered) {
                onLoop(loop, () -> loop.bufferTable().tenant().register(List.of(slab)));
            }
            DirectRun run = new DirectRun(file, buffers, write, random, bs, fileSize);
            onLoop(loop, () -> {
                loop.onIteration(() -> run.iterations++);
                run.start();
                return null;
            });
            Result r = measure(loop, mode, variant, bs, warm, window, () -> run.ops, () -> run.iterations);
            onLoop(loop, () -> run.stop = true);
            if (!run.drained.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("operations did not drain");
            }
            long fixedOps = onLoop(loop, file::fixedBufferOperations);
            if (registered && fixedOps == 0) {
                throw new IllegalStateException("variant " + variant + " sent no READ_FIXED/WRITE_FIXED");
            }
            if (!registered && fixedOps != 0) {
                throw new IllegalStateException("variant plain sent fixed-buffer operations");
            }
            if (run.errors > 0) {
                throw new IllegalStateException(run.errors + " operations did not move " + bs + " bytes; last result "
                        + run.lastError);
            }
            onLoop(loop, () -> {
                file.close();
                return null;
            });
            return r;
        } finally {
            loop.close();
            arena.close();
        }
    }

    /**
     * Waits {@code warm}, then measures a window of {@code window} ns: operations and loop
     * iterations read on the loop thread at both ends, the process's CPU time from /proc.
     */
    private static Result measure(EventLoop loop, String mode, String variant, int bs, long warm, long window,
                                  Supplier<Long> ops, Supplier<Long> iterations) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        sleepNanos(warm);
        long[] s0 = onLoop(loop, () -> new long[] {ops.get(), iterations.get(), mx.getCurrentThreadCpuTime()});
        long c0 = processCpuNanos();
        long t0 = System.nanoTime();
        sleepNanos(window);
        long[] s1 = onLoop(loop, () -> new long[] {ops.get(), iterations.get(), mx.getCurrentThreadCpuTime()});
        long c1 = processCpuNanos();
        long t1 = System.nanoTime();
        long n = s1[0] - s0[0];
        return new Result(mode, variant, 0, n, n * bs, t1 - t0, c1 - c0, s1[2] - s0[2], s1[1] - s0[1]);
    }

    private static void sleepNanos(long nanos) throws InterruptedException {
        long end = System.nanoTime() + nanos;
        for (long left = nanos; left > 0; left = end - System.nanoTime()) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    /** Drops the page cache of {@code path} (ours), so O_DIRECT runs read the disk. */
    private static void dropCache(EventLoop loop, Path path) throws IOException {
        try (BlockingFile f = BlockingFile.open(loop, path, StandardOpenOption.READ)) {
            f.advise(0, 0, OpFlags.POSIX_FADV_DONTNEED);
        }
    }

    private static AsyncFile open(EventLoop loop, Path path, Set<OpenOption> opts) throws Exception {
        CompletableFuture<AsyncFile> f = new CompletableFuture<>();
        loop.execute(() -> AsyncFile.open(loop, path, opts, (file, failure) -> {
            if (failure != null) {
                f.completeExceptionally(failure);
            } else {
                f.complete(file);
            }
        }));
        return f.get(10, TimeUnit.SECONDS);
    }

    static <T> T onLoop(EventLoop loop, java.util.concurrent.Callable<T> task) throws Exception {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    private static void onLoop(EventLoop loop, Runnable task) throws Exception {
        onLoop(loop, () -> {
            task.run();
            return null;
        });
    }

    // ---- cached: FileBatch against FileChannel on one thread -----------------------------------------

    private static void cached(Path path, int bs, int[] batches, String variant, long warm, long window,
                               java.util.function.Consumer<Result> out) throws Exception {
        long fileSize = Files.size(path);
        long blocks = fileSize / bs;
        // read the whole file once so that it is in the page cache
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer big = ByteBuffer.allocateDirect(1 << 20);
            for (long off = 0; off < fileSize; ) {
                big.clear();
                int n = ch.read(big, off);
                if (n <= 0) {
                    break;
                }
                off += n;
            }
        }
        Xorshift rnd = new Xorshift();

        // FileChannel.read(direct ByteBuffer, position)
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer bb = ByteBuffer.allocateDirect(bs);
            Step step = () -> {
                bb.clear();
                int n = ch.read(bb, rnd.next(blocks) * bs);
                if (n != bs) {
                    throw new IOException("FileChannel.read returned " + n);
                }
                return 1;
            };
            out.accept(timed("cached", "filechannel", 1, bs, step, warm, window));
        }

        // FileBatch: one hand-off to the loop and one wake-up per batch
        boolean registered = !variant.equals("plain");
        Set<OpenOption> opts = new HashSet<>();
        opts.add(StandardOpenOption.READ);
        if (variant.equals("fixed")) {
            opts.add(FileOption.FIXED_FILE);
        }
        EventLoop loop = EventLoop.start("files-bench", 256, 1024);
        Arena arena = Arena.ofShared();
        try (BlockingFile file = BlockingFile.open(loop, path, opts)) {
            int max = 0;
            for (int b : batches) {
                max = Math.max(max, b);
            }
            MemorySegment slab = arena.allocate((long) max * bs, 4096);
            MemorySegment[] buffers = new MemorySegment[max];
            for (int i = 0; i < max; i++) {
                buffers[i] = slab.asSlice((long) i * bs, bs);
            }
            if (registered) {
                onLoop(loop, () -> {
                    BufferRegistrar t = loop.bufferTable().tenant();
                    t.register(List.of(slab));
                    return null;
                });
            }
            long[] iterations = new long[1];
            onLoop(loop, () -> loop.onIteration(() -> iterations[0]++));
            for (int b : batches) {
                FileBatch batch = new FileBatch(loop, b);
                Step step = () -> {
                    batch.clear();
                    for (int i = 0; i < b; i++) {
                        batch.read(file, buffers[i], rnd.next(blocks) * bs);
                    }
                    batch.submitAndAwait();
                    for (int i = 0; i < b; i++) {
                        if (batch.result(i) != bs) {
                            throw new IOException("FileBatch read returned " + batch.result(i));
                        }
                    }
                    return b;
                };
                Result r = timedOnLoop(loop, "cached", "filebatch-" + variant, b, bs, step, warm, window, iterations);
                out.accept(r);
            }
        } finally {
            loop.close();
            arena.close();
        }
    }

    @FunctionalInterface
    interface Step {
        /** Does some operations; returns how many. */
        int run() throws IOException;
    }

    static final class Xorshift {
        long x = 0x2545F4914F6CDD1DL;

        long next(long bound) {
            long s = x;
            s ^= s << 13;
            s ^= s >>> 7;
            s ^= s << 17;
            x = s;
            return (s >>> 32) * bound >>> 32;
        }
    }

    private static Result timed(String mode, String variant, int batch, int bs, Step step, long warm, long window)
            throws IOException {
        long end = System.nanoTime() + warm;
        while (System.nanoTime() < end) {
            step.run();
        }
        long c0 = processCpuNanos();
        long t0 = System.nanoTime();
        long stopAt = t0 + window;
        long ops = 0;
        long t;
        do {
            for (int i = 0; i < 16; i++) {
                ops += step.run();
            }
            t = System.nanoTime();
        } while (t < stopAt);
        long c1 = processCpuNanos();
        return new Result(mode, variant, batch, ops, ops * bs, t - t0, c1 - c0, -1, 0);
    }

    private static Result timedOnLoop(EventLoop loop, String mode, String variant, int batch, int bs, Step step,
                                      long warm, long window, long[] iterations) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long end = System.nanoTime() + warm;
        while (System.nanoTime() < end) {
            step.run();
        }
        long[] s0 = onLoop(loop, () -> new long[] {iterations[0], mx.getCurrentThreadCpuTime()});
        long c0 = processCpuNanos();
        long t0 = System.nanoTime();
        long stopAt = t0 + window;
        long ops = 0;
        long t;
        do {
            ops += step.run();
            t = System.nanoTime();
        } while (t < stopAt);
        long c1 = processCpuNanos();
        long[] s1 = onLoop(loop, () -> new long[] {iterations[0], mx.getCurrentThreadCpuTime()});
        // two onLoop hand-offs count as iterations too; negligible against the window's
        return new Result(mode, variant, batch, ops, ops * bs, t - t0, c1 - c0, s1[1] - s0[1], s1[0] - s0[0]);
    }

    // ---- CPU time of the whole process ---------------------------------------------------------------

    private static final long CLK_TCK = clockTicks();

    /** utime + stime of this process (every thread), from /proc/self/stat, in ns. */
    static long processCpuNanos() throws IOException {
        String s = Files.readString(Path.of("/proc/self/stat"));
        // fields after the command name (which may hold spaces), from field 3 (state) on
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 utime, 15 stime
        return ticks * 1_000_000_000L / CLK_TCK;
    }

    private static long clockTicks() {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle sysconf = linker.downcallHandle(linker.defaultLookup().find("sysconf").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
            long t = (long) sysconf.invokeExact(2); // _SC_CLK_TCK
            return t > 0 ? t : 100;
        } catch (Throwable t) {
            return 100;
        }
    }
}
