package dev.nimbo.server.vm;

import dev.nimbo.core.datastore.BackupDriver;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageState;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.DriverException;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.DriverResult;
import dev.nimbo.core.vm.History;
import dev.nimbo.core.vm.Phase;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmBackups;
import dev.nimbo.server.api.ApiContext;
import dev.nimbo.drivers.kvm.KvmTm;
import dev.nimbo.drivers.kvm.KvmVmm;
import dev.nimbo.server.storage.StorageManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the backup side of the VM life cycle on the backup datastore's driver (its DS_MAD, see {@link BackupDriver}):
 * a backup copies the disks the VM's BACKUP_CONFIG selects, a restore writes a backup's disks back. A disk's file on
 * this front-end is {@code <system datastore BASE_PATH>/<vm id>/disk.<disk id>} when the VM's system datastore holds
 * one, otherwise the SOURCE of the disk's image (a simulated host copies no disks in); a restore always writes the
 * former. A backup's answer travels as {@code "<source> <size MB>"} in the driver result, as oned's driver message.
 * After a backup is recorded, images KEEP_LAST dropped are deleted and a chain whose oldest increments must go is
 * flattened, by the storage manager. A VM on a kvm host has its disks there: its agent makes crash-consistent copies
 * (the domain paused for the copy) that come to the front-end for the backup driver, and a restore's disks go
 * back to the host the same way. Thread-safe; driver work runs on driver threads.
 */
final class VmBackupRunner {
    private static final Logger log = LoggerFactory.getLogger(VmBackupRunner.class);

    private final ApiContext ctx;
    /** Reaches the disks of VMs on kvm hosts (null: no kvm hosts in this daemon). */
    private final KvmTm kvm;

