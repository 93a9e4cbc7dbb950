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
import dev.nimbo.core.vnet.Leases;
import dev.nimbo.core.vnet.VirtualNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Hot-plug of NICs (PCI NICs too) and disks. Attaching stages the new vector in TEMPLATE with {@code ATTACH = YES} after taking
 * its lease or image (and their quotas) in the same transaction; detaching marks the vector {@code DETACH = YES}.
 * The driver's answer settles it ({@link #settle}): an attach that worked keeps the vector, one that failed gives
 * everything back; a detach that worked gives everything back, one that failed keeps the vector. A NIC's values
 * in CONTEXT (ETH<i>_*, PCI<i>_* for a PCI NIC) come with it and go with it ({@link VmContext}). One hot-plug at
 * a time per VM (the HOTPLUG phases allow no other). Controller thread only.
 */
public final class VmHotplug {
    static final String ATTACH = "ATTACH";
    static final String DETACH = "DETACH";

    private VmHotplug() {
    }

    /** The NIC or DISK being attached or detached, or null. */
    public static VectorAttribute pending(Template t) {
        for (Attribute a : t.attributes()) {
            if (a instanceof VectorAttribute v && (v.name().equals("NIC") || v.name().equals("DISK")
                    || VmResources.isPciNic(v)) && ("YES".equals(v.get(ATTACH)) || "YES".equals(v.get(DETACH)))) {
                return v;
            }
        }
        return null;
    }

    /** The driver operation the pending hot-plug waits for in phase {@code p}. */
    public static DriverOp pendingOp(VirtualMachine vm) {
        VectorAttribute v = pending(vm.vmTemplate());
        if (v == null && vm.lcmState() == LcmState.HOTPLUG) {
            return DriverOp.UPDATE_CONF; // nothing staged: a live updateconf (see VmUpdateconf)
        }
        if (v == null && vm.lcmState() == LcmState.HOTPLUG_NIC && VmNicUpdate.pending(vm.vmTemplate())) {
            return DriverOp.UPDATE_NIC; // a live updatenic (see VmNicUpdate)
        }
        boolean attach = v == null || "YES".equals(v.get(ATTACH));
        boolean nic = v != null ? v.name().equals("NIC") || v.name().equals("PCI")
                : vm.lcmState() == LcmState.HOTPLUG_NIC || vm.lcmState() == LcmState.HOTPLUG_NIC_POWEROFF;
        if (nic) {
            return attach ? DriverOp.ATTACH_NIC : DriverOp.DETACH_NIC;
        }
        if (vm.lcmState() == LcmState.HOTPLUG_PROLOG_POWEROFF) {
            return DriverOp.PROLOG_DISK;
        }
        if (vm.lcmState() == LcmState.HOTPLUG_EPILOG_POWEROFF) {
            return DriverOp.EPILOG_DISK;
        }
        return attach ? DriverOp.ATTACH_DISK : DriverOp.DETACH_DISK;
    }

    /** The next DISK_ID: above every disk's and the context CD-ROM's (its file on the host is disk.DISK_ID too). */
    static int nextDiskId(Template t) {
        int next = nextId(t, "DISK", "DISK_ID");
        for (VectorAttribute c : t.vectors("CONTEXT")) {
            next = Math.max(next, VmResources.intOr(c.get("DISK_ID"), -1) + 1);
        }
        return next;
    }

    private static int nextId(Template t, String vector, String idKey) {
        int next = 0;
        for (VectorAttribute v : t.vectors(vector)) {
            next = Math.max(next, VmResources.intOr(v.get(idKey), -1) + 1);
        }
        return next;
    }

