package dev.nimbo.server.monitor;

import dev.nimbo.core.host.MonitoringStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/** A monitoring history in memory, for tests of the monitors without a database. */
public final class MemoryMonitoringStore implements MonitoringStore {
    public final List<Entry> entries = new CopyOnWriteArrayList<>();
    public final List<Integer> deletedHosts = new CopyOnWriteArrayList<>();
    public final AtomicInteger expiries = new AtomicInteger();

    @Override
    public void append(List<Entry> batch) {
        entries.addAll(batch);
    }

    @Override
    public List<Entry> of(int hostId) {
        return entries.stream().filter(e -> e.id() == hostId).toList();
    }

    @Override
    public List<Entry> latest(IntPredicate hosts) {
        return List.of();
    }

    @Override
    public List<Entry> since(long after, IntPredicate hosts) {
        return entries.stream().filter(e -> e.time() > after && hosts.test(e.id())).toList();
    }

    @Override
    public int expire(long before) {
        expiries.incrementAndGet();
        List<Entry> old = entries.stream().filter(e -> e.time() < before).toList();
        entries.removeAll(old);
        return old.size();
    }

    @Override
    public void delete(int hostId) {
        deletedHosts.add(hostId);
        entries.removeIf(e -> e.id() == hostId);
    }

    @Override
    public void close() {
    }
}