    VmBackupRunner(ApiContext ctx, KvmTm kvm) {
        this.ctx = ctx;
        this.kvm = kvm;
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
        String parentSource = parent;
        if (onKvmHost(vm)) {
            // the disks are on the host: copies of them (crash-consistent) come to the front-end first
            History h = vm.lastHistory();
            Path staging = staging(vm.id());
            return onVirtualThread("kvm-backup-" + vm.id(), () -> {
                List<BackupDriver.Disk> staged = new ArrayList<>();
                for (BackupDriver.Disk disk : disks) {
                    Path copy = staging.resolve("disk." + disk.diskId());
                    kvm.copyDiskOut(h.hid(), h.dsId(), vm.id(), disk.diskId(), null, copy,
                            "backup of disk " + disk.diskId());
                    staged.add(new BackupDriver.Disk(disk.diskId(), copy.toString(), disk.sizeMb()));
                }
                return staged;
            }).thenCompose(staged -> d.backup(ds, vm.id(), staged, parentSource, vm.toXml()))
                    .thenApply(s -> new DriverResult(null, s.source() + " " + s.sizeMb()))
                    .whenComplete((r, e) -> deleteQuietly(staging));
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
        if (onKvmHost(vm)) {
            // restored on the front-end, then each disk replaces the one on the host
            History h = vm.lastHistory();
            Path staging = staging(vm.id());
            List<BackupDriver.Disk> staged = new ArrayList<>();
            for (BackupDriver.Disk t : targets) {
                staged.add(new BackupDriver.Disk(t.diskId(), staging.resolve("disk." + t.diskId()).toString(),
                        t.sizeMb()));
            }
            return d.restore(ds, img, p.incrementId(), staged)
                    .thenCompose(v -> onVirtualThread("kvm-restore-" + vm.id(), () -> {
                        for (BackupDriver.Disk t : staged) {
                            kvm.copyDiskIn(h.hid(), h.dsId(), vm.id(), t.diskId(), Path.of(t.file()));
                        }
                        return DriverResult.OK;
                    }))
                    .whenComplete((r, e) -> deleteQuietly(staging));
        }
        return d.restore(ds, img, p.incrementId(), targets).thenApply(v -> DriverResult.OK);
    }

    /** Whether the VM's disks live on a kvm host (its agent copies them), not on this front-end. */
    private boolean onKvmHost(VirtualMachine vm) {
        return kvm != null && vm.lastHistory() != null && KvmVmm.NAME.equals(vm.lastHistory().vmMad());
    }

    /** A directory of this front-end's data for one backup's or restore's disk copies. */
    private Path staging(int vmId) {
        return ctx.config().dataDir().resolve("backup-staging").resolve(vmId + "-" + System.nanoTime());
    }

    private interface HostWork<T> {
        T run() throws IOException;
    }

    /** Blocking agent work off the caller's thread; an I/O failure completes it with a DriverException. */
    private static <T> CompletableFuture<T> onVirtualThread(String name, HostWork<T> work) {
        CompletableFuture<T> out = new CompletableFuture<>();
        Thread.ofVirtual().name(name).start(() -> {
            try {
                out.complete(work.run());
            } catch (IOException e) {
                out.completeExceptionally(new DriverException(e.getMessage(), e));
            } catch (RuntimeException e) {
                out.completeExceptionally(e);
            }
        });
        return out;
    }

    private static void deleteQuietly(Path dir) {
        try {
            dev.nimbo.drivers.ds.FsDatastoreDriver.deleteTree(dir);
        } catch (IOException | RuntimeException e) {
            log.warn("could not remove {}: {}", dir, e.getMessage());
        }
    }

    /** A backup as the driver answered it: {@code "<source> <size MB>"}. */
    private record Answer(String source, long sizeMb) {
        static Answer of(DriverResult r) {
            String info = r == null || r.info() == null ? "" : r.info().strip();
            int sp = info.lastIndexOf(' ');
            if (sp > 0) {
                try {
                    return new Answer(info.substring(0, sp), Long.parseLong(info.substring(sp + 1)));
                } catch (NumberFormatException e) {
                    return new Answer(info, 0);
                }
            }
            return new Answer(info, 0);
        }
    }

    /**
     * A backup's answer on its way into the controller: {@link #before} notes it on the VM (still in the phase it
     * was issued in) for the step to record, {@link #after} collects what the recorded backup left for the storage
     * side (images KEEP_LAST dropped, a chain whose oldest increments must merge). Filled on the controller thread,
     * read once its action completed.
     */
    static final class Outcome {
        private final int vmId;
        private final Phase at;
        private final boolean success;
        private final DriverResult result;
        private VirtualMachine before;
        final List<Integer> dropped = new ArrayList<>();
        int flatten = -1;

        Outcome(int vmId, Phase at, boolean success, DriverResult result) {
            this.vmId = vmId;
            this.at = at;
            this.success = success;
            this.result = result;
        }

        void before(Transaction tx) {
            if (tx.get(ObjectType.VM, vmId) instanceof VirtualMachine v && v.phase().equals(at)) {
                before = v;
                if (success) {
                    Answer a = Answer.of(result);
                    tx.put(VmBackups.noteResult(v, a.source(), a.sizeMb()));
                }
            }
        }

        void after(Transaction tx) {
            if (before == null || !(tx.get(ObjectType.VM, vmId) instanceof VirtualMachine now)) {
                return;
            }
            for (int id : before.backupIds()) {
                if (!now.backupIds().contains(id)) {
                    dropped.add(id);
                }
            }
            for (int id : now.backupIds()) {
                if (tx.get(ObjectType.IMAGE, id) instanceof Image img && VmBackups.flattenKeep(img) > 0
                        && img.state() == ImageState.LOCKED) {
                    flatten = id;
                }
            }
        }
    }

    /** Removes the bytes of a backup whose answer came too late to be recorded (cancelled, recovered). */
    void discard(DriverResult r) {
        String source = Answer.of(r).source();
        if (!source.isEmpty()) {
            log.info("removing backup {}: its VM no longer waits for it", source);
            StorageManager.of(ctx).removeOrphan(-1, source);
        }
    }

    /** After a recorded backup: deletes the images KEEP_LAST dropped and merges the increments it asks to. */
    void afterBackup(Outcome o) {
        StorageManager storage = StorageManager.of(ctx);
        for (int id : o.dropped) {
            storage.delete(id);
        }
        if (o.flatten >= 0) {
            storage.flattenBackup(o.flatten);
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