    /**
     * Stages a NIC for VM {@code vmId} (its lease and LEASES quota taken now, the network authorized by
     * {@code authorizeUse}); returns the VM version to store before {@link VmTransitions#applyOp} with NIC_ATTACH.
     */
    public static VirtualMachine stageNic(Transaction tx, VirtualMachine vm, int requesterUid, VectorAttribute nic,
                                          Consumer<PoolObject> authorizeUse) {
        if (VmResources.isPciNic(nic)) {
            return stagePciNic(tx, vm, requesterUid, nic, authorizeUse);
        }
        VectorAttribute n = VmResources.nic(tx, vm.id(), vm.uid(), nic, authorizeUse)
                .with("NIC_ID", Integer.toString(nextNicId(vm.vmTemplate()))).with(ATTACH, "YES");
        VmQuotas.charge(tx, requesterUid, vm.uid(), vm.gid(), Usage.network(Integer.parseInt(n.get("NETWORK_ID")), 1),
                true);
        Template t = VmContext.withNic(vm.vmTemplate().add(n), n); // the context CD the hypervisor makes again
        return vm.toBuilder().vmTemplate(VmSecurityGroups.joinNics(tx, vm.id(), t, authorizeUse)).build();
    }

    /**
     * Stages a PCI NIC (PCI TYPE=NIC: an SR-IOV VF or a passthrough NIC, named by SHORT_ADDRESS or VENDOR/DEVICE/
     * CLASS) for VM {@code vmId}: a lease of its network as a NIC's, a free matching device of the VM's host (VMID
     * set in the host's PCI list), NIC_ID and PCI_ID, the LEASES and PCI_DEV quotas. The hypervisor plugs the device
     * with the lease's MAC (and VLAN on the VF).
     */
    static VirtualMachine stagePciNic(Transaction tx, VirtualMachine vm, int requesterUid, VectorAttribute pci,
                                      Consumer<PoolObject> authorizeUse) {
        VmPci.checkSelectors(pci, vm.id());
        if (pci.get("NETWORK_ID") == null && pci.get("NETWORK") == null) {
            throw ApiException.action("A PCI NIC needs NETWORK or NETWORK_ID", vm.id());
        }
        VectorAttribute n = VmResources.nic(tx, vm.id(), vm.uid(), pci, authorizeUse)
                .with("TYPE", "NIC").with("NIC_ID", Integer.toString(nextNicId(vm.vmTemplate())))
                .with("PCI_ID", Integer.toString(VmPci.nextPciId(vm)));
        n = VmPci.reserveDevice(tx, vm, n).with(ATTACH, "YES");
        VmQuotas.charge(tx, requesterUid, vm.uid(), vm.gid(), Usage.network(Integer.parseInt(n.get("NETWORK_ID")), 1)
                .plus(Usage.pci(1)), true);
        return vm.toBuilder().vmTemplate(VmDefinition.sorted(VmContext.withNic(vm.vmTemplate().add(n), n))).build();
    }

    /** The next NIC_ID: above every NIC's and PCI NIC's. */
    private static int nextNicId(Template t) {
        int next = 0;
        for (VectorAttribute v : VmResources.leaseHolders(t)) {
            next = Math.max(next, VmResources.intOr(v.get("NIC_ID"), -1) + 1);
        }
        return next;
    }

    /**
     * Stages a disk (an image's, taking the image and its RVMS quota, or a volatile one, taking SYSTEM_DISK_SIZE);
     * returns the VM version to store before {@link VmTransitions#applyOp} with DISK_ATTACH.
     */
    public static VirtualMachine stageDisk(Transaction tx, VirtualMachine vm, int requesterUid, VectorAttribute disk,
                                           Consumer<PoolObject> authorizeUse) {
        VectorAttribute d = VmResources.disk(tx, vm.id(), vm.uid(), disk, authorizeUse)
                .with("DISK_ID", Integer.toString(nextDiskId(vm.vmTemplate()))).with(ATTACH, "YES");
        VmQuotas.charge(tx, requesterUid, vm.uid(), vm.gid(), usage(d), true);
        return vm.toBuilder().vmTemplate(VmDefinition.sorted(vm.vmTemplate().add(d))).build();
    }

