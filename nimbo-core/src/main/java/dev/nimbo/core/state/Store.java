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

    /** A short description for logs, e.g. "sqlite:/var/lib/nimbo/nimbo.db". */
    String describe();

    @Override
    void close();
}
