package dev.nimbo.core.state;

import dev.nimbo.core.error.ApiException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer. Actions queue here; one thread runs them in order, each against the working state
 * in its own {@link Transaction}, commits a batch of successful actions' records in one store
 * transaction (one fsync for many actions), then publishes the new object versions and completes the
 * callers' futures: acknowledged means durable. A store whose commits take a network round (Raft) gets the next
 * batch while earlier ones are still under way ({@link Store#commitAsync}); batches are still published and
 * answered strictly in order, and a failed one takes the later ones down with it. Thread-safe to submit from
 * anywhere.
 *
 * <p>Replicated front-ends add two kinds of queue entries, handled in queue order with the actions: records
 * committed elsewhere (another replica's batches, {@link #applyReplicated}) and the write gate
 * ({@link #setAcceptingWrites}). Going through the queue keeps this thread the only writer of the tables and
 * makes sure an action never runs on a working state older than what was replicated before it.
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);
    private static final int MAX_BATCH = 512;

    /** A unit of change: validates against the transaction's view, stages records, returns the response. */
    @FunctionalInterface
    public interface Action<R> {
        R run(Transaction tx);
    }

    private record Pending<R>(Action<R> action, CompletableFuture<R> future) {
    }

    /** Records already committed by the store (replicated from the leader): applied, not committed again. */
    private record Replicated(List<Record> records, CompletableFuture<Void> applied) {
    }

    /** Opens or closes the write gate at this point of the queue. */
    private record Gate(boolean open, String reason, CompletableFuture<Void> done) {
    }

    /**
     * A batch sent to the store and not yet settled; commit null: actions that wrote nothing but ran on the state
     * of the batches before them, answered once those are durable.
     */
    private record InFlight(List<Record> records, List<Done> done, Store.Commit commit) {
    }

    /** Queued when a commit finishes, so the controller thread settles it in order. */
    private static final Object SETTLED = new Object();
    /**
     * Batches that may be under way at once. A replicated store needs a network round per batch: overlapping them
     * lets the next batch start while the previous one travels. Far below Ratis' limit of pending requests.
     */
    private static final int MAX_IN_FLIGHT = 8;

    private final Store store;
    private final ObjectTable published;
    private final ObjectTable working = new ObjectTable();
    private final Clock clock;
    private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final List<Consumer<List<Record>>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread thread;
    /**
     * Batches whose commit is under way, oldest first: their records are in the working state but not published,
     * their callers not answered. Controller thread only.
     */
    private final java.util.ArrayDeque<InFlight> inFlight = new java.util.ArrayDeque<>();
    private volatile boolean accepting = true;
    /** Whether actions may run; only a replicated follower closes it. Written by the controller thread. */
    private volatile boolean writable = true;
    private volatile String notWritableReason = "";

    /** Loads the store into the published state; the caller then calls {@link #start()}. */
    public Controller(Store store, ObjectTable published, Clock clock) {
        this.store = store;
        this.published = published;
        this.clock = clock;
        this.thread = Thread.ofPlatform().name("nimbo-controller").daemon(false).unstarted(this::loop);
    }

    /** Replays already-decoded stored state into both tables (before start). */
    public void preload(List<Record> records) {
        published.applyAll(records);
        working.applyAll(records);
    }

    public void start() {
        thread.start();
    }

    public ObjectsView published() {
        return published;
    }

    /** Called on the controller thread after each durable commit, with that batch's records. */
    public void addCommitListener(Consumer<List<Record>> listener) {
        listeners.add(listener);
    }

    /** Removes a listener added before (the same object): a manager stopping on lost leadership leaves none behind. */
    public void removeCommitListener(Consumer<List<Record>> listener) {
        listeners.remove(listener);
    }

    /** Commit listeners registered now (tests: stopping managers leaves none behind). */
    public int commitListenerCount() {
        return listeners.size();
    }

    /**
     * Queues records another replica committed (they are already in the store): the controller thread applies
     * them to the working and published state and tells the commit listeners, in queue order with actions.
     */
    public CompletableFuture<Void> applyReplicated(List<Record> records) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        queue.add(new Replicated(List.copyOf(records), f));
        return f;
    }

    /**
     * Opens or closes the write gate once everything queued before is done. While closed, actions fail with
     * ACTION and the reason (e.g. "not the leader"). The future completes when the gate has changed.
     */
    public CompletableFuture<Void> setAcceptingWrites(boolean open, String reason) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        queue.add(new Gate(open, reason, f));
        return f;
    }

    /** Whether this controller runs actions now (always true on a single front-end). */
    public boolean acceptsWrites() {
        return writable;
    }

    public <R> CompletableFuture<R> submit(Action<R> action) {
        CompletableFuture<R> f = new CompletableFuture<>();
        if (!accepting) {
            f.completeExceptionally(ApiException.internal("Server is shutting down"));
            return f;
        }
        queue.add(new Pending<>(action, f));
        return f;
    }

    /** Submits and waits; rethrows the action's ApiException as is. */
    public <R> R execute(Action<R> action) {
        try {
            return submit(action).get();
        } catch (ExecutionException e) {
            throw unwrap(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.internal("Interrupted while waiting for the controller");
        }
    }

    private static RuntimeException unwrap(Throwable t) {
        if (t instanceof CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof ApiException a) {
            return a;
        }
        return ApiException.internal("Internal error: " + t);
    }

    private void loop() {
        List<Object> drained = new ArrayList<>();
        List<Pending<?>> batch = new ArrayList<>();
        while (true) {
            drained.clear();
            try {
                Object first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    if (!accepting && queue.isEmpty() && inFlight.isEmpty()) {
                        failLeftovers();
                        return;
                    }
                    continue;
                }
                drained.add(first);
                queue.drainTo(drained, MAX_BATCH - 1);
            } catch (InterruptedException e) {
                continue; // shutdown is signalled by 'accepting'; keep draining until the queue is empty
            }
            // Consecutive actions form one batch; a replicated entry or a gate change ends it, keeping queue order.
            batch.clear();
            for (Object item : drained) {
                if (item instanceof Pending<?> p) {
                    batch.add(p);
                    continue;
                }
                if (item == SETTLED) {
                    settle(); // publishing keeps the order of the batches; the actions gathered so far wait
                    continue;
                }
                if (!batch.isEmpty()) {
                    runBatch(batch);
                    batch.clear();
                }
                switch (item) {
                    case Replicated r -> applyExternal(r);
                    case Gate g -> {
                        notWritableReason = g.reason() == null ? "" : g.reason();
                        writable = g.open();
                        g.done().complete(null);
                    }
                    default -> throw new IllegalStateException("unknown queue entry " + item);
                }
            }
            if (!batch.isEmpty()) {
                runBatch(batch);
            }
        }
    }

    private void applyExternal(Replicated r) {
        try {
            working.applyAll(r.records());
            published.applyAll(r.records());
            notifyListeners(r.records());
            r.applied().complete(null);
        } catch (RuntimeException | Error e) {
            log.error("applying {} replicated records failed", r.records().size(), e);
            r.applied().completeExceptionally(e);
        }
    }

    private void notifyListeners(List<Record> records) {
        if (records.isEmpty()) {
            return;
        }
        for (Consumer<List<Record>> l : listeners) {
            try {
                l.accept(records);
            } catch (RuntimeException e) {
                log.error("commit listener failed", e);
            }
        }
    }

    private record Done(CompletableFuture<Object> future, Object value) {
    }

    @SuppressWarnings("unchecked")
    private void runBatch(List<Pending<?>> batch) {
        List<Record> all = new ArrayList<>();
        List<Done> done = new ArrayList<>(batch.size());
        long now = clock.millis() / 1000;
        if (!writable) {
            for (Pending<?> p : batch) {
                p.future().completeExceptionally(ApiException.action(notWritableReason));
            }
            return;
        }
        for (Pending<?> p : batch) {
            Transaction tx = new Transaction(working, now);
            try {
                Object response = p.action().run(tx);
                working.applyAll(tx.records());
                all.addAll(tx.records());
                done.add(new Done((CompletableFuture<Object>) p.future(), response));
            } catch (ApiException e) {
                p.future().completeExceptionally(e);
            } catch (RuntimeException | Error e) {
                log.error("action failed unexpectedly", e);
                p.future().completeExceptionally(ApiException.internal("Internal error: " + e.getMessage()));
            }
        }
        if (all.isEmpty()) {
            if (inFlight.isEmpty()) {
                for (Done d : done) {
                    d.future().complete(d.value());
                }
            } else if (!done.isEmpty()) {
                inFlight.add(new InFlight(List.of(), done, null)); // they may have seen records not yet durable
            }
            return;
        }
        Store.Commit commit = store.commitAsync(all);
        inFlight.add(new InFlight(all, done, commit));
        commit.durable().whenComplete((v, e) -> queue.add(SETTLED));
        settle(); // a store that commits at once (a single front-end) publishes here, as a synchronous commit would
        while (inFlight.size() >= MAX_IN_FLIGHT) {
            try {
                inFlight.peek().commit().durable().get();
            } catch (ExecutionException e) {
                // settled below
            } catch (InterruptedException e) {
                // shutdown is signalled by 'accepting'; settle what is done and go on
            }
            settle();
        }
    }

    /**
     * Publishes the batches whose commit finished, oldest first, stopping at the first still under way: the
     * records become visible, the listeners hear of them, the callers get their answers. A failed batch fails
     * every batch after it too, since they were built on its records.
     */
    private void settle() {
        while (!inFlight.isEmpty()) {
            InFlight head = inFlight.peek();
            if (head.commit() != null) {
                CompletableFuture<Void> durable = head.commit().durable();
                if (!durable.isDone()) {
                    return;
                }
                if (durable.isCompletedExceptionally()) {
                    failInFlight(durable.exceptionNow());
                    return;
                }
            }
            inFlight.poll();
            if (!head.records().isEmpty()) {
                published.applyAll(head.records());
                notifyListeners(head.records());
            }
            for (Done d : head.done()) {
                d.future().complete(d.value());
            }
        }
    }

    private void failInFlight(Throwable cause) {
        Throwable e = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        List<Record> all = new ArrayList<>();
        boolean head = true;
        for (InFlight f : inFlight) {
            if (!head && f.commit() != null && !f.commit().abandon()) {
                // Durable although the batch it was built on is not: memory and store disagree from here on.
                // Only a restart (reloading the store, replaying the log) makes them one again.
                log.error("a batch became durable after the one before it failed ({}); stopping", e.getMessage());
                Runtime.getRuntime().halt(70);
            }
            head = false;
            all.addAll(f.records());
        }
        log.error("commit of {} records failed; {} batches are rolled back", all.size(), inFlight.size(), e);
        revert(all);
        for (InFlight f : inFlight) {
            for (Done d : f.done()) {
                d.future().completeExceptionally(ApiException.internal("Could not store the change: " + e.getMessage()));
            }
        }
        inFlight.clear();
    }

    /** Puts the working state back to the published one for everything the failed batch touched. */
    private void revert(List<Record> records) {
        for (Record r : records) {
            switch (r) {
                case Record.Put p -> working.copyEntry(published, p.object().type(), p.object().id());
                case Record.Delete d -> working.copyEntry(published, d.type(), d.id());
                case Record.LastId l -> working.copyLastId(published, l.type());
            }
        }
    }

    /** An action that raced with shutdown past the 'accepting' check gets an error, never silence. */
    private void failLeftovers() {
        Object item;
        while ((item = queue.poll()) != null) {
            switch (item) {
                case Pending<?> p -> p.future().completeExceptionally(ApiException.internal("Server is shutting down"));
                case Replicated r -> r.applied().completeExceptionally(new IllegalStateException("controller closed"));
                case Gate g -> g.done().completeExceptionally(new IllegalStateException("controller closed"));
                default -> {
                }
            }
        }
    }

    /** Stops taking actions, finishes the queued ones, and waits for the writer to end. */
    @Override
    public void close() {
        accepting = false;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
