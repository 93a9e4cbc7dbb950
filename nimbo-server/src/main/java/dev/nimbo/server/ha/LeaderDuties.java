package dev.nimbo.server.ha;

import dev.nimbo.core.state.Controller;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.server.DivisionInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows this replica's Raft role and moves the daemon between leader and follower. Becoming leader: once the
 * log of earlier terms is applied, stamp the new term on batches, open the controller's write gate (queued
 * behind every replicated batch), then run the leader's work (managers, first-start bootstrap). Losing it:
 * close the gate first, then stop that work. One platform thread polls the role; the transitions run on it,
 * so they never overlap.
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
    private long leadingTerm = -1;

    public LeaderDuties(RaftStore store, Controller controller, Transitions transitions) {
        this.store = store;
        this.controller = controller;
        this.transitions = transitions;
        this.thread = Thread.ofPlatform().name("nimbo-ha-duties").daemon(true).unstarted(this::loop);
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
                TimeUnit.MILLISECONDS.sleep(50);
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
            controller.setAcceptingWrites(false, NOT_LEADER).join();
            transitions.lostLeadership();
            return;
        }
        // Ready: the term's first entry is committed and everything committed before it is applied, so the
        // replicated batches are all queued ahead of the gate.
        if (leadingTerm < 0 && leader && info.isLeaderReady()
                && info.getLastAppliedIndex() >= store.raftLog().getLastCommittedIndex()) {
            store.setWriteTerm(term);
            controller.setAcceptingWrites(true, "").join();
            leadingTerm = term;
            log.info("server {} is the leader (term {}, applied {})", store.config().selfId(), term, info.getLastAppliedIndex());
            transitions.becameLeader();
        }
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
            controller.setAcceptingWrites(false, NOT_LEADER);
            transitions.lostLeadership();
        }
    }
}
