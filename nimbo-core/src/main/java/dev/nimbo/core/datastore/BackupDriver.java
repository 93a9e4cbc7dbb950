package dev.nimbo.core.datastore;

import dev.nimbo.core.image.Image;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The port to the backup side of a datastore driver (the DS_MAD of a BACKUP_DS datastore, as OpenNebula's rsync or
 * restic): it copies a VM's disks into the backup datastore, copies them back, and merges the oldest increments of
 * a chain. It never touches the pools; the VM life cycle and the storage manager turn its answers into controller
 * actions. Asynchronous like {@link DatastoreDriver}: futures fail with a {@link DatastoreDriverException} saying
 * what went wrong. Implementations are thread-safe.
 */
public interface BackupDriver {

    /** The DS_MAD name that selects this driver. */
    String name();

    /**
     * One VM disk: its DISK_ID, the file holding its content on this front-end ("" when there is none, e.g. a disk
     * of a simulated host) and its SIZE in MB.
     */
    record Disk(int diskId, String file, long sizeMb) {
        public Disk {
            file = file == null ? "" : file;
        }
    }

    /** A stored backup: where the datastore keeps it (the image SOURCE or the increment's) and its size in MB. */
    record Saved(String source, long sizeMb) {
    }

    /**
     * Copies the disks of VM {@code vmId} into the backup datastore as a new backup, with the VM's XML document
     * ({@code vmXml}, kept for restoring it into a new template); {@code parentSource} is the previous backup of an
     * incremental chain ("" for a full backup or the chain's first).
     */
    CompletableFuture<Saved> backup(Datastore ds, int vmId, List<Disk> disks, String parentSource, String vmXml);

    /** The VM's XML document kept with a backup (its increment {@code incrementId}, -1 the last). */
    CompletableFuture<String> vmXml(Datastore ds, Image backup, int incrementId);

    /**
     * Where the content of disk {@code diskId} lies in the backup (its increment {@code incrementId}, -1 the last),
     * as a SOURCE of the backup datastore that an image datastore's driver can clone from.
     */
    String diskSource(Datastore ds, Image backup, int incrementId, int diskId);

    /**
     * Writes back the disks of {@code backup} (its increment {@code incrementId}, -1 for the last or a full backup)
     * into the given files, one per disk (the disk's file names where to write).
     */
    CompletableFuture<Void> restore(Datastore ds, Image backup, int incrementId, List<Disk> targets);

    /**
     * Merges the oldest increments of the backup's chain so that its last {@code keep} remain; answers the new
     * first increment's source and size (null source: unchanged; negative size: the folded sizes).
     */
    CompletableFuture<Saved> flatten(Datastore ds, Image backup, int keep);
}
