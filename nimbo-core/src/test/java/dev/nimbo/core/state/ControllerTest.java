package dev.nimbo.core.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.document.Document;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.obj.Lock;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.template.Template;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class ControllerTest {

    /** An in-memory store that records commits and can be told to fail the next one. */
    static final class MemoryStore implements Store {
        final List<List<Record>> commits = new CopyOnWriteArrayList<>();
        volatile boolean failNext;

        @Override
        public Snapshot load() {
            return new Snapshot(List.of(), java.util.Map.of());
        }

        @Override
        public void commit(List<Record> records) {
            if (failNext) {
                failNext = false;
                throw new IllegalStateException("disk full");
            }
            commits.add(List.copyOf(records));
        }

        @Override
        public String describe() {
            return "memory";
        }

        @Override
        public void close() {
        }
    }

    static Document doc(int id, String name) {
        return new Document(id, name, 0, 0, "oneadmin", "oneadmin", 1, new Permissions(0600), Lock.NONE, Template.EMPTY);
    }

    @Test
    void actionsCommitThenPublish() {
        MemoryStore store = new MemoryStore();
        ObjectTable published = new ObjectTable();
        try (Controller c = new Controller(store, published, Clock.systemUTC())) {
            c.start();
            int id = c.execute(tx -> {
                int next = tx.nextId(ObjectType.DOCUMENT);
                tx.put(doc(next, "a"));
                return next;
            });
            assertThat(id).isZero();
            assertThat(published.get(ObjectType.DOCUMENT, 0).name()).isEqualTo("a");
            assertThat(published.byName(ObjectType.DOCUMENT, 0, "a")).isNotNull();
            assertThat(store.commits).hasSize(1);
            assertThat(store.commits.get(0)).hasSize(2);
        }
    }

    @Test
    void aFailingActionWritesNothingAndOthersInTheBatchStillCommit() throws Exception {
        MemoryStore store = new MemoryStore();
        ObjectTable published = new ObjectTable();
        try (Controller c = new Controller(store, published, Clock.systemUTC())) {
            List<CompletableFuture<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                futures.add(c.submit(tx -> {
                    int id = tx.nextId(ObjectType.DOCUMENT);
                    tx.put(doc(id, "d" + n));
                    if (n % 2 == 1) {
                        throw ApiException.action("odd");
                    }
                    return id;
                }));
            }
            c.start(); // all 20 are queued before the writer starts: they run as one batch
            int ok = 0;
            for (CompletableFuture<Integer> f : futures) {
                try {
                    f.get();
                    ok++;
                } catch (java.util.concurrent.ExecutionException e) {
                    assertThat(((ApiException) e.getCause()).code()).isEqualTo(ErrorCode.ACTION);
                }
            }
            assertThat(ok).isEqualTo(10);
            assertThat(published.size(ObjectType.DOCUMENT)).isEqualTo(10);
            assertThat(store.commits).hasSize(1);
            // IDs of failed actions are not consumed: the survivors got 0..9.
            assertThat(published.list(ObjectType.DOCUMENT)).extracting(d -> d.id()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
        }
    }

    @Test
    void aFailedCommitRollsBackTheWorkingState() {
        MemoryStore store = new MemoryStore();
        ObjectTable published = new ObjectTable();
        try (Controller c = new Controller(store, published, Clock.systemUTC())) {
            c.start();
            c.execute(tx -> {
                tx.put(doc(tx.nextId(ObjectType.DOCUMENT), "kept"));
                return null;
            });
            store.failNext = true;
            assertThatThrownBy(() -> c.execute(tx -> {
                tx.put(doc(tx.nextId(ObjectType.DOCUMENT), "lost"));
                tx.delete(ObjectType.DOCUMENT, 0);
                return null;
            })).isInstanceOf(ApiException.class).hasMessageContaining("disk full");
            assertThat(published.get(ObjectType.DOCUMENT, 0).name()).isEqualTo("kept");
            // The writer's own view was rolled back too: the next action sees "kept" and reuses ID 1.
            int id = c.execute(tx -> {
                assertThat(tx.get(ObjectType.DOCUMENT, 0)).isNotNull();
                assertThat(tx.byName(ObjectType.DOCUMENT, 0, "lost")).isNull();
                int next = tx.nextId(ObjectType.DOCUMENT);
                tx.put(doc(next, "again"));
                return next;
            });
            assertThat(id).isEqualTo(1);
        }
    }

    @Test
    void transactionSeesItsOwnChanges() {
        ObjectTable base = new ObjectTable();
        base.apply(new Record.Put(doc(0, "x")));
        Transaction tx = new Transaction(base, 0);
        tx.put(doc(0, "y"));
        assertThat(tx.byName(ObjectType.DOCUMENT, 0, "x")).isNull();
        assertThat(tx.byName(ObjectType.DOCUMENT, 0, "y")).isNotNull();
        tx.delete(ObjectType.DOCUMENT, 0);
        assertThat(tx.list(ObjectType.DOCUMENT)).isEmpty();
        assertThat(base.get(ObjectType.DOCUMENT, 0).name()).isEqualTo("x");
    }

    @Test
    void replicatedRecordsArePublishedWithoutCommittingAndSeenByLaterActions() {
        MemoryStore store = new MemoryStore();
        ObjectTable published = new ObjectTable();
        List<List<Record>> heard = new CopyOnWriteArrayList<>();
        try (Controller c = new Controller(store, published, Clock.systemUTC())) {
            c.addCommitListener(heard::add);
            c.start();
            c.applyReplicated(List.of(new Record.LastId(ObjectType.DOCUMENT, 4), new Record.Put(doc(4, "from-leader"))))
                    .join();
            assertThat(published.get(ObjectType.DOCUMENT, 4).name()).isEqualTo("from-leader");
            assertThat(store.commits).as("already stored by the replication").isEmpty();
            assertThat(heard).hasSize(1);
            // The working state has them too: the next ID follows the replicated one.
            int id = c.execute(tx -> {
                int next = tx.nextId(ObjectType.DOCUMENT);
                tx.put(doc(next, "local"));
                return next;
            });
            assertThat(id).isEqualTo(5);
        }
    }

    @Test
    void aClosedGateRefusesActionsUntilReopenedInQueueOrder() {
        MemoryStore store = new MemoryStore();
        ObjectTable published = new ObjectTable();
        try (Controller c = new Controller(store, published, Clock.systemUTC())) {
            c.start();
            c.setAcceptingWrites(false, "not the leader").join();
            assertThat(c.acceptsWrites()).isFalse();
            assertThatThrownBy(() -> c.execute(tx -> {
                tx.put(doc(tx.nextId(ObjectType.DOCUMENT), "refused"));
                return null;
            })).isInstanceOf(ApiException.class).hasMessageContaining("not the leader")
                    .satisfies(e -> assertThat(((ApiException) e).code()).isEqualTo(ErrorCode.ACTION));
            assertThat(store.commits).isEmpty();
            // Replicated records queued before the gate opens are applied before any action runs after it.
            c.applyReplicated(List.of(new Record.LastId(ObjectType.DOCUMENT, 9), new Record.Put(doc(9, "old"))));
            CompletableFuture<Void> opened = c.setAcceptingWrites(true, "");
            int id = c.execute(tx -> {
                int next = tx.nextId(ObjectType.DOCUMENT);
                tx.put(doc(next, "new"));
                return next;
            });
            assertThat(opened).isDone();
            assertThat(id).isEqualTo(10);
            assertThat(published.list(ObjectType.DOCUMENT)).extracting(o -> o.name()).containsExactly("old", "new");
        }
    }

    /** A store whose commits finish when the test says so, in any order it likes (as a Raft round would). */
    static final class SlowStore implements Store {
        record Started(List<Record> records, CompletableFuture<Void> durable, java.util.concurrent.atomic.AtomicBoolean abandoned) {
        }

        final java.util.concurrent.BlockingQueue<Started> started = new java.util.concurrent.LinkedBlockingQueue<>();

        @Override
        public Snapshot load() {
            return new Snapshot(List.of(), java.util.Map.of());
        }

        @Override
        public void commit(List<Record> records) {
            commitAsync(records).durable().join();
        }

        @Override
        public Commit commitAsync(List<Record> records) {
            Started s = new Started(List.copyOf(records), new CompletableFuture<>(), new java.util.concurrent.atomic.AtomicBoolean());
            started.add(s);
            return new Commit() {
                @Override
                public CompletableFuture<Void> durable() {
                    return s.durable();
                }

                @Override
                public boolean abandon() {
                    s.abandoned().set(true);
                    return true;
                }
            };
        }

        Started next() throws InterruptedException {
            Started s = started.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(s).as("a commit was started").isNotNull();
            return s;
        }

        @Override
        public String describe() {
            return "slow";
        }

        @Override
        public void close() {
        }
    }

    private static CompletableFuture<Integer> create(Controller c, String name) {
        return c.submit(tx -> {
            int next = tx.nextId(ObjectType.DOCUMENT);
            tx.put(doc(next, name));
            return next;
        });
    }

    @Test
    void theNextBatchStartsWhileTheFirstIsUnderWayAndAnswersKeepTheirOrder() throws Exception {
        SlowStore store = new SlowStore();
        ObjectTable published = new ObjectTable();
        try (Controller c = new Controller(store, published, Clock.systemUTC())) {
            c.start();
            CompletableFuture<Integer> a = create(c, "a");
            SlowStore.Started first = store.next();
            CompletableFuture<Integer> b = create(c, "b");
            SlowStore.Started second = store.next(); // started before the first is durable
            assertThat(second.records()).as("built on the first batch").anyMatch(r -> r instanceof Record.Put p
                    && p.object().id() == 1);
            // Nothing is answered or visible before it is durable, and the second waits for the first.
            second.durable().complete(null);
            Thread.sleep(100);
            assertThat(a).isNotDone();
            assertThat(b).isNotDone();
            assertThat(published.get(ObjectType.DOCUMENT, 1)).isNull();
            first.durable().complete(null);
            assertThat(a.get(10, java.util.concurrent.TimeUnit.SECONDS)).isZero();
            assertThat(b.get(10, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(published.get(ObjectType.DOCUMENT, 1).name()).isEqualTo("b");
        }
    }

    @Test
    void aFailedBatchFailsTheBatchesBuiltOnItAndRollsThemBack() throws Exception {
        SlowStore store = new SlowStore();
        ObjectTable published = new ObjectTable();
        try (Controller c = new Controller(store, published, Clock.systemUTC())) {
            c.start();
            CompletableFuture<Integer> a = create(c, "a");
            SlowStore.Started first = store.next();
            CompletableFuture<Integer> b = create(c, "b");
            SlowStore.Started second = store.next();
            first.durable().completeExceptionally(new IllegalStateException("not the leader"));
            assertThatThrownBy(() -> a.get(10, java.util.concurrent.TimeUnit.SECONDS)).hasMessageContaining("not the leader");
            assertThatThrownBy(() -> b.get(10, java.util.concurrent.TimeUnit.SECONDS)).hasMessageContaining("not the leader");
            assertThat(second.abandoned()).as("the store may not count it as ours any more").isTrue();
            assertThat(published.get(ObjectType.DOCUMENT, 0)).isNull();
            // The working state is back too: the next action gets the first ID again.
            CompletableFuture<Integer> again = create(c, "again");
            store.next().durable().complete(null);
            assertThat(again.get(10, java.util.concurrent.TimeUnit.SECONDS)).isZero();
        }
    }
}
