package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageSnapshots;
import dev.nimbo.core.image.ImageState;
import dev.nimbo.core.image.Images;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;

/**
 * Saving a VM disk (or one of its snapshots) as a new image. The caller creates the image LOCKED (with its
 * datastore quota) and stages the disk here in the same action: HOTPLUG_SAVE_AS = the new image's ID,
 * HOTPLUG_SAVE_AS_ACTIVE = YES and HOTPLUG_SAVE_AS_SNAPSHOT_ID; the VM moves to HOTPLUG_SAVEAS* while the transfer
 * driver copies the disk out (CPDS). Its answer clears the markers: a failure puts the image in ERROR (its owner
 * deletes it, which gives the quota back), a success leaves it LOCKED for the datastore driver to register (the
 * caller starts that once the result is durable). A VM that ends meanwhile fails the image too. Controller thread
 * only; static functions.
 */
public final class VmDiskSaveas {
    static final String IMAGE = "HOTPLUG_SAVE_AS";
    static final String ACTIVE = "HOTPLUG_SAVE_AS_ACTIVE";
    static final String SNAPSHOT = "HOTPLUG_SAVE_AS_SNAPSHOT_ID";

    private VmDiskSaveas() {
    }

    /**
     * The image disk {@code diskId} to save (and snapshot {@code snapId}, -1 for the disk itself), checked as
     * oned's set_saveas_disk: INTERNAL "Cannot use DISK. ..." when it is missing, volatile or has no such snapshot.
     */
    public static VectorAttribute source(VirtualMachine vm, int diskId, int snapId) {
        VectorAttribute d = null;
        for (VectorAttribute v : vm.vmTemplate().vectors("DISK")) {
            if (VmResources.intOr(v.get("DISK_ID"), -1) == diskId) {
                d = v;
            }
        }
        if (d == null) {
            throw ApiException.internal("Cannot use DISK. DISK does not exist.");
        }
        if (d.get("IMAGE_ID") == null) {
            throw ApiException.internal("Cannot use DISK. DISK does not have a valid IMAGE_ID.");
        }
        if (snapId != -1) {
            ImageSnapshots s = vm.diskSnapshots().get(diskId);
            if (s == null || !s.exists(snapId)) {
                throw ApiException.internal("Cannot use DISK. Snapshot does not exist.");
            }
        }
        return d;
    }

    /** The VM with disk {@code diskId} marked for saving into image {@code imageId}. */
    public static VirtualMachine stage(VirtualMachine vm, int diskId, int snapId, int imageId) {
        VectorAttribute d = source(vm, diskId, snapId);
        VectorAttribute marked = d.with(IMAGE, Integer.toString(imageId)).with(ACTIVE, "YES")
                .with(SNAPSHOT, Integer.toString(snapId));
        return vm.toBuilder().vmTemplate(replace(vm.vmTemplate(), d, marked)).build();
    }

    /** The ID of the image the pending save writes, or -1. */
    public static int pendingImage(Template t) {
        VectorAttribute d = pending(t);
        return d == null ? -1 : VmResources.intOr(d.get(IMAGE), -1);
    }

    private static VectorAttribute pending(Template t) {
        for (VectorAttribute v : t.vectors("DISK")) {
            if ("YES".equalsIgnoreCase(v.get(ACTIVE))) {
                return v;
            }
        }
        return null;
    }

    /** Settles the pending save into {@code b}; a failure (or {@code error} when the VM ends) fails the image. */
    static void settle(Transaction tx, VirtualMachine.Builder b, boolean ok, String error) {
        VectorAttribute d = pending(b.vmTemplate());
        if (d == null) {
            return;
        }
        int imageId = VmResources.intOr(d.get(IMAGE), -1);
        b.vmTemplate(replace(b.vmTemplate(), d, d.without(IMAGE).without(ACTIVE).without(SNAPSHOT)));
        PoolObject o = tx.get(ObjectType.IMAGE, imageId);
        if (!ok && o instanceof Image img && img.state() == ImageState.LOCKED) {
            tx.put(Images.fail(img, error == null || error.isBlank() ? "Error saving the VM disk" : error, tx.now()));
        }
    }

    private static Template replace(Template t, VectorAttribute old, VectorAttribute now) {
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : t.attributes()) {
            out.add(a.equals(old) ? now : a);
        }
        return Template.of(out);
    }
}
