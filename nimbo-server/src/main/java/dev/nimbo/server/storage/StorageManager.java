package dev.nimbo.server.storage;

import dev.nimbo.core.auth.AclCleanup;
import dev.nimbo.core.auth.AclRule;
import dev.nimbo.core.datastore.BackupDriver;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.datastore.DatastoreDriver;
import dev.nimbo.core.datastore.DatastoreDriverException;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageQuotas;
import dev.nimbo.core.image.ImageState;
import dev.nimbo.core.image.Images;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.vm.VmBackups;
import dev.nimbo.drivers.ds.DummyDatastoreDriver;
import dev.nimbo.drivers.ds.FsDatastoreDriver;
import dev.nimbo.drivers.ds.RsyncBackupDriver;
import dev.nimbo.drivers.ds.StagedImages;
import dev.nimbo.server.api.ApiContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs datastore driver operations for images and datastores and feeds their results back to the controller.
 * API actions commit an image in LOCKED (or DELETE) state and then hand the slow part here; the driver works
 * asynchronously with a timeout, and its outcome becomes one more controller action (image READY with its
 * SOURCE, or ERROR with the reason; a deleted image dropped with its quota released) that re-reads the image and
 * does nothing if it has moved on meanwhile. Datastores are monitored periodically (interval from
 * {@code NIMBO_DS_MONITOR_INTERVAL} or system property {@code nimbo.datastore.monitorInterval}, seconds, default
 * 60) and after every operation that changes their content; capacity is written only when it changed. At start,
 * images left LOCKED by a previous run go to ERROR (their operation is lost) and images left in DELETE are
 * deleted again, and backup images left merging their increments merge them again. One per daemon; thread-safe.
 */
