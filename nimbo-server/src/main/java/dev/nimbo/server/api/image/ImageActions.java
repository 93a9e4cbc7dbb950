package dev.nimbo.server.api.image;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageQuotas;
import dev.nimbo.core.image.ImageSnapshots;
import dev.nimbo.core.image.ImageState;
import dev.nimbo.core.image.ImageType;
import dev.nimbo.core.image.Images;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.shared.SharedMethods;
import dev.nimbo.server.storage.StorageManager;
import dev.nimbo.server.storage.StorageManager.SnapshotOp;

/**
 * The per-image actions: enable/disable, persistent/non-persistent, chtype, chown (moving the datastore quota to
 * the new owner) and the snapshot operations (which lock the image while the driver works). Each needs MANAGE on
 * the image, as in OpenNebula.
 */
final class ImageActions {
    private ImageActions() {
    }

    static void register(ApiRegistry r) {
        r.register("one.image.enable", ImageActions::enable);
        r.register("one.image.persistent", ImageActions::persistent);
        r.register("one.image.chtype", ImageActions::chtype);
        r.register("one.image.chown", ImageActions::chown);
        r.register("one.image.snapshotdelete", c -> snapshot(c, SnapshotOp.DELETE));
        r.register("one.image.snapshotrevert", c -> snapshot(c, SnapshotOp.REVERT));
        r.register("one.image.snapshotflatten", c -> snapshot(c, SnapshotOp.FLATTEN));
    }

    static Object enable(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        boolean on = call.params().bool(1);
        return call.write(tx -> {
            Image img = tx.require(ObjectType.IMAGE, id);
            call.authorize(Right.MANAGE, img);
            Image next;
            try {
                next = Images.enable(img, on);
            } catch (ApiException e) {
                throw new ApiException(ErrorCode.INTERNAL, (on ? "Could not enable image: " : "Could not disable image: ")
                        + e.getMessage(), id);
            }
            if (next != img) {
                tx.put(next);
            }
            return id;
        });
    }

    static Object persistent(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        boolean on = call.params().bool(1);
        return call.write(tx -> {
            Image img = tx.require(ObjectType.IMAGE, id);
            call.authorize(Right.MANAGE, img);
            if (img.persistent() == on) {
                return id;
            }
            if (tx.get(ObjectType.DATASTORE, img.dsId()) == null) {
                throw new ApiException(ErrorCode.INTERNAL, "Datastore no longer exists.", id);
            }
            switch (img.imageType()) {
                case KERNEL, RAMDISK, CONTEXT -> throw ApiException.action(
                        "KERNEL, RAMDISK and CONTEXT must be non-persistent", id);
                case BACKUP -> throw ApiException.action("BACKUP images must be persistent", id);
                default -> {
                }
            }
            String refusal = Images.persistentRefusal(img, on);
            if (refusal != null) {
                throw new ApiException(ErrorCode.INTERNAL, (on ? "Could not make image persistent: "
                        : "Could not make image non-persistent: ") + refusal, id);
            }
            Image.Builder b = img.toBuilder().persistent(on);
            if (!on && "SHAREABLE".equalsIgnoreCase(ImageMethods.trim(img.template().get("PERSISTENT_TYPE")))) {
                b.template(img.template().without("PERSISTENT_TYPE"));
            }
            tx.put(b.build());
            return id;
        });
    }

    static Object chtype(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        String typeText = call.params().string(1);
        ImageType wanted = ImageType.parse(typeText);
        return call.write(tx -> {
            Image img = tx.require(ObjectType.IMAGE, id);
            call.authorize(Right.MANAGE, img);
            // As oned, an unknown name passes the family check as OS and is refused when set.
            ImageType family = wanted == null ? ImageType.OS : wanted;
            boolean compatible = switch (img.imageType()) {
                case OS, DATABLOCK, CDROM -> family.isDisk();
                case KERNEL, RAMDISK, CONTEXT -> family.isFile();
                case BACKUP, FILESYSTEM -> throw ApiException.action("Cannot change type for " + img.imageType()
                        + " images.", id);
            };
            if (!compatible) {
                throw ApiException.action("Cannot change image type to an incompatible type for the current datastore.",
                        id);
            }
            if (wanted == null) {
                throw new ApiException(ErrorCode.INTERNAL, "Unknown type " + typeText, id);
            }
            if (wanted != ImageType.OS && wanted != ImageType.DATABLOCK && !img.snapshots().isEmpty()) {
                throw new ApiException(ErrorCode.INTERNAL, "Image with snapshots can be only of type OS or DATABLOCK", id);
            }
            if (wanted != img.imageType()) {
                tx.put(img.toBuilder().imageType(wanted).build());
            }
            return id;
        });
    }

    /** chown with the datastore quota (IMAGES and SIZE) moved from the old owner and group to the new ones. */
    static Object chown(Call call) {
        return SharedMethods.chown(call, ObjectType.IMAGE, (tx, c, before, uid, gid) -> {
            Image img = (Image) before;
            Usage u = ImageQuotas.of(img);
            ImageQuotas.release(tx, img.uid(), img.gid(), u);
            ImageQuotas.charge(tx, c.subject().uid(), uid, gid, u);
        });
    }

    static Object snapshot(Call call, SnapshotOp op) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        int snap = call.params().integer(1);
        call.write(tx -> {
            Image img = tx.require(ObjectType.IMAGE, id);
            call.authorize(Right.MANAGE, img);
            if (tx.get(ObjectType.DATASTORE, img.dsId()) == null) {
                throw ApiException.action("Datastore no longer exists", id);
            }
            if (img.imageType() != ImageType.OS && img.imageType() != ImageType.DATABLOCK) {
                throw ApiException.action("IMAGES of type KERNEL, RAMDISK, BACKUP, FILESYSTEM and CONTEXT does not "
                        + "have snapshots.", id);
            }
            if (img.state() != ImageState.READY) {
                String verb = switch (op) {
                    case DELETE -> "delete snapshot";
                    case REVERT -> "revert to snapshot";
                    case FLATTEN -> "flatten snapshot";
                };
                throw ApiException.action("Cannot " + verb + " in state " + img.state().text(), id);
            }
            ImageSnapshots snaps = img.snapshots();
            String refusal = op == SnapshotOp.DELETE ? snaps.deleteRefusal(snap)
                    : snaps.exists(snap) ? null : "Snapshot does not exist";
            if (refusal != null) {
                throw ApiException.action(refusal, id);
            }
            tx.put(img.toBuilder().targetSnapshot(snap).state(ImageState.LOCKED).build());
            return id;
        });
        StorageManager.of(call.ctx()).snapshot(id, op);
        return id;
    }
}
