package dev.nimbo.core.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class VmDriverQueueTest {
    static final Phase RUNNING = Phase.active(LcmState.RUNNING);

    static void waitFor(java.util.function.BooleanSupplier cond) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 5 s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    static CompletableFuture<DriverResult> later(long ms) {
        return CompletableFuture.supplyAsync(() -> DriverResult.OK, CompletableFuture.delayedExecutor(ms, TimeUnit.MILLISECONDS));
    }

    @Test
    void oneOperationAtATimePerVmInOrder() {
        VmDriverQueue q = new VmDriverQueue(Duration.ofSeconds(5));
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        List<String> order = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 5; i++) {
            int n = i;
            q.submit(1, 0, RUNNING, DriverOp.REBOOT, false, t -> {
                maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                order.add("start" + n);
                return later(20).whenComplete((r, e) -> running.decrementAndGet());
            }, (t, r, e) -> order.add("done" + n));
        }
        waitFor(() -> order.size() == 10);
        assertThat(maxRunning.get()).isEqualTo(1);
        assertThat(order).containsExactly("start0", "done0", "start1", "done1", "start2", "done2", "start3", "done3",
                "start4", "done4");
        waitFor(() -> q.busyVms() == 0);
    }

    @Test
    void aNewerTrackedOperationSupersedesTheRunningOne() {
        VmDriverQueue q = new VmDriverQueue(Duration.ofSeconds(5));
        List<String> outcomes = new CopyOnWriteArrayList<>();
        CompletableFuture<DriverResult> slow = new CompletableFuture<>();
        VmDriverQueue.Ticket soft = q.submit(3, q.stamp(3), Phase.active(LcmState.SHUTDOWN), DriverOp.SHUTDOWN, true,
                t -> slow, (t, r, e) -> outcomes.add("soft"));
        long older = q.stamp(3);
        long newer = q.stamp(3);
        VmDriverQueue.Ticket hard = q.submit(3, newer, Phase.active(LcmState.SHUTDOWN), DriverOp.CANCEL, true,
                t -> later(10), (t, r, e) -> outcomes.add("hard " + (e == null)));
        // submitted late, under an older stamp: dropped without running
        assertThat(q.submit(3, older, Phase.active(LcmState.SHUTDOWN), DriverOp.SHUTDOWN, true, t -> later(1),
                (t, r, e) -> outcomes.add("late"))).isNull();
        waitFor(() -> outcomes.size() == 1);
        assertThat(outcomes).containsExactly("hard true");
        assertThat(slow.isCancelled()).isTrue();
        assertThat(q.isCurrent(soft)).isFalse();
        assertThat(q.isCurrent(hard)).isTrue();
        q.forget(3, hard.seq());
        assertThat(q.isCurrent(hard)).isFalse();
    }

    @Test
    void timeoutsAndThrowingDriversAreFailures() {
        VmDriverQueue q = new VmDriverQueue(Duration.ofMillis(50));
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        q.submit(4, q.stamp(4), RUNNING, DriverOp.REBOOT, true, t -> new CompletableFuture<>(), (t, r, e) -> failures.add(e));
        q.submit(5, q.stamp(5), RUNNING, DriverOp.REBOOT, true, t -> {
            throw new DriverException("boom");
        }, (t, r, e) -> failures.add(e));
        waitFor(() -> failures.size() == 2);
        assertThat(failures).extracting(Throwable::getMessage).anyMatch(m -> m.contains("Timed out"))
                .anyMatch(m -> m.contains("boom"));
    }
}
