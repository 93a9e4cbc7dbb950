package dev.nimbo.core.vm;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Runs driver operations one at a time per VM, each bounded by a timeout. Every VM has a lane: operations
 * run in submission order, the next starting when the previous finished.
 *
 * <p>Which operation counts is decided in commit order, not submission order: the controller action that
 * moves a VM takes a {@link #stamp} for it (on the controller thread, so stamps follow commits), and only the
 * operation carrying the VM's latest stamp is {@link #isCurrent current}. Submitting it supersedes the others:
 * an older one still queued never starts, one already running is cancelled, and a late result of either can be
 * recognised and dropped; an operation submitted after a newer stamp was taken is dropped at once. Untracked
 * operations (clean-ups after a delete) run in the lane but supersede nothing.
 *
 * <p>Outcomes are handed to the submitter's callback on the driver's thread; a timeout is a failure saying so.
 * Thread-safe.
 */
public final class VmDriverQueue {

    /** Identifies one submitted operation: the VM, the phase it was issued in, and its sequence number. */
    public record Ticket(int vmId, long seq, Phase at, DriverOp op, boolean tracked) {
    }

    /** Receives an operation's outcome: a result, or the failure (never both). */
    @FunctionalInterface
    public interface Outcome {
        void done(Ticket ticket, DriverResult result, Throwable failure);
    }

    private static final class Lane {
        CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
        CompletableFuture<DriverResult> running;
        boolean runningTracked;
        int pending;
    }

    private final Duration timeout;
    private final AtomicLong seq = new AtomicLong();
    private final Map<Integer, Lane> lanes = new HashMap<>();
    private final Map<Integer, Long> latest = new ConcurrentHashMap<>();

    public VmDriverQueue(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * A new stamp for the VM: from now on only an operation carrying it is current. Take it in the action that
     * moves the VM, so stamps follow the order of commits.
     */
    public long stamp(int vmId) {
        long s = seq.incrementAndGet();
        latest.put(vmId, s);
        return s;
    }

    /**
     * Queues {@code call} for VM {@code vmId}, issued while the VM was in {@code at}, under {@code stamp}
     * (ignored for untracked operations). A tracked operation whose stamp is no longer the latest is dropped
     * (null is returned). The call starts the driver operation and returns its future; it runs on the thread
     * that finished the previous operation of the lane (or the caller's, when the lane is idle), so it must not
     * block.
     */
    public Ticket submit(int vmId, long stamp, Phase at, DriverOp op, boolean tracked,
                         Function<Ticket, CompletableFuture<DriverResult>> call, Outcome outcome) {
        Ticket t = new Ticket(vmId, tracked ? stamp : seq.incrementAndGet(), at, op, tracked);
        synchronized (lanes) {
            if (tracked && !isCurrent(t)) {
                return null; // a newer step for this VM was committed meanwhile
            }
            Lane lane = lanes.computeIfAbsent(vmId, id -> new Lane());
            if (tracked && lane.running != null && lane.runningTracked) {
                lane.running.cancel(true);
            }
            lane.pending++;
            lane.tail = lane.tail.handle((v, e) -> null).thenCompose(v -> start(lane, t, call, outcome));
        }
        return t;
    }

    /** Whether the ticket carries the VM's latest stamp (its result may still move the VM). */
    public boolean isCurrent(Ticket t) {
        Long c = latest.get(t.vmId());
        return c != null && c == t.seq();
    }

    /** Forgets the VM's stamp when it is still {@code stamp} (the VM waits for nothing any more). */
    public void forget(int vmId, long stamp) {
        latest.remove(vmId, stamp);
    }

    /**
     * Cancels the VM's running tracked operation, if any (one.vm.backupcancel): its driver is interrupted and its
     * outcome dropped. The caller moves the VM on under a new stamp.
     */
    public void cancelRunning(int vmId) {
        CompletableFuture<DriverResult> running;
        synchronized (lanes) {
            Lane lane = lanes.get(vmId);
            running = lane != null && lane.runningTracked ? lane.running : null;
        }
        if (running != null) {
            running.cancel(true);
        }
    }

    /** VMs with operations queued or running. */
    public int busyVms() {
        synchronized (lanes) {
            return lanes.size();
        }
    }

    private CompletableFuture<Void> start(Lane lane, Ticket t, Function<Ticket, CompletableFuture<DriverResult>> call,
                                          Outcome outcome) {
        if (t.tracked() && !isCurrent(t)) {
            finish(lane, t.vmId());
            return CompletableFuture.completedFuture(null); // superseded before it started
        }
        CompletableFuture<DriverResult> f;
        try {
            f = call.apply(t);
            if (f == null) {
                f = CompletableFuture.failedFuture(new DriverException("the driver returned no result"));
            }
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<DriverResult> bounded = f.orTimeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        synchronized (lanes) {
            lane.running = bounded;
            lane.runningTracked = t.tracked();
        }
        return bounded.handle((r, e) -> {
            synchronized (lanes) {
                lane.running = null;
            }
            finish(lane, t.vmId());
            Throwable cause = unwrap(e);
            if (cause instanceof CancellationException) {
                return null; // superseded while running: nobody waits for it
            }
            if (cause instanceof TimeoutException) {
                cause = new DriverException("Timed out after " + timeout.toSeconds() + " s waiting for the driver");
            }
            try {
                outcome.done(t, cause == null ? r : null, cause);
            } catch (RuntimeException ex) {
                // the callback's problem; the lane must go on
            }
            return null;
        });
    }

    private void finish(Lane lane, int vmId) {
        synchronized (lanes) {
            lane.pending--;
            if (lane.pending == 0 && lanes.get(vmId) == lane) {
                lanes.remove(vmId);
            }
        }
    }

    private static Throwable unwrap(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
