package dev.nimbo.server.ha;

import dev.nimbo.core.state.Controller;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.server.DivisionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows this replica's Raft role and moves the daemon between leader and follower. Becoming leader: once the
 * log of earlier terms is applied, stamp the new term on batches, open the controller's write gate (queued
 * behind every replicated batch), then, one election timeout later (fencing: a cut-off old leader has stepped
 * down by then), run the leader's work (managers, first-start bootstrap). Losing it: stop that work first (no
 * driver operation after the loss is noticed), then close the gate. One platform thread follows the role (woken
 * by Ratis' role notifications, polling every 50 ms besides); the transitions run on it, so they never overlap.
 */
public final class LeaderDuties implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderDuties.class);
    static final String NOT_LEADER = "This server is not the leader of the zone's front-ends";

    /** What the daemon does when this replica starts or stops leading. Called on the duties thread. */
    public interface Transitions {
        void becameLeader();

        void lostLeadership();
    }

    private final RaftStore store;
    private final Controller controller;
    private final Transitions transitions;
    private final Thread thread;
    private volatile boolean running = true;
    private final java.util.concurrent.Semaphore wake = new java.util.concurrent.Semaphore(0);
    private long leadingTerm = -1;
    /** When this replica's writes opened in the term it leads; its managers start a fence time later. */
    private long leadingSinceNanos;
    private boolean managing;

    public LeaderDuties(RaftStore store, Controller controller, Transitions transitions) {
        this.store = store;
        this.controller = controller;
        this.transitions = transitions;
        this.thread = Thread.ofPlatform().name("nimbo-ha-duties").daemon(true).unstarted(this::loop);
        store.onRoleChange(wake::release);
    }

    /** Closes the write gate (a replica starts as a follower) before the Raft server replays anything. */
    public static void closeGate(Controller controller) {
        controller.setAcceptingWrites(false, NOT_LEADER).join();
    }

    public void start() {
        thread.start();
    }

    private void loop() {
        while (running) {
            try {
                step();
                if (wake.tryAcquire(50, TimeUnit.MILLISECONDS)) {
                    wake.drainPermits();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("leadership transition failed", e);
                sleepQuietly();
            }
        }
    }

    private void step() {
        DivisionInfo info = store.info();
        boolean leader = info.isLeader();
        long term = info.getCurrentTerm();
        if (leadingTerm >= 0 && (!leader || term != leadingTerm)) {
            log.info("server {} is no longer the leader (term {})", store.config().selfId(), term);
            leadingTerm = -1;
            // Fencing: the managers (drivers, agent sessions) stop first, then the writes.
            if (managing) {
                managing = false;
                transitions.lostLeadership();
            }
            controller.setAcceptingWrites(false, NOT_LEADER).join();
            return;
        }
        // Ready: the term's first entry is committed and everything committed before it is applied, so the
        // replicated batches are all queued ahead of the gate.
        if (leadingTerm < 0 && leader && info.isLeaderReady()
                && info.getLastAppliedIndex() >= store.raftLog().getLastCommittedIndex()) {
            store.setWriteTerm(term);
            controller.setAcceptingWrites(true, "").join();
            leadingTerm = term;
            leadingSinceNanos = System.nanoTime();
            log.info("server {} is the leader (term {}, applied {})", store.config().selfId(), term, info.getLastAppliedIndex());
        }
        // Writes are safe at once (they go through the log); hypervisors are not: a leader cut off from the others
        // only steps down after an election timeout without their answers, so the new one waits that long before
        // it drives anything.
        if (leadingTerm >= 0 && !managing && System.nanoTime() - leadingSinceNanos >= fenceNanos()) {
            managing = true;
            transitions.becameLeader();
        }
    }

    private static long fenceNanos() {
        return TimeUnit.MILLISECONDS.toNanos(RaftStore.electionTimeoutMs()[1]);
    }

    private static void sleepQuietly() {
        try {
            TimeUnit.MILLISECONDS.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops following the role; a leader steps out of its duties (closing the gate, running the follower hook). */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (leadingTerm >= 0) {
            leadingTerm = -1;
            if (managing) {
                managing = false;
                transitions.lostLeadership();
            }
            controller.setAcceptingWrites(false, NOT_LEADER);
        }
    }
}
