package dev.iobuf.uring.reactor;

import dev.iobuf.uring.Errno;
import dev.iobuf.uring.SetupFlags;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The event loop against the real kernel: dispatch, tasks and wake-ups, timers, shutdown, groups. */
@Timeout(30)
class EventLoopTest {

    private static <T> T onLoop(EventLoop loop, java.util.concurrent.Callable<T> c) throws Exception {
        return loop.submit(c).get(10, TimeUnit.SECONDS);
    }

    @Test
    void usesSingleIssuerAndDeferTaskrunOnThisKernel() throws Exception {
        try (EventLoop loop = EventLoop.start("t")) {
            int flags = onLoop(loop, loop::ringSetupFlags);
            assertThat(flags & SetupFlags.SINGLE_ISSUER).isNotZero();
        }
    }

    @Test
    void completionsGoToTheHandlerOfTheirSlotWithTheirTag() throws Exception {
        try (EventLoop loop = EventLoop.start("t")) {
            int n = 200;
            CountDownLatch done = new CountDownLatch(n);
            AtomicLong bad = new AtomicLong();
            loop.execute(() -> {
                for (int h = 0; h < 4; h++) {
                    int expect = h;
                    int[] slot = new int[1];
                    int[] left = {n / 4};
                    slot[0] = loop.register((tag, res, flags) -> {
                        if (tag % 4 != expect || res != 0) {
                            bad.incrementAndGet();
                        }
                        if (--left[0] == 0) {
                            loop.unregister(slot[0]);
                        }
                        done.countDown();
                    });
                    for (int i = expect; i < n; i += 4) {
                        loop.sqe().nop().userData(EventLoop.userData(slot[0], i));
                    }
                }
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(bad.get()).isZero();
        }
    }

    @Test
    void tasksFromManyThreadsAllRunOnTheLoopThreadAndWakeItUp() throws Exception {
        try (EventLoop loop = EventLoop.start("t", 64, 64)) {
            int threads = 4;
            int perThread = 20_000;
            AtomicInteger ran = new AtomicInteger();
            AtomicInteger offLoop = new AtomicInteger();
            Runnable task = () -> {
                if (!loop.inLoop()) {
                    offLoop.incrementAndGet();
                }
                ran.incrementAndGet();
            };
            Thread[] ts = new Thread[threads];
            for (int t = 0; t < threads; t++) {
                ts[t] = Thread.ofPlatform().start(() -> {
                    for (int i = 0; i < perThread; i++) {
                        loop.execute(task);
                        if (i % 1000 == 0) {
                            Thread.yield(); // let the loop fall asleep now and then: exercises the wake-up
                        }
                    }
                });
            }
            for (Thread t : ts) {
                t.join();
            }
            CountDownLatch last = new CountDownLatch(1);
            loop.execute(last::countDown);
            assertThat(last.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(ran.get()).isEqualTo(threads * perThread);
            assertThat(offLoop.get()).isZero();
        }
    }

    @Test
    void aTaskOfferedToAnIdleLoopRunsWithoutOtherActivity() throws Exception {
        try (EventLoop loop = EventLoop.start("t")) {
            for (int i = 0; i < 50; i++) {
                Thread.sleep(1); // the loop is asleep in io_uring_enter by now (most of the time)
                CountDownLatch l = new CountDownLatch(1);
                assertThat(loop.offer(l::countDown)).isTrue();
                assertThat(l.await(10, TimeUnit.SECONDS)).isTrue();
            }
        }
    }

    @Test
    void timersFireInOrderAndCancelledOnesDoNot() throws Exception {
        try (EventLoop loop = EventLoop.start("t")) {
            List<String> fired = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            CountDownLatch done = new CountDownLatch(1);
            loop.execute(() -> {
                LoopTimer late = new LoopTimer(loop, () -> {
                    fired.add("late");
                    done.countDown();
                });
                LoopTimer early = new LoopTimer(loop, () -> fired.add("early"));
                LoopTimer cancelled = new LoopTimer(loop, () -> fired.add("cancelled"));
                LoopTimer moved = new LoopTimer(loop, () -> fired.add("moved"));
                late.schedule(60_000_000L);
                early.schedule(1_000_000L);
                cancelled.schedule(5_000_000L);
                cancelled.cancel();
                moved.schedule(1_000_000L);
                moved.schedule(30_000_000L); // re-armed: fires once, later
            });
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(fired).containsExactly("early", "moved", "late");
        }
    }

    @Test
    void aPeriodicTimerReschedulesItselfWithoutLeakingSlots() throws Exception {
        try (EventLoop loop = EventLoop.start("t")) {
            CountDownLatch ticks = new CountDownLatch(100);
            LoopTimer[] t = new LoopTimer[1];
            loop.execute(() -> {
                t[0] = new LoopTimer(loop, () -> {
                    ticks.countDown();
                    if (ticks.getCount() > 0) {
                        t[0].schedule(100_000L);
                    }
                });
                t[0].schedule(100_000L);
            });
            assertThat(ticks.await(10, TimeUnit.SECONDS)).isTrue();
            int live = onLoop(loop, () -> {
                t[0].close();
                return loop.liveHandlers();
            });
            assertThat(live).isLessThanOrEqualTo(1);
            Thread.sleep(5);
            assertThat(onLoop(loop, loop::liveHandlers)).isZero();
        }
    }

    @Test
    void shutdownRunsHooksWaitsForHandlersThenTerminates() throws Exception {
        EventLoop loop = EventLoop.start("t");
        List<String> order = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        AtomicInteger cancelledRes = new AtomicInteger(1);
        loop.execute(() -> {
            int[] slot = new int[1];
            slot[0] = loop.register((tag, res, flags) -> {
                cancelledRes.set(res);
                order.add("completion");
                loop.unregister(slot[0]);
            });
            // a read that never completes by itself: only cancellation ends it
            dev.iobuf.uring.EventFd never = dev.iobuf.uring.EventFd.create();
            long buf = loop.allocate(8, 8).address();
            loop.sqe().read(never.fd(), buf, 8, 0).userData(EventLoop.userData(slot[0], 7));
            loop.onShutdown(() -> {
                order.add("shutdown");
                loop.sqe().cancel(EventLoop.userData(slot[0], 7), 0).userData(EventLoop.userData(0, 99));
            });
            loop.onTerminate(() -> {
                order.add("terminate");
                never.close();
            });
        });
        Thread.sleep(20);
        loop.shutdown();
        assertThat(loop.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        assertThat(order).containsExactly("shutdown", "completion", "terminate");
        assertThat(cancelledRes.get()).isIn(-Errno.ECANCELED, -Errno.EAGAIN, -Errno.EINTR);
        assertThat(loop.offer(() -> { })).isFalse();
        assertThatThrownBy(() -> loop.execute(() -> { })).isInstanceOf(java.util.concurrent.RejectedExecutionException.class);
    }

    @Test
    void aGroupSpreadsRoundRobinOverItsLoops() throws Exception {
        try (EventLoopGroup g = EventLoopGroup.start("g", 3, 64)) {
            Set<String> names = new HashSet<>();
            for (int i = 0; i < 6; i++) {
                EventLoop l = g.next();
                names.add(onLoop(l, () -> Thread.currentThread().getName()));
            }
            assertThat(names).containsExactlyInAnyOrder("g-0", "g-1", "g-2");
        }
    }

    @Test
    void loopOnlyMethodsFailClearlyFromOtherThreads() {
        try (EventLoop loop = EventLoop.start("t")) {
            assertThatThrownBy(() -> loop.register((a, b, c) -> { }))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("execute()");
            assertThatThrownBy(loop::sqe).isInstanceOf(IllegalStateException.class).hasMessageContaining("execute()");
            assertThatThrownBy(loop::bufferTable).isInstanceOf(IllegalStateException.class);
        }
    }
}
