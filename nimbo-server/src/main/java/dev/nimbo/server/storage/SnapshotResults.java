package dev.nimbo.server.storage;

import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageQuotas;
import dev.nimbo.core.image.ImageSnapshots;
import dev.nimbo.core.image.Images;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.server.storage.StorageManager.SnapshotOp;

/**
 * What a finished snapshot operation does to its image, in the result's transaction: the image unlocks in every
 * case; on success the snapshot tree changes and the datastore quota follows the space freed (delete, flatten)
 * or the size change (revert); on failure the reason goes to the template's ERROR. Controller thread only.
 */
final class SnapshotResults {
    private SnapshotResults() {
    }

    static Image apply(Transaction tx, Image img, SnapshotOp op, int snap, String error) {
        Image.Builder b = Images.unlock(img).toBuilder().targetSnapshot(-1);
        if (error != null) {
            String what = switch (op) {
                case DELETE -> "Error removing snapshot " + snap + " from image " + img.id();
                case REVERT -> "Error reverting image " + img.id() + " to snapshot " + snap;
                case FLATTEN -> "Error flattening image snapshot";
            };
            return b.template(Images.withError(img, what + ": " + error, tx.now())).build();
        }
        ImageSnapshots snaps = img.snapshots();
        switch (op) {
            case DELETE -> {
                long freed = snaps.get(snap) == null ? 0 : snaps.get(snap).sizeMb();
                b.snapshots(snaps.delete(snap));
                ImageQuotas.release(tx, img.uid(), img.gid(), StorageManager.snapshotUsage(img, freed));
            }
            case REVERT -> {
                ImageSnapshots.Snapshot s = snaps.get(snap);
                long delta = 0;
                if (s != null && s.sizeMb() != img.sizeMb()) {
                    delta = img.sizeMb() - s.sizeMb();
                    b.sizeMb(s.sizeMb());
                }
                delta += snaps.revertDiscardedMb(snap);
                b.snapshots(snaps.revert(snap));
                if (delta > 0) {
                    ImageQuotas.release(tx, img.uid(), img.gid(), StorageManager.snapshotUsage(img, delta));
                } else if (delta < 0) {
                    ImageQuotas.chargeUnchecked(tx, img.uid(), img.gid(), StorageManager.snapshotUsage(img, -delta));
                }
            }
            case FLATTEN -> {
                long freed = snaps.totalSizeMb();
                b.snapshots(snaps.cleared());
                ImageQuotas.release(tx, img.uid(), img.gid(), StorageManager.snapshotUsage(img, freed));
            }
        }
        return b.modtime(tx.now()).build();
    }
}