    /** Marks NIC {@code nicId} or DISK {@code diskId} (vector "NIC" or "DISK") for detaching; ACTION when absent. */
    public static VirtualMachine stageDetach(VirtualMachine vm, String vector, int id) {
        String key = vector + "_ID";
        List<Attribute> out = new ArrayList<>();
        boolean found = false;
        for (Attribute a : vm.vmTemplate().attributes()) {
            // a NIC_ID may name a PCI NIC too
            if (a instanceof VectorAttribute v && (v.name().equals(vector) || vector.equals("NIC")
                    && VmResources.isPciNic(v)) && VmResources.intOr(v.get(key), -1) == id) {
                out.add(v.with(DETACH, "YES"));
                found = true;
            } else {
                out.add(a);
            }
        }
        if (!found) {
            throw ApiException.action("Could not detach " + (vector.equals("NIC") ? "NIC" : "disk") + " with " + key
                    + " " + id + ", it does not exist.", vm.id());
        }
        return vm.toBuilder().vmTemplate(Template.of(out)).build();
    }

    /** The quota a disk holds: RVMS of its image, or SYSTEM_DISK_SIZE for a volatile one. */
    static Usage usage(VectorAttribute d) {
        int imageId = VmResources.intOr(d.get("IMAGE_ID"), -1);
        if (imageId >= 0) {
            return Usage.image(imageId, 1);
        }
        return Usage.vm(0, 0, 0, (long) VirtualMachine.parseFloat(d.get("SIZE")), false);
    }

    /**
     * The template after the pending hot-plug's driver answered ({@code ok} or not): markers removed, and what
     * a failed attach or a done detach held (lease, image, quotas) given back in the transaction.
     */
    public static Template settle(Transaction tx, VirtualMachine vm, Template t, boolean ok, long now) {
        VectorAttribute v = pending(t);
        if (v == null) {
            return VmNicUpdate.settle(t, ok); // a live updatenic, or an updateconf: nothing was staged
        }
        boolean attach = "YES".equals(v.get(ATTACH));
        boolean drop = attach != ok; // failed attach, or successful detach
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : t.attributes()) {
            if (a != v) {
                out.add(a);
            } else if (!drop) {
                out.add(v.without(ATTACH).without(DETACH));
            }
        }
        if (drop) {
            giveBack(tx, vm, v, now);
            Template left = Template.of(out);
            if (v.name().equals("NIC") || v.name().equals("PCI")) {
                left = VmContext.withoutNic(left, v);
            }
            return VmSecurityGroups.leaveUnused(tx, vm.id(), left);
        }
        return Template.of(out);
    }

    private static void giveBack(Transaction tx, VirtualMachine vm, VectorAttribute v, long now) {
        if (v.name().equals("PCI")) {
            VmPci.releaseDevice(tx, vm, v.get("ADDRESS"));
            VmQuotas.release(tx, vm.uid(), vm.gid(), Usage.pci(1));
        }
        if (v.name().equals("NIC") || v.name().equals("PCI")) {
            int netId = VmResources.intOr(v.get("NETWORK_ID"), -1);
            PoolObject o = netId < 0 ? null : tx.get(ObjectType.NET, netId);
            String address = v.get("MAC") != null ? v.get("MAC") : v.get("IP");
            if (o instanceof VirtualNetwork vn && address != null) {
                try {
                    tx.put(Leases.release(vn, vm.id(), address));
                } catch (ApiException gone) {
                    // the lease is not there any more: nothing to give back
                }
            }
            if (netId >= 0) {
                VmQuotas.release(tx, vm.uid(), vm.gid(), Usage.network(netId, 1));
            }
            return;
        }
        int imageId = VmResources.intOr(v.get("IMAGE_ID"), -1);
        if (imageId >= 0) {
            PoolObject o = tx.get(ObjectType.IMAGE, imageId);
            boolean otherDiskUsesIt = vm.vmTemplate().vectors("DISK").stream()
                    .filter(d -> !d.equals(v)).anyMatch(d -> VmResources.intOr(d.get("IMAGE_ID"), -1) == imageId);
            if (o instanceof Image img && img.vms().contains(vm.id()) && !otherDiskUsesIt) {
                tx.put(Images.detach(img, vm.id(), now));
            }
        }
        VmQuotas.release(tx, vm.uid(), vm.gid(), usage(v));
    }
}
