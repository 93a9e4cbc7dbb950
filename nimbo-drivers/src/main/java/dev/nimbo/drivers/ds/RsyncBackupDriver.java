package dev.nimbo.drivers.ds;

import dev.nimbo.core.datastore.BackupDriver;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.datastore.DatastoreDriver;
import dev.nimbo.core.datastore.DatastoreDriverException;
import dev.nimbo.core.image.BackupIncrements;
import dev.nimbo.core.image.Image;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code rsync} backup datastore driver, named after OpenNebula's: backups are directories under the datastore's
 * BASE_PATH on the front-end's disk, {@code BASE_PATH/<vm id>/<random>/disk.<disk id>} and the VM's {@code vm.xml}, one
 * per backup. Each backup,
 * increments included, is a complete copy of the disks (Nimbo's disks are plain files without block tracking), so
 * merging the oldest increments of a chain drops their directories and the first kept one stands for the chain.
 * A backup is written to a {@code .part} directory and renamed when complete: a failed or interrupted one leaves
 * nothing behind. Restores copy a disk to a temporary name beside its target and rename it. Capacity is that of
 * the file system holding BASE_PATH. Image operations other than delete are refused: a backup datastore holds
 * backups only. Every operation runs on its own virtual thread; thread-safe.
 */
public final class RsyncBackupDriver implements DatastoreDriver, BackupDriver {
    public static final String NAME = "rsync";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The VM's document kept beside the disks of each backup, as OpenNebula's backups keep vm.xml. */
    static final String VM_XML = "vm.xml";

    private final FsDatastoreDriver fs = new FsDatastoreDriver();

    @Override
    public String name() {
        return NAME;
    }

    // ------------------------------------------------------------------ backups

    @Override
    public CompletableFuture<Saved> backup(Datastore ds, int vmId, List<Disk> disks, String parentSource,
                                           String vmXml) {
        return Async.run("rsync-backup-" + vmId, () -> {
            Path vmDir = base(ds).resolve(Integer.toString(vmId));
            Files.createDirectories(vmDir);
            byte[] b = new byte[8];
            RANDOM.nextBytes(b);
            Path dst = vmDir.resolve(HexFormat.of().formatHex(b));
            Path tmp = dst.resolveSibling(dst.getFileName() + ".part");
            long bytes = 0;
            try {
                Files.createDirectories(tmp);
                for (Disk d : disks) {
                    if (d.file().isEmpty()) {
                        throw new DatastoreDriverException("Cannot back up disk " + d.diskId()
                                + ": it has no file on this front-end");
                    }
                    Path from = Path.of(d.file());
                    if (!Files.isRegularFile(from)) {
                        throw new DatastoreDriverException("Cannot back up disk " + d.diskId() + ": no file at " + from);
                    }
                    Path to = tmp.resolve("disk." + d.diskId());
                    FsDatastoreDriver.copyFile(from, to);
                    bytes += Files.size(to);
                    if (Thread.currentThread().isInterrupted()) {
                        throw new InterruptedException();
                    }
                }
                Files.writeString(tmp.resolve(VM_XML), vmXml == null ? "" : vmXml);
                Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                FsDatastoreDriver.deleteTree(tmp);
            }
            return new Saved(dst.toString(), FsDatastoreDriver.ceilMb(bytes));
        });
    }

    @Override
    public CompletableFuture<Void> restore(Datastore ds, Image backup, int incrementId, List<Disk> targets) {
        return Async.run("rsync-restore-" + backup.id(), () -> {
            Path dir = inside(ds, sourceOf(backup, incrementId));
            for (Disk d : targets) {
                Path from = dir.resolve("disk." + d.diskId());
                if (!Files.isRegularFile(from)) {
                    throw new DatastoreDriverException("Backup " + backup.id() + " has no disk " + d.diskId());
                }
                if (d.file().isEmpty()) {
                    throw new DatastoreDriverException("Cannot restore disk " + d.diskId() + ": no target file");
                }
                Path to = Path.of(d.file());
                Files.createDirectories(to.getParent());
                Path tmp = to.resolveSibling(to.getFileName() + ".part");
                try {
                    FsDatastoreDriver.copyFile(from, tmp);
                    Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<String> vmXml(Datastore ds, Image backup, int incrementId) {
        return Async.run("rsync-vmxml-" + backup.id(), () -> {
            Path f = inside(ds, sourceOf(backup, incrementId)).resolve(VM_XML);
            if (!Files.isRegularFile(f)) {
                throw new DatastoreDriverException("Backup " + backup.id() + " has no " + VM_XML);
            }
            return Files.readString(f);
        });
    }

    @Override
    public String diskSource(Datastore ds, Image backup, int incrementId, int diskId) {
        return Path.of(sourceOf(backup, incrementId), "disk." + diskId).toString();
    }

    @Override
    public CompletableFuture<Saved> flatten(Datastore ds, Image backup, int keep) {
        return Async.run("rsync-flatten-" + backup.id(), () -> {
            List<BackupIncrements.Increment> l = backup.increments().increments();
            if (keep <= 0 || l.size() <= keep) {
                return new Saved(null, -1);
            }
            int drop = l.size() - keep;
            for (BackupIncrements.Increment i : l.subList(0, drop)) {
                FsDatastoreDriver.deleteTree(inside(ds, i.source()));
            }
            // the first kept increment is a complete copy: it is the chain's full backup now, with its own size
            BackupIncrements.Increment first = l.get(drop);
            return new Saved(first.source(), first.sizeMb());
        });
    }

    private static String sourceOf(Image backup, int incrementId) {
        BackupIncrements incs = backup.increments();
        if (incs.isEmpty()) {
            return backup.source();
        }
        BackupIncrements.Increment i = incs.get(incrementId < 0 ? incs.lastId() : incrementId);
        if (i == null) {
            throw new DatastoreDriverException("Backup " + backup.id() + " has no increment " + incrementId);
        }
        return i.source();
    }

    // ------------------------------------------------------------------ image operations

    @Override
    public CompletableFuture<Void> delete(Datastore ds, Image image) {
        return Async.run("rsync-rm-" + image.id(), () -> {
            List<String> sources = new ArrayList<>();
            sources.add(image.source());
            image.increments().increments().forEach(i -> sources.add(i.source()));
            for (String s : sources) {
                if (!s.isEmpty()) {
                    FsDatastoreDriver.deleteTree(inside(ds, s));
                }
            }
            return null;
        });
    }

    @Override
    public CompletableFuture<Capacity> monitor(Datastore ds) {
        return fs.monitor(ds);
    }

    @Override
    public CompletableFuture<Long> stat(Datastore ds, String path) {
        return refused("stat");
    }

    @Override
    public CompletableFuture<DatastoreDriver.Stored> copy(Datastore ds, Image image) {
        return refused("cp");
    }

    @Override
    public CompletableFuture<DatastoreDriver.Stored> mkfs(Datastore ds, Image image) {
        return refused("mkfs");
    }

    @Override
    public CompletableFuture<DatastoreDriver.Stored> clone(Datastore ds, Image target, Datastore sourceDs,
                                                           Image source) {
        return refused("clone");
    }

    @Override
    public CompletableFuture<Void> snapshotDelete(Datastore ds, Image image, int snapshotId) {
        return refused("snap_delete");
    }

    @Override
    public CompletableFuture<Void> snapshotRevert(Datastore ds, Image image, int snapshotId) {
        return refused("snap_revert");
    }

    @Override
    public CompletableFuture<Void> snapshotFlatten(Datastore ds, Image image, int snapshotId) {
        return refused("snap_flatten");
    }

    private static <T> CompletableFuture<T> refused(String op) {
        return CompletableFuture.failedFuture(new DatastoreDriverException("The " + NAME
                + " driver stores VM backups only; " + op + " is not available"));
    }

    // ------------------------------------------------------------------ helpers

    private static Path base(Datastore ds) {
        return Path.of(ds.basePath()).toAbsolutePath().normalize();
    }

    /** A path of the datastore: refused unless it lies under BASE_PATH. */
    private static Path inside(Datastore ds, String source) {
        Path p;
        try {
            p = Path.of(source).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new DatastoreDriverException("Invalid backup SOURCE " + source);
        }
        if (!p.startsWith(base(ds)) || p.equals(base(ds))) {
            throw new DatastoreDriverException("Backup SOURCE " + source + " is not under the datastore's BASE_PATH "
                    + ds.basePath());
        }
        return p;
    }
}
