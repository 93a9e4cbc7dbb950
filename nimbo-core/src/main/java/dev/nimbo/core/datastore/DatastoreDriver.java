package dev.nimbo.core.datastore;

import dev.nimbo.core.image.Image;
import java.util.concurrent.CompletableFuture;

/**
 * The port to a datastore driver (a DS_MAD): it moves image bytes and measures space; it never touches the
 * pools. Every operation is asynchronous: it returns at once and completes its future with the result, or
 * exceptionally with a {@link DatastoreDriverException} whose message says what went wrong. The storage
 * manager turns results into controller actions (image READY or ERROR, capacity updated) and applies timeouts.
 * Arguments are immutable object versions taken when the operation was requested. Implementations are
 * thread-safe: many operations on different images may run at once.
 */
public interface DatastoreDriver {

    /** The DS_MAD name that selects this driver. */
    String name();

    /** Where an image now lives in the datastore (its SOURCE) and its FORMAT (raw, qcow2, ...). */
    record Stored(String source, String format) {
    }

    /** Space in the datastore, in MB. */
    record Capacity(long totalMb, long freeMb, long usedMb) {
    }

    /**
     * The size in MB of what {@code path} names (a local file or an http(s) URL), before the image is registered;
     * quick (a stat or an HTTP HEAD). Refuses paths the datastore may not read.
     */
    CompletableFuture<Long> stat(Datastore ds, String path);

    /** Copies the image's PATH into the datastore. */
    CompletableFuture<Stored> copy(Datastore ds, Image image);

    /**
     * Copies a file Nimbo itself made on the front-end (a disk saved from a host) into the datastore as the image:
     * as {@link #copy} does with a PATH, without the SAFE_DIRS check that guards users' paths. The file stays.
     */
    default CompletableFuture<Stored> importFile(Datastore ds, Image image, java.nio.file.Path file) {
        return CompletableFuture.failedFuture(new DatastoreDriverException("The " + name()
                + " datastore driver cannot store a file saved from a host"));
    }

    /** Creates an empty image of the image's SIZE (an empty DATABLOCK or OS disk). */
    CompletableFuture<Stored> mkfs(Datastore ds, Image image);

    /** Copies {@code source} (stored in {@code sourceDs}) as the new image {@code target}. */
    CompletableFuture<Stored> clone(Datastore ds, Image target, Datastore sourceDs, Image source);

    /** Removes the image's SOURCE (and its snapshots) from the datastore. */
    CompletableFuture<Void> delete(Datastore ds, Image image);

    /** Measures the datastore's space. */
    CompletableFuture<Capacity> monitor(Datastore ds);

    /** Removes one snapshot of the image. */
    CompletableFuture<Void> snapshotDelete(Datastore ds, Image image, int snapshotId);

    /** Makes the image's content that of the snapshot. */
    CompletableFuture<Void> snapshotRevert(Datastore ds, Image image, int snapshotId);

    /** Makes the snapshot the image's content and drops every snapshot. */
    CompletableFuture<Void> snapshotFlatten(Datastore ds, Image image, int snapshotId);
}
