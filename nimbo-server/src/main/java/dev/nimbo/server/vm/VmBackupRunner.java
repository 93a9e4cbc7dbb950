package dev.nimbo.server.vm;

import dev.nimbo.core.datastore.BackupDriver;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageState;
import dev.nimbo.core.image.Images;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.DriverException;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.DriverResult;
import dev.nimbo.core.vm.History;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmBackups;
import dev.nimbo.server.api.ApiContext;
import dev.nimbo.server.storage.StorageManager;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the backup side of the VM life cycle on the backup datastore's driver (its DS_MAD, see {@link BackupDriver}):
 * a backup copies the disks the VM's BACKUP_CONFIG selects, a restore writes a backup's disks back. A disk's file on
 * this front-end is {@code <system datastore BASE_PATH>/<vm id>/disk.<disk id>} when the VM's system datastore holds
 * one, otherwise the SOURCE of the disk's image (a simulated host copies no disks in); a restore always writes the
 * former. A backup's answer travels as {@code "<source> <size MB>"} in the driver result, as oned's driver message.
 * After a backup is recorded, images KEEP_LAST dropped are deleted and a chain whose oldest increments must go is
 * flattened by the driver. Thread-safe; driver work runs on driver threads.
 */
final class VmBackupRunner {
    private static final Logger log = LoggerFactory.getLogger(VmBackupRunner.class);

    private final ApiContext ctx;

    VmBackupRunner(ApiContext ctx) {
        this.ctx = ctx;
    }

    private ObjectsView view() {
        return ctx.view();
    }

    /** Whether this runner carries out {@code op}. */
    static boolean handles(DriverOp op) {
        return op == DriverOp.BACKUP || op == DriverOp.DISK_RESTORE;
    }

