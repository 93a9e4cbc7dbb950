package dev.nimbo.core.state;

import dev.nimbo.core.obj.ObjectType;
import java.util.List;
import java.util.Map;

/**
 * Durable storage of the pools. {@link #commit} writes one batch of records in one transaction and returns
 * only when it is durable; a failure leaves the stored state as before the call. Called by the controller
 * thread only; {@link #load} once at start.
 */
public interface Store extends AutoCloseable {

    /** One stored object: its type, ID and XML body (the document {@code PoolObject.toXml()} wrote). */
    record Row(ObjectType type, int id, String body) {
    }

    /** Everything stored, for rebuilding the in-memory pools at start. */
    record Snapshot(List<Row> rows, Map<ObjectType, Integer> lastIds) {
    }

    Snapshot load();

    void commit(List<Record> records);

    /**
     * A commit under way ({@link #commitAsync}): {@link #durable} completes when the batch is durable, or
     * exceptionally when it will not be stored by this call.
     */
    interface Commit {
        java.util.concurrent.CompletableFuture<Void> durable();

        /**
         * The caller stops waiting (an earlier batch it built this one on failed). Returns false when the batch is
         * already durable; otherwise, should it still become durable, the store hands it back as records committed
         * elsewhere (a replicated store), never as this commit.
         */
        boolean abandon();
    }

    /**
     * Starts committing a batch without waiting for it, so the caller can prepare and start the next one: batches
     * become durable in the order they were started. A store that cannot overlap commits (the default) commits at
     * once and returns a finished commit.
     */
    default Commit commitAsync(List<Record> records) {
        java.util.concurrent.CompletableFuture<Void> f = new java.util.concurrent.CompletableFuture<>();
        try {
            commit(records);
            f.complete(null);
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
        return new Commit() {
            @Override
            public java.util.concurrent.CompletableFuture<Void> durable() {
                return f;
            }

            @Override
            public boolean abandon() {
                return !f.isDone() || f.isCompletedExceptionally();
            }
        };
    }

    /** A short description for logs, e.g. "sqlite:/var/lib/nimbo/nimbo.db". */
    String describe();

    @Override
    void close();
}