public final class StorageManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StorageManager.class);
    private static final Map<Controller, StorageManager> RUNNING = new ConcurrentHashMap<>();

    static final Duration STAT_TIMEOUT = Duration.ofSeconds(30);
    static final Duration COPY_TIMEOUT = Duration.ofHours(2);
    static final Duration OP_TIMEOUT = Duration.ofMinutes(10);
    static final Duration MONITOR_TIMEOUT = Duration.ofSeconds(60);
    static final String RESTART_MESSAGE = "The datastore operation was interrupted by a restart of nimbod";

    /** What a snapshot operation does; the names are the driver actions'. */
    public enum SnapshotOp { DELETE, REVERT, FLATTEN }

    private final ApiContext ctx;
    private final Map<String, DatastoreDriver> drivers;
    private final ScheduledExecutorService timer;
    private final Set<Integer> monitoring = ConcurrentHashMap.newKeySet();
    private final Duration interval;
    private volatile boolean closed;

    StorageManager(ApiContext ctx, List<DatastoreDriver> driverList, Duration interval) {
        this.ctx = ctx;
        Map<String, DatastoreDriver> m = new TreeMap<>();
        for (DatastoreDriver d : driverList) {
            m.put(d.name(), d);
        }
        this.drivers = Map.copyOf(m);
        this.interval = interval;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon(true)
                .name("nimbo-datastore-monitor").unstarted(r));
    }

    /**
     * Starts the manager of a daemon: recovers images left mid-operation, then monitors every datastore now and
     * periodically. Called once at start, after the controller runs and before requests are served.
     */
    public static StorageManager start(ApiContext ctx) {
        return RUNNING.computeIfAbsent(ctx.controller(), c -> {
            StorageManager m = new StorageManager(ctx, List.of(new DummyDatastoreDriver(), new FsDatastoreDriver(),
                    new RsyncBackupDriver()),
                    configuredInterval());
            m.begin();
            return m;
        });
    }

    /** The daemon's manager (started on first use if the daemon did not start it). */
    public static StorageManager of(ApiContext ctx) {
        StorageManager m = RUNNING.get(ctx.controller());
        return m != null ? m : start(ctx);
    }

    /** Stops the manager of a daemon (before its controller closes). */
    public static void stop(Controller controller) {
        StorageManager m = RUNNING.remove(controller);
        if (m != null) {
            m.close();
        }
    }

    static Duration configuredInterval() {
        String v = System.getProperty("nimbo.datastore.monitorInterval", System.getenv("NIMBO_DS_MONITOR_INTERVAL"));
        if (v != null && !v.isBlank()) {
            try {
                double seconds = Double.parseDouble(v.trim());
                if (seconds > 0) {
                    return Duration.ofMillis((long) (seconds * 1000));
                }
            } catch (NumberFormatException e) {
                log.warn("ignoring datastore monitor interval '{}': not a number of seconds", v);
            }
        }
        return Duration.ofSeconds(60);
    }

    void begin() {
        recover();
        timer.scheduleWithFixedDelay(this::monitorAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
    }

    /** The DS_MAD names this daemon can drive. */
    public Set<String> dsMads() {
        return drivers.keySet();
    }

    private DatastoreDriver driverFor(Datastore ds) {
        String mad = ds.dsType() == Datastore.SYSTEM_DS
                ? (ds.tmMad().equals(DummyDatastoreDriver.NAME) ? DummyDatastoreDriver.NAME : FsDatastoreDriver.NAME)
                : ds.dsMad();
        DatastoreDriver d = drivers.get(mad);
        if (d == null) {
            throw new DatastoreDriverException("No datastore driver " + mad + " in this daemon");
        }
        return d;
    }

    /** The backup side of a BACKUP_DS datastore's driver; refused when its DS_MAD cannot store backups. */
    public BackupDriver backupDriver(Datastore ds) {
        if (ds.dsType() != Datastore.BACKUP_DS) {
            throw new DatastoreDriverException("Datastore " + ds.id() + " is not a BACKUP_DS datastore");
        }
        if (!(driverFor(ds) instanceof BackupDriver b)) {
            throw new DatastoreDriverException("The datastore driver " + ds.dsMad() + " cannot store backups");
        }
        return b;
    }

    private ObjectsView view() {
        return ctx.view();
    }

    // ------------------------------------------------------------------ stat (before an image is registered)

    /**
     * The size in MB of an image's PATH, asked of the datastore's driver; waits (outside the controller) up to
     * the stat timeout. Failures are oned's INTERNAL "Cannot parse image SIZE: ...".
     */
    public long stat(Datastore ds, String path) {
        try {
            return driverFor(ds).stat(ds, path).get(STAT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw ApiException.internal("Cannot parse image SIZE: " + reason(e));
        } catch (TimeoutException e) {
            throw ApiException.internal("Cannot parse image SIZE: no answer from the datastore driver in "
                    + STAT_TIMEOUT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.internal("Cannot parse image SIZE: interrupted");
        } catch (DatastoreDriverException e) {
            throw ApiException.internal("Cannot parse image SIZE: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ image operations

    /** Copies a just-allocated image in (PATH set) or creates it empty (no PATH); ends READY or ERROR. */
    public void register(int imageId) {
        Image img = (Image) view().get(ObjectType.IMAGE, imageId);
        java.nio.file.Path staged = StagedImages.of(ctx.config().dataDir(), imageId);
        if (java.nio.file.Files.exists(staged)) {
            // a disk saved from a host: its bytes are the image's; the staged file goes whatever happens
            if (img == null || img.state() != ImageState.LOCKED) {
                deleteStaged(staged);
                return;
            }
            run(img, COPY_TIMEOUT, (d, ds) -> d.importFile(ds, img, staged),
                    "Error copying the saved disk in the datastore").whenComplete((v, err) -> deleteStaged(staged));
            return;
        }
        if (img == null || img.state() != ImageState.LOCKED) {
            return;
        }
        boolean copy = !img.path().isEmpty();
        run(img, copy ? COPY_TIMEOUT : OP_TIMEOUT, (d, ds) -> copy ? d.copy(ds, img) : d.mkfs(ds, img),
                copy ? "Error copying image in the datastore" : "Error creating datablock");
    }

    /** Drops the disk saved for an image whose registration will not happen (the save's result was superseded). */
    public void dropStaged(int imageId) {
        deleteStaged(StagedImages.of(ctx.config().dataDir(), imageId));
    }

    private static void deleteStaged(java.nio.file.Path staged) {
        try {
            java.nio.file.Files.deleteIfExists(staged);
        } catch (java.io.IOException e) {
            log.warn("could not remove the staged file {}: {}", staged, e.getMessage());
        }
    }

    /** Copies the clone source into the just-allocated image; the source is released either way. */
    public void cloneImage(int imageId) {
        Image img = (Image) view().get(ObjectType.IMAGE, imageId);
        if (img == null || img.state() != ImageState.LOCKED || img.cloningId() < 0) {
            return;
        }
        Image source = (Image) view().get(ObjectType.IMAGE, img.cloningId());
        Datastore sourceDs = source == null ? null : (Datastore) view().get(ObjectType.DATASTORE, source.dsId());
        if (source == null || sourceDs == null) {
            finishStore(imageId, null, "Error cloning from Image " + img.cloningId()
                    + ": the source image or its datastore no longer exists");
            return;
        }
        run(img, COPY_TIMEOUT, (d, ds) -> d.clone(ds, img, sourceDs, source),
                "Error cloning from Image " + img.cloningId());
    }

    /**
     * Copies a disk kept in a backup ({@code diskSource}, a SOURCE of backup datastore {@code backupDs}) into the
     * just-allocated image (one.image.restore); ends READY or ERROR.
     */
    public void restoreFromBackup(int imageId, Datastore backupDs, String diskSource) {
        Image img = (Image) view().get(ObjectType.IMAGE, imageId);
        if (img == null || img.state() != ImageState.LOCKED) {
            return;
        }
        Image kept = Image.builder(-1, "backup").datastore(backupDs.id(), backupDs.name()).source(diskSource)
                .format("").build(); // the driver tells by the bytes: a kvm host's backup is qcow2
        run(img, COPY_TIMEOUT, (d, ds) -> d.clone(ds, img, backupDs, kept), "Error restoring disk from backup");
    }

    private interface Op {
        CompletableFuture<DatastoreDriver.Stored> start(DatastoreDriver d, Datastore ds);
    }

    /** Runs a driver operation that stores the image; completes (never exceptionally) once its result is known. */
    private CompletableFuture<Void> run(Image img, Duration timeout, Op op, String failurePrefix) {
        Datastore ds = (Datastore) view().get(ObjectType.DATASTORE, img.dsId());
        CompletableFuture<DatastoreDriver.Stored> f;
        try {
            if (ds == null) {
                throw new DatastoreDriverException("Datastore " + img.dsId() + " no longer exists");
            }
            f = op.start(driverFor(ds), ds);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        return f.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).handle((stored, err) -> {
            if (err != null) {
                finishStore(img.id(), null, failurePrefix + ": " + reason(err));
            } else {
                finishStore(img.id(), stored, null);
            }
            return null;
        });
    }

    /** The driver's answer to cp/mkfs/clone: READY with SOURCE and FORMAT, or ERROR. */
    private void finishStore(int imageId, DatastoreDriver.Stored stored, String error) {
        submit("store result of image " + imageId, tx -> {
            Image img = (Image) tx.get(ObjectType.IMAGE, imageId);
            if (img == null || !img.state().isLocked()) {
                if (stored != null) {
                    log.warn("image {} finished copying but is no longer waiting for it; removing {}", imageId,
                            stored.source());
                    return (Runnable) () -> removeOrphan(imageId, stored.source());
                }
                return null;
            }
            int cloningId = img.cloningId();
            Image next;
            if (error == null) {
                next = Images.unlock(img.toBuilder().source(stored.source())
                        .format(stored.format() == null || stored.format().isEmpty() ? img.format() : stored.format())
                        .cloningId(-1).modtime(tx.now()).build());
            } else {
                log.warn("image {}: {}", imageId, error);
                next = Images.fail(img.toBuilder().cloningId(-1).build(), error, tx.now());
            }
            tx.put(next);
            if (cloningId >= 0) {
                Image source = (Image) tx.get(ObjectType.IMAGE, cloningId);
                if (source != null) {
                    tx.put(Images.endClone(source, imageId));
                }
            }
            int dsId = img.dsId();
            return (Runnable) () -> monitor(dsId);
        });
    }

    /**
     * A copy that finished for an image deleted meanwhile (or a backup nobody waits for any more, {@code imageId}
     * -1): its bytes are removed from the datastore that holds {@code source}.
     */
    public void removeOrphan(int imageId, String source) {
        // The image is gone, so the datastore is taken from the source's location among current datastores.
        for (PoolObject o : view().list(ObjectType.DATASTORE)) {
            Datastore ds = (Datastore) o;
            if (!source.startsWith(ds.basePath() + "/")) {
                continue;
            }
            Image ghost = Image.builder(imageId, "deleted").datastore(ds.id(), ds.name()).source(source).build();
            try {
                driverFor(ds).delete(ds, ghost).orTimeout(OP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        .whenComplete((v, e) -> {
                            if (e != null) {
                                log.warn("could not remove {} left by deleted image {}: {}", source, imageId, reason(e));
                            }
                        });
            } catch (RuntimeException e) {
                log.warn("could not remove {} left by deleted image {}: {}", source, imageId, e.getMessage());
            }
            return;
        }
    }

    /** Removes a DELETE-state image's bytes; on success the image is dropped and its quota released. */
    public void delete(int imageId) {
        Image img = (Image) view().get(ObjectType.IMAGE, imageId);
        if (img == null || img.state() != ImageState.DELETE) {
            return;
        }
        Datastore ds = (Datastore) view().get(ObjectType.DATASTORE, img.dsId());
        CompletableFuture<Void> f;
        try {
            if (ds == null) {
                throw new DatastoreDriverException("Datastore " + img.dsId() + " no longer exists");
            }
            f = driverFor(ds).delete(ds, img);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.orTimeout(OP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, err) -> submit(
                "delete result of image " + imageId, tx -> {
                    Image now = (Image) tx.get(ObjectType.IMAGE, imageId);
                    if (now == null || now.state() != ImageState.DELETE) {
                        return null;
                    }
                    boolean force = isYes(now.template().get("FORCE_DELETE"));
                    if (err != null && !force) {
                        String msg = "Error removing image from datastore. Retry the operation or manually remove "
                                + "image source " + now.source() + " and run the delete --force operation to "
                                + "completely delete the image: " + reason(err);
                        log.warn("image {}: {}", imageId, msg);
                        tx.put(Images.fail(now, msg, tx.now()));
                        return null;
                    }
                    drop(tx, now);
                    int dsId = now.dsId();
                    return (Runnable) () -> monitor(dsId);
                }));
    }

    /**
     * Removes an image for good inside {@code tx}: the record, its entry in the datastore, its datastore quota and
     * the ACL rules naming it.
     */
    public static void drop(Transaction tx, Image img) {
        tx.delete(ObjectType.IMAGE, img.id());
        Datastore ds = (Datastore) tx.get(ObjectType.DATASTORE, img.dsId());
        if (ds != null) {
            tx.put(ds.withoutImage(img.id()));
        }
        ImageQuotas.release(tx, img.uid(), img.gid(), ImageQuotas.of(img));
        dropAcls(tx, ObjectType.IMAGE, img.id());
    }

    /** Deletes the ACL rules whose resource is exactly this object. */
    public static void dropAcls(Transaction tx, ObjectType type, int id) {
        var test = AclCleanup.objectDeleted(type, id);
        for (PoolObject o : new ArrayList<>(tx.list(ObjectType.ACL))) {
            if (test.test((AclRule) o)) {
                tx.delete(ObjectType.ACL, o.id());
            }
        }
    }

    /** Runs a snapshot operation on a LOCKED image whose TARGET_SNAPSHOT is set; the image unlocks either way. */
    public void snapshot(int imageId, SnapshotOp op) {
        Image img = (Image) view().get(ObjectType.IMAGE, imageId);
        if (img == null || img.state() != ImageState.LOCKED || img.targetSnapshot() < 0) {
            return;
        }
        int snap = img.targetSnapshot();
        Datastore ds = (Datastore) view().get(ObjectType.DATASTORE, img.dsId());
        CompletableFuture<Void> f;
        try {
            if (ds == null) {
                throw new DatastoreDriverException("Datastore " + img.dsId() + " no longer exists");
            }
            DatastoreDriver d = driverFor(ds);
            f = switch (op) {
                case DELETE -> d.snapshotDelete(ds, img, snap);
                case REVERT -> d.snapshotRevert(ds, img, snap);
                case FLATTEN -> d.snapshotFlatten(ds, img, snap);
            };
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.orTimeout(OP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((v, err) -> submit(
                "snapshot result of image " + imageId, tx -> {
                    Image now = (Image) tx.get(ObjectType.IMAGE, imageId);
                    if (now == null || !now.state().isLocked() || now.targetSnapshot() != snap) {
                        return null;
                    }
                    tx.put(SnapshotResults.apply(tx, now, op, snap, err == null ? null : reason(err)));
                    return null;
                }));
    }

    // ------------------------------------------------------------------ backup images

    /**
     * Merges the oldest increments of a LOCKED backup image marked by KEEP_LAST ({@link VmBackups#FLATTEN_KEEP})
     * with its datastore's backup driver; the image is READY again with the folded chain (its datastore quota
     * following the chain's size), or ERROR.
     */
    public void flattenBackup(int imageId) {
        if (!(view().get(ObjectType.IMAGE, imageId) instanceof Image img) || img.state() != ImageState.LOCKED
                || img.template().get(VmBackups.FLATTEN_KEEP) == null) {
            return;
        }
        int keep = VmBackups.flattenKeep(img);
        CompletableFuture<BackupDriver.Saved> f;
        try {
            Datastore ds = (Datastore) view().get(ObjectType.DATASTORE, img.dsId());
            if (ds == null) {
                throw new DatastoreDriverException("Datastore " + img.dsId() + " no longer exists");
            }
            f = backupDriver(ds).flatten(ds, img, keep);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.orTimeout(OP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((saved, err) -> submit(
                "flatten result of backup image " + imageId, tx -> {
                    if (!(tx.get(ObjectType.IMAGE, imageId) instanceof Image now) || now.state() != ImageState.LOCKED) {
                        return null;
                    }
                    if (err != null) {
                        Image failed = Images.fail(now, "Error flattening backup increments: " + reason(err), tx.now());
                        tx.put(failed.withTemplate(failed.template().without(VmBackups.FLATTEN_KEEP)));
                        return null;
                    }
                    Image next = VmBackups.flattened(now, keep, saved.source(), saved.sizeMb(), tx.now());
                    tx.put(next);
                    long delta = next.sizeMb() - now.sizeMb(); // the datastore quota follows the chain's size
                    if (delta < 0) {
                        ImageQuotas.release(tx, now.uid(), now.gid(), Usage.datastore(now.dsId(), 0, -delta));
                    } else if (delta > 0) {
                        ImageQuotas.chargeUnchecked(tx, now.uid(), now.gid(), Usage.datastore(now.dsId(), 0, delta));
                    }
                    int dsId = now.dsId();
                    return (Runnable) () -> monitor(dsId);
                }));
    }

    // ------------------------------------------------------------------ monitoring

    /** Monitors one datastore now (no-op if a monitor of it is already running). */
    public void monitor(int dsId) {
        if (closed || !monitoring.add(dsId)) {
            return;
        }
        Datastore ds = (Datastore) view().get(ObjectType.DATASTORE, dsId);
        CompletableFuture<DatastoreDriver.Capacity> f;
        try {
            if (ds == null) {
                monitoring.remove(dsId);
                return;
            }
            f = driverFor(ds).monitor(ds);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.orTimeout(MONITOR_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).whenComplete((cap, err) -> {
            monitoring.remove(dsId);
            if (err != null) {
                log.warn("Error monitoring datastore {}: {}", dsId, reason(err));
                return;
            }
            submit("capacity of datastore " + dsId, tx -> {
                Datastore now = (Datastore) tx.get(ObjectType.DATASTORE, dsId);
                if (now != null && (now.totalMb() != cap.totalMb() || now.freeMb() != cap.freeMb()
                        || now.usedMb() != cap.usedMb())) {
                    tx.put(now.withCapacity(cap.totalMb(), cap.freeMb(), cap.usedMb()));
                }
                return null;
            });
        });
    }

    void monitorAll() {
        try {
            for (PoolObject o : view().list(ObjectType.DATASTORE)) {
                monitor(o.id());
            }
        } catch (RuntimeException e) {
            log.error("datastore monitoring round failed", e);
        }
    }

    // ------------------------------------------------------------------ recovery

    /** Images a previous run left mid-operation: LOCKED ones fail (with their clone sources released), DELETE resumes. */
    void recover() {
        // disks saved from hosts that were waiting for a registration the restart fails (their images below)
        java.nio.file.Path staged = StagedImages.dir(ctx.config().dataDir());
        if (java.nio.file.Files.isDirectory(staged)) {
            try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.list(staged)) {
                s.forEach(StorageManager::deleteStaged);
            } catch (java.io.IOException e) {
                log.warn("could not list {}: {}", staged, e.getMessage());
            }
        }
        List<Integer> flattening = new ArrayList<>();
        List<Integer> toDelete = ctx.controller().execute(tx -> {
            List<Integer> deleting = new ArrayList<>();
            for (PoolObject o : new ArrayList<>(tx.list(ObjectType.IMAGE))) {
                Image img = (Image) tx.get(ObjectType.IMAGE, o.id());
                if (img.state() == ImageState.DELETE) {
                    deleting.add(img.id());
                } else if (img.state() == ImageState.LOCKED && img.template().get(VmBackups.FLATTEN_KEEP) != null) {
                    flattening.add(img.id()); // merging backup increments again is harmless: resumed below
                } else if (img.state().isLocked()) {
                    int cloningId = img.cloningId();
                    tx.put(Images.fail(img.toBuilder().cloningId(-1).targetSnapshot(-1).build(), RESTART_MESSAGE,
                            tx.now()));
                    if (cloningId >= 0 && tx.get(ObjectType.IMAGE, cloningId) instanceof Image source) {
                        tx.put(Images.endClone(source, img.id()));
                    }
                    log.warn("image {} was {} when nimbod stopped: now ERROR", img.id(), img.state().text());
                }
            }
            return deleting;
        });
        for (int id : toDelete) {
            delete(id);
        }
        for (int id : flattening) {
            flattenBackup(id);
        }
    }

    // ------------------------------------------------------------------ plumbing

    /**
     * Submits a result action; its optional Runnable return value runs after the commit (follow-up driver work).
     * Failures are logged: nobody waits for these actions.
     */
    private void submit(String what, Function<Transaction, Runnable> action) {
        if (closed) {
            return;
        }
        ctx.controller().submit(action::apply).whenComplete((after, err) -> {
            if (err != null) {
                log.warn("{} not applied: {}", what, reason(err));
            } else if (after != null) {
                try {
                    after.run();
                } catch (RuntimeException e) {
                    log.warn("after {}: {}", what, e.toString());
                }
            }
        });
    }

    static String reason(Throwable e) {
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof TimeoutException) {
            return "the datastore driver did not answer in time";
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    static boolean isYes(String v) {
        return v != null && (v.trim().equalsIgnoreCase("YES") || v.trim().equalsIgnoreCase("TRUE")
                || v.trim().equals("1"));
    }

    /** Usage released by snapshot operations: used by {@link SnapshotResults}. */
    static Usage snapshotUsage(Image img, long sizeMb) {
        return Usage.datastore(img.dsId(), 0, sizeMb);
    }
}
