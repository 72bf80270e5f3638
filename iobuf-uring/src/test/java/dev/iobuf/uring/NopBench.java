package dev.iobuf.uring;

/**
 * A quick NOP benchmark without JMH: ns per NOP submitted and reaped, in batches of 1, 32 and 256.
 * The peer is {@code iobuf-bench/src/main/c/nop_bench.c} (liburing), run the same way.
 *
 * <p>Run: {@code iobuf-uring/scripts/nop-bench.sh} (or with the test classpath:
 * {@code java --enable-native-access=ALL-UNNAMED -cp ... dev.iobuf.uring.NopBench [seconds]}).
 */
public final class NopBench {
    private static long sink;

    private NopBench() {
    }

    public static void main(String[] args) {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2.0;
        CqeHandler handler = (u, r, f) -> sink += u;
        try (IoUring ring = IoUring.builder().entries(256).open()) {
            System.out.printf("io_uring setup flags 0x%x, kernel %s%n", ring.setupFlags(), System.getProperty("os.version"));
            for (int batch : new int[] {1, 32, 256}) {
                run(ring, handler, batch, seconds / 2);        // warm-up
                double ns = run(ring, handler, batch, seconds);
                System.out.printf("java  batch %3d: %8.1f ns/op%n", batch, ns);
            }
        }
        if (sink == 42) {
            System.out.println();
        }
    }

    private static double run(IoUring ring, CqeHandler handler, int batch, double seconds) {
        long ops = 0;
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long now;
        do {
            for (int i = 0; i < 1000 / batch + 1; i++) {
                for (int j = 0; j < batch; j++) {
                    ring.nextSqe().nop().userData(j);
                }
                ring.submitAndWait(batch);
                int n = ring.forEachCqe(handler);
                if (n != batch) {
                    throw new IllegalStateException("expected " + batch + " completions, got " + n);
                }
                ops += batch;
            }
            now = System.nanoTime();
        } while (now < end);
        return (double) (now - start) / ops;
    }
}