    /** Starts a backup or a restore for the VM as it is now. */
    CompletableFuture<DriverResult> call(VirtualMachine vm, DriverOp op) {
        try {
            return op == DriverOp.BACKUP ? backup(vm) : restore(vm);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private CompletableFuture<DriverResult> backup(VirtualMachine vm) {
        int dsId = intOr(vm.backupConfig().get(VmBackups.LAST_DATASTORE_ID));
        Datastore ds = datastore(dsId);
        BackupDriver d = StorageManager.of(ctx).backupDriver(ds);
        Set<Integer> ids = new TreeSet<>(VmBackups.diskIds(vm));
        List<BackupDriver.Disk> disks = new ArrayList<>();
        for (VectorAttribute disk : vm.vmTemplate().vectors("DISK")) {
            int id = intOr(disk.get("DISK_ID"));
            if (ids.contains(id)) {
                disks.add(new BackupDriver.Disk(id, currentFile(vm, disk), sizeOf(disk)));
            }
        }
        String parent = "";
        int chain = VmBackups.chainImage(vm, false);
        if (chain >= 0 && view().get(ObjectType.IMAGE, chain) instanceof Image img && !img.increments().isEmpty()) {
            parent = img.increments().get(img.increments().lastId()).source();
        }
        return d.backup(ds, vm.id(), disks, parent, vm.toXml())
                .thenApply(s -> new DriverResult(null, s.source() + " " + s.sizeMb()));
    }

    private CompletableFuture<DriverResult> restore(VirtualMachine vm) {
        VmBackups.PendingRestore p = VmBackups.pendingRestore(vm);
        if (p == null) {
            throw new DriverException("no disk of the VM is marked for restore");
        }
        if (!(view().get(ObjectType.IMAGE, p.imageId()) instanceof Image img)) {
            throw new DriverException("backup image " + p.imageId() + " no longer exists");
        }
        Datastore ds = datastore(img.dsId());
        BackupDriver d = StorageManager.of(ctx).backupDriver(ds);
        List<BackupDriver.Disk> targets = new ArrayList<>();
        for (VectorAttribute disk : vm.vmTemplate().vectors("DISK")) {
            int id = intOr(disk.get("DISK_ID"));
            if (p.diskIds().contains(id)) {
                targets.add(new BackupDriver.Disk(id, systemFile(vm, id), sizeOf(disk)));
            }
        }
        return d.restore(ds, img, p.incrementId(), targets).thenApply(v -> DriverResult.OK);
    }

    /** The backup a driver answered: its source and size, from {@code "<source> <size>"}. */
    static VirtualMachine noted(VirtualMachine vm, DriverResult r) {
        String info = r == null || r.info() == null ? "" : r.info().strip();
        int sp = info.lastIndexOf(' ');
        long size = 0;
        String source = info;
        if (sp > 0) {
            try {
                size = Long.parseLong(info.substring(sp + 1));
                source = info.substring(0, sp);
            } catch (NumberFormatException e) {
                size = 0;
            }
        }
        return VmBackups.noteResult(vm, source, size);
    }

    /** After a recorded backup: deletes the images KEEP_LAST dropped and merges the increments it asks to. */
    void afterBackup(List<Integer> dropped, int flattenImage) {
        for (int id : dropped) {
            StorageManager.of(ctx).delete(id);
        }
        if (flattenImage >= 0) {
            flatten(flattenImage);
        }
    }

    /** Merges the oldest increments of a LOCKED backup image (KEEP_LAST); the image is READY again, or ERROR. */
    void flatten(int imageId) {
        if (!(view().get(ObjectType.IMAGE, imageId) instanceof Image img) || img.state() != ImageState.LOCKED) {
            return;
        }
        int keep = intOr(img.template().get(VmBackups.FLATTEN_KEEP));
        CompletableFuture<BackupDriver.Saved> f;
        try {
            Datastore ds = datastore(img.dsId());
            f = StorageManager.of(ctx).backupDriver(ds).flatten(ds, img, keep);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.orTimeout(10, TimeUnit.MINUTES).whenComplete((saved, err) -> ctx.controller().submit(tx -> {
            settleFlatten(tx, imageId, keep, saved, err);
            return null;
        }).whenComplete((v, e) -> {
            if (e != null) {
                log.warn("backup image {}: flatten result not recorded: {}", imageId, VmLifecycle.reason(e));
            }
        }));
    }

    private static void settleFlatten(Transaction tx, int imageId, int keep, BackupDriver.Saved saved, Throwable err) {
        if (!(tx.get(ObjectType.IMAGE, imageId) instanceof Image now) || now.state() != ImageState.LOCKED) {
            return;
        }
        if (err != null) {
            Image failed = Images.fail(now, "Error flattening backup increments: " + VmLifecycle.reason(err),
                    tx.now());
            tx.put(failed.withTemplate(failed.template().without(VmBackups.FLATTEN_KEEP)));
            return;
        }
        long before = now.sizeMb();
        Image next = VmBackups.flattened(now, keep, saved.source(), saved.sizeMb(), tx.now());
        tx.put(next);
        // the datastore quota follows the chain's size
        long delta = next.sizeMb() - before;
        if (delta < 0) {
            dev.nimbo.core.image.ImageQuotas.release(tx, now.uid(), now.gid(),
                    dev.nimbo.core.quota.Usage.datastore(now.dsId(), 0, -delta));
        } else if (delta > 0) {
            dev.nimbo.core.image.ImageQuotas.chargeUnchecked(tx, now.uid(), now.gid(),
                    dev.nimbo.core.quota.Usage.datastore(now.dsId(), 0, delta));
        }
    }

    // ------------------------------------------------------------------ helpers

    private Datastore datastore(int dsId) {
        if (!(view().get(ObjectType.DATASTORE, dsId) instanceof Datastore ds)) {
            throw new DriverException("backup datastore " + dsId + " no longer exists");
        }
        return ds;
    }

    /** The disk's file in the system datastore, or its image's SOURCE when the system datastore has none. */
    private String currentFile(VirtualMachine vm, VectorAttribute disk) {
        String sys = systemFile(vm, intOr(disk.get("DISK_ID")));
        if (!sys.isEmpty() && Files.isRegularFile(Path.of(sys))) {
            return sys;
        }
        int imageId = intOr(disk.get("IMAGE_ID"));
        if (imageId >= 0 && view().get(ObjectType.IMAGE, imageId) instanceof Image img && !img.source().isEmpty()) {
            try {
                if (Files.isRegularFile(Path.of(img.source()))) {
                    return img.source();
                }
            } catch (InvalidPathException e) {
                return "";
            }
        }
        return "";
    }

    /** {@code <system datastore BASE_PATH>/<vm id>/disk.<id>}, or "" when the VM has no placement. */
    private String systemFile(VirtualMachine vm, int diskId) {
        History h = vm.lastHistory();
        if (h == null || !(view().get(ObjectType.DATASTORE, h.dsId()) instanceof Datastore sys)
                || sys.basePath().isBlank()) {
            return "";
        }
        return Path.of(sys.basePath(), Integer.toString(vm.id()), "disk." + diskId).toString();
    }

    private static long sizeOf(VectorAttribute disk) {
        try {
            return disk.get("SIZE") == null ? 0 : (long) Math.max(0, Double.parseDouble(disk.get("SIZE").strip()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static int intOr(String v) {
        try {
            return v == null ? -1 : Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
