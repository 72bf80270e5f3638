package dev.iobuf.alloc;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LeakDetectorTest {
    private static final long K = 1024;
    /** Collections to try before giving up on a leak report (bounded; each waits up to 100 ms). */
    private static final int GC_ROUNDS = 100;

    private static RegisteredPool pool(LeakDetector leaks) {
        return RegisteredPool.builder(new RecordingRegistrar(),
                        () -> BuddyPool.builder().arenaSize(256 * K).minBlockSize(4 * K).hugePages(false).build())
                .name("leaky").leakDetector(leaks).build();
    }

    /** Allocates and drops a handle; kept out of line so no frame of the caller holds it. */
    private static void leakOne(RegisteredPool pool) {
        pool.allocate(8 * K);
    }

    private static LeakReport awaitReport(BlockingQueue<LeakReport> reports) throws InterruptedException {
        for (int i = 0; i < GC_ROUNDS; i++) {
            System.gc();
            LeakReport r = reports.poll(100, TimeUnit.MILLISECONDS);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    @Test
    void aLeakedHandleIsReportedWithTheStackThatAcquiredIt() throws Exception {
        BlockingQueue<LeakReport> reports = new LinkedBlockingQueue<>();
        LeakDetector leaks = LeakDetector.paranoid(reports::add);
        try (RegisteredPool pool = pool(leaks)) {
            leakOne(pool);
            LeakReport r = awaitReport(reports);
            assertThat(r).as("leak reported within %d collections", GC_ROUNDS).isNotNull();
            assertThat(r.pool()).isEqualTo("leaky");
            assertThat(r.capacity()).isEqualTo(8 * K);
            assertThat(r.registered()).isTrue();
            assertThat(r.thread()).isEqualTo(Thread.currentThread().getName());
            StackTraceElement top = r.acquiredAt().getFirst();
            assertThat(top.getClassName()).isEqualTo(LeakDetectorTest.class.getName());
            assertThat(top.getMethodName()).isEqualTo("leakOne");
            assertThat(r.toString()).contains("from pool 'leaky'", "leakOne");
            assertThat(leaks.leaksReported()).isEqualTo(1);
            assertThat(leaks.outstanding()).isEmpty();
            // The leaked block is not handed to anyone else.
            assertThat(pool.outstanding()).isEqualTo(1);
            assertThat(pool.arenaStats().getFirst().usedBytes()).isEqualTo(8 * K);
        }
    }

    @Test
    void closedHandlesAreNeverReported() throws Exception {
        BlockingQueue<LeakReport> reports = new LinkedBlockingQueue<>();
        LeakDetector leaks = LeakDetector.paranoid(reports::add);
        try (RegisteredPool pool = pool(leaks)) {
            for (int i = 0; i < 1000; i++) {
                pool.allocate(4 * K).close();
            }
            leakOne(pool); // a marker: once it is reported, the closed ones would have been too
            LeakReport r = awaitReport(reports);
            assertThat(r).isNotNull();
            assertThat(r.acquiredAt().getFirst().getMethodName()).isEqualTo("leakOne");
            Thread.sleep(50);
            System.gc();
            assertThat(reports.poll(200, TimeUnit.MILLISECONDS)).isNull();
            assertThat(leaks.leaksReported()).isEqualTo(1);
        }
    }

    @Test
    void paranoidListsEveryOpenHandle() {
        LeakDetector leaks = LeakDetector.paranoid(r -> { });
        try (RegisteredPool pool = pool(leaks)) {
            FixedBuf a = pool.allocate(4 * K);
            FixedBuf b = pool.allocate(16 * K);
            List<LeakReport> open = leaks.outstanding();
            assertThat(open).hasSize(2);
            assertThat(open).extracting(LeakReport::capacity).containsExactlyInAnyOrder(4 * K, 16 * K);
            assertThat(open).allSatisfy(r -> assertThat(r.acquiredAt().getFirst().getMethodName())
                    .isEqualTo("paranoidListsEveryOpenHandle"));
            a.close();
            b.close();
            assertThat(leaks.outstanding()).isEmpty();
            pool.assertNoOutstanding();
        }
    }

    @Test
    void sampledTracksAboutOneInTheInterval() {
        LeakDetector leaks = LeakDetector.create(LeakDetector.Level.SAMPLED, 4, r -> { });
        try (RegisteredPool pool = RegisteredPool.builder(new RecordingRegistrar(),
                () -> BuddyPool.builder().arenaSize(4096 * 4 * K).minBlockSize(4 * K).cacheCapacity(0).hugePages(false).build())
                .leakDetector(leaks).build()) {
            List<FixedBuf> held = new ArrayList<>();
            for (int i = 0; i < 4000; i++) {
                held.add(pool.allocate(1));
            }
            // Binomial(4000, 1/4): mean 1000, standard deviation 27; the bounds are 11 deviations out.
            assertThat(leaks.outstanding().size()).isBetween(700, 1300);
            held.forEach(FixedBuf::close);
            assertThat(leaks.outstanding()).isEmpty();
        }
    }

    @Test
    void offTracksNothingButThePoolStillCountsOpenHandles() {
        LeakDetector leaks = LeakDetector.off();
        try (RegisteredPool pool = pool(leaks)) {
            FixedBuf a = pool.allocate(4 * K);
            assertThat(leaks.outstanding()).isEmpty();
            assertThat(pool.outstanding()).isEqualTo(1);
            org.assertj.core.api.Assertions.assertThatThrownBy(pool::assertNoOutstanding)
                    .isInstanceOf(AssertionError.class).hasMessageContaining("LeakDetector.paranoid");
            a.close();
        }
    }

    @Test
    void aLeakIsAlsoAJfrEvent(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("leak.jfr");
        BlockingQueue<LeakReport> reports = new LinkedBlockingQueue<>();
        try (RegisteredPool pool = pool(LeakDetector.paranoid(reports::add)); Recording rec = new Recording()) {
            rec.enable(LeakEvent.NAME);
            rec.start();
            leakOne(pool);
            assertThat(awaitReport(reports)).isNotNull(); // the event is committed before the listener runs
            rec.stop();
            rec.dump(file);
        }
        List<RecordedEvent> events = RecordingFile.readAllEvents(file).stream()
                .filter(e -> e.getEventType().getName().equals(LeakEvent.NAME)).toList();
        assertThat(events).hasSize(1);
        assertThat(events.getFirst().getString("pool")).isEqualTo("leaky");
        assertThat(events.getFirst().getLong("capacity")).isEqualTo(8 * K);
        assertThat(events.getFirst().getString("acquiredAt")).contains("leakOne");
    }

    @Test
    void theDefaultListenerWritesALeakRecordToStandardError() {
        LeakReport report = new LeakReport("p", 4096, false, "main",
                List.of(new StackTraceElement("com.example.App", "handle", "App.java", 42)));
        String out = captureStderr(() -> {
            LeakListener.STDERR.leaked(report);
            return null;
        });
        assertThat(out).startsWith("LEAK: FixedBuf of 4.0 KiB (unregistered) from pool 'p'")
                .contains("\tat com.example.App.handle(App.java:42)");
    }

    private static String captureStderr(Supplier<Void> body) {
        PrintStream saved = System.err;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            body.get();
        } finally {
            System.setErr(saved);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
