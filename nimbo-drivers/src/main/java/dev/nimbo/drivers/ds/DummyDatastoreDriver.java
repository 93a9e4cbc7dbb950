package dev.nimbo.drivers.ds;

import dev.nimbo.core.datastore.BackupDriver;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.datastore.DatastoreDriver;
import dev.nimbo.core.datastore.DatastoreDriverException;
import dev.nimbo.core.image.Image;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The {@code dummy} datastore driver: stores nothing, answers after a simulated latency, and keeps a per-datastore
 * count of the MB its images would take so monitoring moves with them. Behaviour comes from the datastore's
 * template: {@code DUMMY_DELAY_MS} (latency of every operation, default 50), {@code DUMMY_FAIL} (comma-separated
 * operations to fail: stat, cp, mkfs, clone, rm, monitor, snap_delete, snap_revert, snap_flatten, and for backup
 * datastores backup, restore, increment_flatten),
 * {@code DUMMY_TOTAL_MB} (capacity, default 1 TiB) and {@code DUMMY_IMAGE_SIZE_MB} (what stat reports, default
 * 1024 as OpenNebula's dummy). Holds no threads; thread-safe.
 */
public final class DummyDatastoreDriver implements DatastoreDriver, BackupDriver {
    public static final String NAME = "dummy";
    static final long DEFAULT_DELAY_MS = 50;
    static final long DEFAULT_TOTAL_MB = 1024L * 1024;
    static final long DEFAULT_STAT_MB = 1024;

    private final Map<Integer, Long> usedMb = new ConcurrentHashMap<>();
    private final AtomicLong backups = new AtomicLong();
    /** The VM documents of the backups taken by this driver instance (a dummy keeps nothing across restarts). */
    private final Map<String, String> vmXmls = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletableFuture<Long> stat(Datastore ds, String path) {
        return later(ds, "stat", () -> number(ds, "DUMMY_IMAGE_SIZE_MB", DEFAULT_STAT_MB));
    }

    @Override
    public CompletableFuture<Stored> copy(Datastore ds, Image image) {
        return later(ds, "cp", () -> store(ds, image));
    }

    @Override
    public CompletableFuture<Stored> mkfs(Datastore ds, Image image) {
        return later(ds, "mkfs", () -> store(ds, image));
    }

    @Override
    public CompletableFuture<Stored> clone(Datastore ds, Image target, Datastore sourceDs, Image source) {
        return later(ds, "clone", () -> store(ds, target));
    }

    @Override
    public CompletableFuture<Void> delete(Datastore ds, Image image) {
        return later(ds, "rm", () -> {
            usedMb.merge(ds.id(), -image.quotaSizeMb(), (a, b) -> Math.max(0, a + b));
            return null;
        });
    }

    @Override
    public CompletableFuture<Capacity> monitor(Datastore ds) {
        return later(ds, "monitor", () -> {
            long total = number(ds, "DUMMY_TOTAL_MB", DEFAULT_TOTAL_MB);
            long used = Math.min(total, usedMb.getOrDefault(ds.id(), 0L));
            return new Capacity(total, total - used, used);
        });
    }

    @Override
    public CompletableFuture<Void> snapshotDelete(Datastore ds, Image image, int snapshotId) {
        return later(ds, "snap_delete", () -> null);
    }

    @Override
    public CompletableFuture<Void> snapshotRevert(Datastore ds, Image image, int snapshotId) {
        return later(ds, "snap_revert", () -> null);
    }

    @Override
    public CompletableFuture<Void> snapshotFlatten(Datastore ds, Image image, int snapshotId) {
        return later(ds, "snap_flatten", () -> null);
    }

    // ------------------------------------------------------------------ backups: sizes add up, nothing is copied

    @Override
    public CompletableFuture<BackupDriver.Saved> backup(Datastore ds, int vmId, List<Disk> disks, String parentSource,
                                                        String vmXml) {
        return later(ds, "backup", () -> {
            long size = 0;
            for (Disk d : disks) {
                size += d.sizeMb();
            }
            usedMb.merge(ds.id(), size, Long::sum);
            String source = ds.basePath() + "/backup-" + vmId + "-" + backups.incrementAndGet();
            vmXmls.put(source, vmXml);
            return new BackupDriver.Saved(source, size);
        });
    }

    @Override
    public CompletableFuture<String> vmXml(Datastore ds, Image backup, int incrementId) {
        return later(ds, "restore", () -> {
            String xml = vmXmls.get(sourceOf(backup, incrementId));
            if (xml == null) {
                throw new DatastoreDriverException("dummy driver: no VM document for backup " + backup.id()
                        + " (dummy backups live in memory only)");
            }
            return xml;
        });
    }

    @Override
    public String diskSource(Datastore ds, Image backup, int incrementId, int diskId) {
        return sourceOf(backup, incrementId) + "/disk." + diskId;
    }

    private static String sourceOf(Image backup, int incrementId) {
        var incs = backup.increments();
        if (incs.isEmpty()) {
            return backup.source();
        }
        var i = incs.get(incrementId < 0 ? incs.lastId() : incrementId);
        return i == null ? backup.source() : i.source();
    }

    @Override
    public CompletableFuture<Void> restore(Datastore ds, Image backup, int incrementId, List<Disk> targets) {
        return later(ds, "restore", () -> null);
    }

    @Override
    public CompletableFuture<BackupDriver.Saved> flatten(Datastore ds, Image backup, int keep) {
        return later(ds, "increment_flatten", () -> new BackupDriver.Saved(null, -1));
    }

    private Stored store(Datastore ds, Image image) {
        usedMb.merge(ds.id(), image.sizeMb(), Long::sum);
        return new Stored(ds.basePath() + "/dummy-" + image.id(), image.format().isEmpty() ? "raw" : image.format());
    }

    /** Completes with {@code result} after the datastore's delay, or fails when the operation is listed to fail. */
    private static <T> CompletableFuture<T> later(Datastore ds, String op, Supplier<T> result) {
        long delay = number(ds, "DUMMY_DELAY_MS", DEFAULT_DELAY_MS);
        boolean fail = failing(ds).contains(op);
        CompletableFuture<T> f = new CompletableFuture<>();
        Runnable finish = () -> {
            if (f.isDone()) {
                return; // cancelled or timed out: no effect
            }
            if (fail) {
                f.completeExceptionally(new DatastoreDriverException("dummy driver: " + op
                        + " failed as the datastore's DUMMY_FAIL asks"));
            } else {
                try {
                    f.complete(result.get());
                } catch (RuntimeException e) {
                    f.completeExceptionally(new DatastoreDriverException(Async.describe(e), e));
                }
            }
        };
        if (delay <= 0) {
            finish.run();
        } else {
            CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS).execute(finish);
        }
        return f;
    }

    static Set<String> failing(Datastore ds) {
        Set<String> out = new TreeSet<>();
        String v = ds.template().get("DUMMY_FAIL");
        if (v != null) {
            for (String s : v.split("[,\\s]+")) {
                if (!s.isBlank()) {
                    out.add(s.trim().toLowerCase(Locale.ROOT));
                }
            }
        }
        return out;
    }

    private static long number(Datastore ds, String attr, long dflt) {
        String v = ds.template().get(attr);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
