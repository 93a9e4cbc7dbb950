package dev.nimbo.core.vm;

import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageSnapshots;
import dev.nimbo.core.image.Images;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Disk snapshots of a VM: each image disk's snapshot tree (vm.xsd's SNAPSHOTS, with DISK_ID), kept on the VM
 * with {@link ImageSnapshots}'s rules (ALLOW_ORPHANS from the disk's datastore). One operation at a time: the
 * disk it works on carries DISK_SNAPSHOT_ACTIVE = YES and DISK_SNAPSHOT_ID, and the VM's LCM state says which
 * operation (DISK_SNAPSHOT*). A snapshot counts as another disk of the disk's SIZE: DISK_SNAPSHOT_TOTAL_SIZE on the
 * disk; for a non-persistent disk that is SYSTEM_DISK_SIZE of the VM's owner (see
 * {@link VirtualMachine#systemDiskMb()}), for a persistent one the image datastore's SIZE of the image's owner,
 * and a persistent image gets the disk's snapshots after each operation. Staging charges the new snapshot
 * (checked), a failed creation or a done deletion gives it back: always in the transaction that changes the VM.
 * Controller thread only; static functions over a transaction.
 */
public final class VmDiskSnapshots {
    static final String ACTIVE = "DISK_SNAPSHOT_ACTIVE";
    static final String SNAP_ID = "DISK_SNAPSHOT_ID";
    static final String TOTAL = "DISK_SNAPSHOT_TOTAL_SIZE";

    private VmDiskSnapshots() {
    }

    /** The disk {@code diskId} of the VM, or ACTION "VM disk does not exist". */
    public static VectorAttribute disk(VirtualMachine vm, int diskId) {
        for (VectorAttribute d : vm.vmTemplate().vectors("DISK")) {
            if (VmResources.intOr(d.get("DISK_ID"), -1) == diskId) {
                return d;
            }
        }
        throw ApiException.action("VM disk does not exist", vm.id());
    }

    /** ACTION unless the disk can have snapshots (an image disk, not a volatile one, not read-only). */
    public static void checkSupported(VirtualMachine vm, VectorAttribute d, String what) {
        if (d.get("IMAGE_ID") == null) {
            throw ApiException.action(what + " on disks of type: " + (d.get("TYPE") == null ? "" : d.get("TYPE")),
                    vm.id());
        }
    }

    /**
     * Stages a new snapshot of disk {@code diskId} named {@code name} (blank: none), charging its size; returns the
     * VM version to store before {@link VmTransitions#applyOp} with DISK_SNAPSHOT_CREATE, and its ID in {@code out[0]}.
     */
    public static VirtualMachine stageCreate(Transaction tx, VirtualMachine vm, int requesterUid, int diskId,
                                             String name, int[] out) {
        VectorAttribute d = disk(vm, diskId);
        checkSupported(vm, d, "Cannot make snapshots");
        if ("YES".equalsIgnoreCase(d.get("READONLY"))) {
            throw ApiException.action("Cannot make snapshots on readonly disks", vm.id());
        }
        long size = (long) VirtualMachine.parseFloat(d.get("SIZE"));
        if (size <= 0) {
            throw ApiException.action("Wrong size in disk", vm.id());
        }
        ImageSnapshots before = vm.diskSnapshots().getOrDefault(diskId,
                new ImageSnapshots(orphans(tx, d), -1, 0, List.of()));
        ImageSnapshots after = before.create(name == null ? "" : name.strip(), size, tx.now());
        out[0] = before.nextSnapshot();
        charge(tx, vm, requesterUid, d, size);
        VectorAttribute marked = d.with(ACTIVE, "YES").with(SNAP_ID, Integer.toString(out[0]))
                .with(TOTAL, Long.toString(after.totalSizeMb()));
        return vm.toBuilder().vmTemplate(replace(vm.vmTemplate(), d, marked)).diskSnapshots(diskId, after).build();
    }

    /** Marks snapshot {@code snapId} of disk {@code diskId} for a revert; ACTION when either is not there. */
    public static VirtualMachine stageRevert(VirtualMachine vm, int diskId, int snapId) {
        VectorAttribute d = disk(vm, diskId);
        checkSupported(vm, d, "Snapshots are not supported");
        ImageSnapshots s = vm.diskSnapshots().get(diskId);
        if (s == null || !s.exists(snapId)) {
            throw ApiException.action("Disk id (" + diskId + ") or snapshot id (" + snapId + ") is not valid.",
                    vm.id());
        }
        return mark(vm, d, snapId);
    }

    /** Marks snapshot {@code snapId} of disk {@code diskId} for deletion, refused as oned's test_delete does. */
    public static VirtualMachine stageDelete(VirtualMachine vm, int diskId, int snapId) {
        VectorAttribute d = disk(vm, diskId);
        checkSupported(vm, d, "Snapshots are not supported");
        ImageSnapshots s = vm.diskSnapshots().get(diskId);
        String refusal = s == null ? "Snapshot does not exist" : deleteRefusal(s, snapId);
        if (refusal != null) {
            throw ApiException.action(refusal, vm.id());
        }
        return mark(vm, d, snapId);
    }

    /** Renames snapshot {@code snapId} of disk {@code diskId} (no driver work, any state). */
    public static VirtualMachine rename(VirtualMachine vm, int diskId, int snapId, String name) {
        VectorAttribute d = disk(vm, diskId);
        checkSupported(vm, d, "Snapshots are not supported");
        ImageSnapshots s = vm.diskSnapshots().get(diskId);
        if (s == null || !s.exists(snapId)) {
            throw ApiException.action("Snapshot does not exist", vm.id());
        }
        List<ImageSnapshots.Snapshot> list = new ArrayList<>();
        for (ImageSnapshots.Snapshot x : s.snapshots()) {
            list.add(x.id() != snapId ? x : new ImageSnapshots.Snapshot(x.id(), name, x.date(), x.parent(), x.sizeMb(),
                    x.active(), x.children()));
        }
        return vm.toBuilder().diskSnapshots(diskId, new ImageSnapshots(s.allowOrphans(), s.currentBase(),
                s.nextSnapshot(), list)).build();
    }

    /** oned's test_delete for VM disks: null when allowed. */
    static String deleteRefusal(ImageSnapshots s, int snapId) {
        ImageSnapshots.Snapshot x = s.get(snapId);
        if (x == null) {
            return "Snapshot does not exist";
        }
        String mode = s.allowOrphans();
        if (mode.equals("NO") || mode.equals("MIXED")) {
            if (x.active() && !x.children().isEmpty()) {
                return "Cannot delete the active snapshot with children";
            }
            if (x.children().size() > 1) {
                return "Cannot delete snapshot with more than one children";
            }
        }
        return null;
    }

    /**
     * Settles the pending operation once its driver answered ({@code ok} or not) while the VM was in {@code at}:
     * writes the disk's snapshots, markers and size into {@code b} and moves quotas and the image in {@code tx}.
     */
    static void settle(Transaction tx, VirtualMachine vm, VirtualMachine.Builder b, Phase at, boolean ok) {
        VectorAttribute d = null;
        for (VectorAttribute v : b.vmTemplate().vectors("DISK")) {
            if ("YES".equalsIgnoreCase(v.get(ACTIVE))) {
                d = v;
            }
        }
        if (d == null) {
            return;
        }
        int diskId = VmResources.intOr(d.get("DISK_ID"), -1);
        int snapId = VmResources.intOr(d.get(SNAP_ID), -1);
        ImageSnapshots s = b.diskSnapshots().get(diskId);
        LcmState l = at.lcm();
        boolean create = l == LcmState.DISK_SNAPSHOT || l == LcmState.DISK_SNAPSHOT_POWEROFF
                || l == LcmState.DISK_SNAPSHOT_SUSPENDED;
        boolean revert = l == LcmState.DISK_SNAPSHOT_REVERT_POWEROFF;
        ImageSnapshots next = s;
        long freed = 0;
        if (s != null && s.exists(snapId)) {
            if (create && !ok) {
                freed = s.get(snapId).sizeMb();
                next = s.delete(snapId);
            } else if (revert && ok) {
                freed = s.revertDiscardedMb(snapId);
                next = s.revert(snapId);
            } else if (!create && !revert && ok) {
                freed = s.get(snapId).sizeMb();
                next = s.delete(snapId);
            }
        }
        VectorAttribute settled = d.without(ACTIVE).without(SNAP_ID);
        settled = next == null || next.isEmpty() ? settled.without(TOTAL)
                : settled.with(TOTAL, Long.toString(next.totalSizeMb()));
        b.vmTemplate(replace(b.vmTemplate(), d, settled)).diskSnapshots(diskId, next);
        if (freed > 0) {
            release(tx, vm, d, freed);
        }
        int imageId = VmResources.intOr(d.get("IMAGE_ID"), -1);
        if (ok && persistent(d) && imageId >= 0 && tx.get(ObjectType.IMAGE, imageId) instanceof Image img) {
            tx.put(Images.withVmSnapshots(img, next == null ? ImageSnapshots.EMPTY : next));
        }
    }

    /** The disk waiting for a snapshot operation, or null. */
    public static VectorAttribute pending(Template t) {
        for (VectorAttribute v : t.vectors("DISK")) {
            if ("YES".equalsIgnoreCase(v.get(ACTIVE))) {
                return v;
            }
        }
        return null;
    }

    /** Writes one disk's SNAPSHOTS element as vm.xsd orders it (DISK_ID between CURRENT_BASE and NEXT_SNAPSHOT). */
    static void writeXml(XmlWriter w, int diskId, ImageSnapshots s) {
        XmlWriter own = new XmlWriter(new StringBuilder(256));
        s.writeXml(own);
        String x = own.toString();
        int at = x.indexOf("<NEXT_SNAPSHOT>");
        w.raw(x.substring(0, at) + "<DISK_ID><![CDATA[" + diskId + "]]></DISK_ID>" + x.substring(at));
    }

    private static boolean persistent(VectorAttribute d) {
        return "YES".equalsIgnoreCase(d.get("PERSISTENT"));
    }

    /** Who pays a snapshot of disk {@code d}: the VM owner's SYSTEM_DISK_SIZE, or the image owner's datastore SIZE. */
    private static void charge(Transaction tx, VirtualMachine vm, int requesterUid, VectorAttribute d, long mb) {
        if (!persistent(d)) {
            VmQuotas.charge(tx, requesterUid, vm.uid(), vm.gid(), Usage.vm(0, 0, 0, mb, false), true);
            return;
        }
        PoolObject o = tx.get(ObjectType.IMAGE, VmResources.intOr(d.get("IMAGE_ID"), -1));
        if (o instanceof Image img) {
            VmQuotas.charge(tx, requesterUid, img.uid(), img.gid(), Usage.datastore(img.dsId(), 0, mb), true);
        }
    }

    private static void release(Transaction tx, VirtualMachine vm, VectorAttribute d, long mb) {
        if (!persistent(d)) {
            VmQuotas.release(tx, vm.uid(), vm.gid(), Usage.vm(0, 0, 0, mb, false));
            return;
        }
        PoolObject o = tx.get(ObjectType.IMAGE, VmResources.intOr(d.get("IMAGE_ID"), -1));
        if (o instanceof Image img) {
            VmQuotas.release(tx, img.uid(), img.gid(), Usage.datastore(img.dsId(), 0, mb));
        }
    }

    private static String orphans(Transaction tx, VectorAttribute d) {
        PoolObject o = tx.get(ObjectType.DATASTORE, VmResources.intOr(d.get("DATASTORE_ID"), -1));
        String mode = o instanceof Datastore ds ? ds.template().get("ALLOW_ORPHANS") : null;
        return mode == null || mode.isBlank() ? "NO" : mode.strip();
    }

    private static VirtualMachine mark(VirtualMachine vm, VectorAttribute d, int snapId) {
        VectorAttribute marked = d.with(ACTIVE, "YES").with(SNAP_ID, Integer.toString(snapId));
        return vm.toBuilder().vmTemplate(replace(vm.vmTemplate(), d, marked)).build();
    }

    private static Template replace(Template t, VectorAttribute old, VectorAttribute now) {
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : t.attributes()) {
            out.add(a.equals(old) ? now : a);
        }
        return Template.of(out);
    }
}
