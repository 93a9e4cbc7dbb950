package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.Images;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;

/**
 * Growing a VM disk (disks only grow, as oned). The new SIZE is staged on the disk with SIZE_PREV and RESIZE = YES,
 * and the growth charged, in the action that moves the VM to DISK_RESIZE*; the driver's answer keeps it or puts
 * the previous size back and gives the growth back. Who pays: a volatile disk or a non-persistent image's clone
 * (which then records ORIGINAL_SIZE) counts against the VM owner's SYSTEM_DISK_SIZE ({@link
 * VirtualMachine#systemDiskMb()}, so the VM's end gives it back); a persistent image's disk against the image
 * owner's datastore SIZE, and the image takes the new size. Controller thread only; static functions.
 */
public final class VmDiskResize {
    static final String RESIZE = "RESIZE";
    static final String SIZE_PREV = "SIZE_PREV";

    private VmDiskResize() {
    }

    /**
     * Stages disk {@code diskId} at {@code newSizeMb}; returns the VM version to store before
     * {@link VmTransitions#applyOp} with DISK_RESIZE. ACTION when the disk is missing or would not grow,
     * AUTHORIZATION when the growth passes a quota.
     */
    public static VirtualMachine stage(Transaction tx, VirtualMachine vm, int requesterUid, int diskId,
                                       long newSizeMb) {
        VectorAttribute d = VmDiskSnapshots.disk(vm, diskId);
        long current = (long) VirtualMachine.parseFloat(d.get("SIZE"));
        if (newSizeMb <= current) {
            throw ApiException.action("New disk size has to be greater than current one", vm.id());
        }
        long delta = newSizeMb - current;
        VectorAttribute next = d.with(SIZE_PREV, Long.toString(current)).with("SIZE", Long.toString(newSizeMb))
                .with(RESIZE, "YES");
        if (persistent(d)) {
            PoolObject o = tx.get(ObjectType.IMAGE, VmResources.intOr(d.get("IMAGE_ID"), -1));
            if (o instanceof Image img) {
                VmQuotas.charge(tx, requesterUid, img.uid(), img.gid(), Usage.datastore(img.dsId(), 0, delta), true);
            }
        } else {
            if (d.get("IMAGE_ID") != null && d.get("ORIGINAL_SIZE") == null) {
                next = next.with("ORIGINAL_SIZE", Long.toString(current));
            }
            VmQuotas.charge(tx, requesterUid, vm.uid(), vm.gid(), Usage.vm(0, 0, 0, delta, false), true);
        }
        return vm.toBuilder().vmTemplate(replace(vm.vmTemplate(), d, next)).build();
    }

    /** The disk being resized, or null. */
    public static VectorAttribute pending(Template t) {
        for (VectorAttribute v : t.vectors("DISK")) {
            if ("YES".equalsIgnoreCase(v.get(RESIZE))) {
                return v;
            }
        }
        return null;
    }

    /** Settles the pending resize into {@code b} once the driver answered; a failure restores and gives back. */
    static void settle(Transaction tx, VirtualMachine vm, VirtualMachine.Builder b, boolean ok) {
        VectorAttribute d = pending(b.vmTemplate());
        if (d == null) {
            return;
        }
        long size = (long) VirtualMachine.parseFloat(d.get("SIZE"));
        long prev = (long) VirtualMachine.parseFloat(d.get(SIZE_PREV));
        VectorAttribute settled = d.without(RESIZE).without(SIZE_PREV);
        PoolObject o = tx.get(ObjectType.IMAGE, VmResources.intOr(d.get("IMAGE_ID"), -1));
        if (ok) {
            if (persistent(d) && o instanceof Image img) {
                tx.put(Images.withVmDiskSize(img, size));
            }
        } else {
            settled = settled.with("SIZE", Long.toString(prev));
            long delta = Math.max(0, size - prev);
            if (!persistent(d)) {
                VmQuotas.release(tx, vm.uid(), vm.gid(), Usage.vm(0, 0, 0, delta, false));
            } else if (o instanceof Image img) {
                VmQuotas.release(tx, img.uid(), img.gid(), Usage.datastore(img.dsId(), 0, delta));
            }
        }
        b.vmTemplate(replace(b.vmTemplate(), d, settled));
    }

    private static boolean persistent(VectorAttribute d) {
        return d.get("IMAGE_ID") != null && "YES".equalsIgnoreCase(d.get("PERSISTENT"));
    }

    private static Template replace(Template t, VectorAttribute old, VectorAttribute now) {
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : t.attributes()) {
            out.add(a.equals(old) ? now : a);
        }
        return Template.of(out);
    }
}
