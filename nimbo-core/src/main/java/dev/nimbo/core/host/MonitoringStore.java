package dev.nimbo.core.host;

import java.util.List;
import java.util.function.IntPredicate;

/**
 * History of monitoring records of hosts ({@code one.host.monitoring}, {@code one.hostpool.monitoring}) or of VMs
 * ({@code one.vm.monitoring}, {@code one.vmpool.monitoring}), one store per kind. Kept outside the pools: records
 * are many, only appended and expired, and need not go through the controller. Implementations are thread-safe;
 * calls block on I/O, so never make them on the controller thread.
 */
public interface MonitoringStore extends AutoCloseable {

    /** One stored record: the host's or VM's ID, its time (seconds since the epoch) and the MONITORING XML. */
    record Entry(int id, long time, String body) {
    }

    /** Stores records in one transaction; a second record for the same object and second replaces the first. */
    void append(List<Entry> entries);

    /** Every record of one host or VM, oldest first. */
    List<Entry> of(int id);

    /** The newest record of each object the filter accepts, by ID. */
    List<Entry> latest(IntPredicate ids);

    /** Records newer than {@code afterEpochSeconds} (every record when negative), by ID then time. */
    List<Entry> since(long afterEpochSeconds, IntPredicate ids);

    /** Drops records older than the time; returns how many went. */
    int expire(long beforeEpochSeconds);

    /** Drops every record of a deleted host or a VM that is done. */
    void delete(int id);

    @Override
    void close();

    /** The MONITORING_DATA document of {@code entries} (their bodies, in order): what the monitoring calls answer. */
    static String document(List<Entry> entries) {
        StringBuilder b = new StringBuilder(64 + entries.size() * 600);
        b.append("<MONITORING_DATA>");
        for (Entry e : entries) {
            b.append(e.body());
        }
        b.append("</MONITORING_DATA>");
        return b.toString();
    }
}
