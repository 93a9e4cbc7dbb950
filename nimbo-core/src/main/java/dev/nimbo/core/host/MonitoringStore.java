package dev.nimbo.core.host;

import java.util.List;
import java.util.function.IntPredicate;

/**
 * History of host monitoring records ({@code one.host.monitoring}, {@code one.hostpool.monitoring}). Kept
 * outside the pools: records are many, only appended and expired, and need not go through the controller.
 * Implementations are thread-safe; calls block on I/O, so never make them on the controller thread.
 */
public interface MonitoringStore extends AutoCloseable {

    /** One stored record: the host, its time (seconds since the epoch) and the MONITORING XML. */
    record Entry(int hostId, long time, String body) {
    }

    /** Stores records in one transaction; a second record for the same host and second replaces the first. */
    void append(List<Entry> entries);

    /** Every record of one host, oldest first. */
    List<Entry> host(int hostId);

    /** The newest record of each host the filter accepts, by host ID. */
    List<Entry> latest(IntPredicate hosts);

    /** Records newer than {@code afterEpochSeconds} (every record when negative), by host ID then time. */
    List<Entry> since(long afterEpochSeconds, IntPredicate hosts);

    /** Drops records older than the time; returns how many went. */
    int expire(long beforeEpochSeconds);

    /** Drops every record of a deleted host. */
    void deleteHost(int hostId);

    @Override
    void close();
}
