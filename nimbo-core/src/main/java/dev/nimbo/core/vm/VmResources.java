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
import dev.nimbo.core.vmgroup.VmGroup;
import dev.nimbo.core.vnet.Leases;
import dev.nimbo.core.vnet.VirtualNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The images and leases a VM holds, taken when it is created and given back when it is DONE, in the same
 * transaction: each DISK with an image takes it ({@link Images#attach}: USED, or USED_PERS for a persistent
 * one) and one RVMS of its IMAGE quota; each NIC takes a lease ({@link Leases#allocate}) and one LEASES of its
 * NETWORK quota. DISK_ID and NIC_ID number them from 0; a DISK gets its image's SOURCE, SIZE, datastore and
 * transfer driver, a NIC its network's addresses and settings. Controller thread only.
 */
public final class VmResources {
    private VmResources() {
    }

    /**
     * Takes the images and leases {@code tmpl}'s DISK and NIC vectors ask for, for VM {@code vmId} owned by
     * {@code uid}/{@code gid}, and returns the template with the DISK and NIC vectors filled in. Each image and
     * network is passed to {@code authorizeUse} first (which throws when the caller may not use it). Image or
     * network names resolve among the owner's objects, or {@code IMAGE_UNAME}'s / {@code NETWORK_UNAME}'s.
     * Quota charges are checked against limits ({@code requesterUid} named in refusals).
     */
    public static Template acquire(Transaction tx, int vmId, int requesterUid, int uid, int gid, Template tmpl,
                                   Consumer<PoolObject> authorizeUse) {
        List<Attribute> out = new ArrayList<>(tmpl.attributes().size());
        int diskId = 0;
        int nicId = 0;
        Usage quota = Usage.NONE;
        for (Attribute a : tmpl.attributes()) {
            if (a instanceof VectorAttribute v && v.name().equals("DISK")) {
                VectorAttribute d = disk(tx, vmId, uid, v, authorizeUse).with("DISK_ID", Integer.toString(diskId++));
                if (d.get("IMAGE_ID") != null) {
                    quota = quota.plus(Usage.image(Integer.parseInt(d.get("IMAGE_ID")), 1));
                }
                out.add(d);
            } else if (a instanceof VectorAttribute v && v.name().equals("NIC") && VmNicAuto.isAuto(v)) {
                // NETWORK_MODE = auto: the network (and its lease) is chosen when the VM is placed
                out.add(v.with("NIC_ID", Integer.toString(nicId++)));
            } else if (a instanceof VectorAttribute v && (v.name().equals("NIC") || isPciNic(v) && hasNetwork(v))) {
                VectorAttribute n = nic(tx, vmId, uid, v, authorizeUse).with("NIC_ID", Integer.toString(nicId++));
                quota = quota.plus(Usage.network(Integer.parseInt(n.get("NETWORK_ID")), 1));
                out.add(n);
            } else {
                out.add(a);
            }
        }
        VmQuotas.charge(tx, requesterUid, uid, gid, quota, true);
        Template joined = joinVmGroup(tx, vmId, uid, Template.of(out), authorizeUse);
        return VmSecurityGroups.joinNics(tx, vmId, joined, authorizeUse);
    }

    /**
     * VMGROUP = [ VMGROUP_ID | VMGROUP_NAME (+ VMGROUP_UID), ROLE ]: the VM joins the role's VMS, as oned does at
     * allocate (USE on the group; a group or role that is missing fails the allocation). The vector gets the
     * group's VMGROUP_ID so the scheduler and {@link #release} find it whichever way it was named.
     */
    static Template joinVmGroup(Transaction tx, int vmId, int uid, Template tmpl, Consumer<PoolObject> authorizeUse) {
        List<VectorAttribute> groups = tmpl.vectors("VMGROUP");
        if (groups.isEmpty()) {
            return tmpl;
        }
        if (groups.size() > 1) {
            throw ApiException.allocate("virtual machine", "Only one VMGROUP attribute is allowed.");
        }
        VectorAttribute v = groups.get(0);
        String role = v.get("ROLE");
        if (role == null || role.isBlank()) {
            throw ApiException.allocate("virtual machine", "Missing role name in VM Group definition");
        }
        PoolObject o = null;
        String name = v.get("VMGROUP_NAME");
        String id = v.get("VMGROUP_ID");
        try {
            if (name != null && !name.isBlank()) {
                String owner = v.get("VMGROUP_UID");
                int ownerId = owner == null || owner.isBlank() ? uid : Integer.parseInt(owner.strip());
                o = tx.byName(ObjectType.VMGROUP, ownerId, name.strip());
            } else if (id != null && !id.isBlank()) {
                o = tx.get(ObjectType.VMGROUP, Integer.parseInt(id.strip()));
            }
        } catch (NumberFormatException e) {
            throw ApiException.allocate("virtual machine", "Wrong VM Group ID in VMGROUP: " + e.getMessage());
        }
        if (!(o instanceof VmGroup g)) {
            throw ApiException.allocate("virtual machine", "Cannot find VM Group to associate the VM");
        }
        authorizeUse.accept(g);
        if (g.role(role) == null) {
            throw ApiException.allocate("virtual machine", "Role does not exist in VM Group");
        }
        tx.put(g.withVm(role, vmId, true));
        VectorAttribute resolved = v.with("VMGROUP_ID", Integer.toString(g.id()));
        List<Attribute> out = new ArrayList<>(tmpl.attributes().size());
        for (Attribute a : tmpl.attributes()) {
            out.add(a == v ? resolved : a);
        }
        return Template.of(out);
    }

    static VectorAttribute disk(Transaction tx, int vmId, int uid, VectorAttribute d,
                                        Consumer<PoolObject> authorizeUse) {
        String idText = d.get("IMAGE_ID");
        String name = d.get("IMAGE");
        if (idText == null && name == null) {
            // a volatile disk: it needs a size and a type
            String type = d.get("TYPE") == null ? "" : d.get("TYPE").strip().toLowerCase(Locale.ROOT);
            if (VirtualMachine.parseFloat(d.get("SIZE")) <= 0) {
                throw ApiException.allocate("virtual machine", "DISK with no IMAGE or IMAGE_ID needs a SIZE.");
            }
            if (!type.equals("fs") && !type.equals("swap") && !type.isEmpty()) {
                throw ApiException.allocate("virtual machine", "Volatile DISK TYPE must be fs or swap.");
            }
            return d.with("TYPE", type.isEmpty() ? "fs" : type);
        }
        Image img = resolve(tx, ObjectType.IMAGE, idText, name, imageOwner(tx, uid, d.get("IMAGE_UNAME"),
                d.get("IMAGE_UID")), "image");
        authorizeUse.accept(img);
        tx.put(Images.attach(img, vmId));
        VectorAttribute out = d.without("IMAGE_UNAME").without("IMAGE_UID");
        out = out.with("IMAGE", img.name()).with("IMAGE_ID", Integer.toString(img.id()))
                .with("IMAGE_UNAME", img.uname()).with("IMAGE_STATE", Integer.toString(img.state().code()))
                .with("DATASTORE", img.dsName()).with("DATASTORE_ID", Integer.toString(img.dsId()))
                .with("SOURCE", img.source()).with("PERSISTENT", img.persistent() ? "YES" : "NO")
                .with("CLONE", img.persistent() ? "NO" : "YES").with("SAVE", img.persistent() ? "YES" : "NO")
                .with("READONLY", img.imageType().name().equals("CDROM") ? "YES" : "NO")
                .with("TYPE", img.imageType().name().equals("CDROM") ? "CDROM" : "FILE");
        if (out.get("SIZE") == null) {
            out = out.with("SIZE", Long.toString(img.sizeMb()));
        }
        if (!img.format().isEmpty() && out.get("FORMAT") == null) {
            out = out.with("FORMAT", img.format());
        }
        PoolObject ds = tx.get(ObjectType.DATASTORE, img.dsId());
        if (ds instanceof dev.nimbo.core.datastore.Datastore store && out.get("TM_MAD") == null) {
            out = out.with("TM_MAD", store.tmMad());
        }
        for (String k : List.of("DEV_PREFIX", "DRIVER", "TARGET")) {
            String v = img.template().get(k);
            if (v != null && out.get(k) == null) {
                out = out.with(k, v);
            }
        }
        return out;
    }

    /** Whether a vector is a PCI device given to the guest as a NIC of a network (an SR-IOV VF: PCI TYPE=NIC). */
    public static boolean isPciNic(VectorAttribute v) {
        return v.name().equals("PCI") && "NIC".equalsIgnoreCase(v.get("TYPE"));
    }

    private static boolean hasNetwork(VectorAttribute v) {
        return v.get("NETWORK_ID") != null || v.get("NETWORK") != null;
    }

    /** The vectors holding a lease of a network: every NIC and every PCI NIC, in the template's order. */
    static List<VectorAttribute> leaseHolders(Template t) {
        List<VectorAttribute> out = new ArrayList<>();
        for (Attribute a : t.attributes()) {
            if (a instanceof VectorAttribute v && (v.name().equals("NIC") || isPciNic(v))) {
                out.add(v);
            }
        }
        return out;
    }

    /** Resolves a NIC's network (NETWORK_ID, or NETWORK with NETWORK_UNAME/UID) and takes a lease on it. */
    static VectorAttribute nic(Transaction tx, int vmId, int uid, VectorAttribute n,
                                       Consumer<PoolObject> authorizeUse) {
        VirtualNetwork vn = resolve(tx, ObjectType.NET, n.get("NETWORK_ID"), n.get("NETWORK"),
                imageOwner(tx, uid, n.get("NETWORK_UNAME"), n.get("NETWORK_UID")), "virtual network");
        authorizeUse.accept(vn);
        Leases.Request req = new Leases.Request(-1, n.get("IP"), n.get("IP6"), n.get("MAC"));
        Leases.Allocation a = Leases.allocate(vn, req, vmId);
        tx.put(a.network());
        VectorAttribute out = n.without("NETWORK_UNAME").without("NETWORK_UID");
        for (Map.Entry<String, String> e : Leases.nicAttributes(a.network(), a.lease()).entrySet()) {
            if (!Leases.INHERITED.contains(e.getKey()) || out.get(e.getKey()) == null) {
                out = out.with(e.getKey(), e.getValue());
            }
        }
        // the NIC's own groups come on top of the network's, as in oned
        String own = n.get("SECURITY_GROUPS");
        if (own != null && !own.isBlank()) {
            java.util.TreeSet<Integer> sgs = new java.util.TreeSet<>();
            for (String s : (own + "," + out.get("SECURITY_GROUPS")).split(",")) {
                if (!s.isBlank() && s.strip().matches("\\d+")) {
                    sgs.add(Integer.parseInt(s.strip()));
                }
            }
            out = out.with("SECURITY_GROUPS", sgs.stream().map(String::valueOf)
                    .collect(java.util.stream.Collectors.joining(",")));
        }
        return out;
    }

    private static int imageOwner(Transaction tx, int uid, String uname, String uidText) {
        if (uidText != null && !uidText.isBlank()) {
            try {
                return Integer.parseInt(uidText.strip());
            } catch (NumberFormatException e) {
                throw ApiException.allocate("virtual machine", "Wrong user ID " + uidText + ".");
            }
        }
        if (uname != null && !uname.isBlank()) {
            PoolObject u = tx.byName(ObjectType.USER, -1, uname.strip());
            if (u == null) {
                throw ApiException.allocate("virtual machine", "User " + uname + " does not exist.");
            }
            return u.id();
        }
        return uid;
    }

    @SuppressWarnings("unchecked")
    private static <T extends PoolObject> T resolve(Transaction tx, ObjectType type, String idText, String name,
                                                    int owner, String what) {
        if (idText != null && !idText.isBlank()) {
            int id;
            try {
                id = Integer.parseInt(idText.strip());
            } catch (NumberFormatException e) {
                throw ApiException.allocate("virtual machine", "Wrong " + what + " ID " + idText + ".");
            }
            PoolObject o = tx.get(type, id);
            if (o == null) {
                throw ApiException.allocate("virtual machine", capitalize(what) + " " + id + " does not exist.");
            }
            return (T) o;
        }
        PoolObject o = tx.byName(type, owner, name.strip());
        if (o == null) {
            throw ApiException.allocate("virtual machine", capitalize(what) + " \"" + name + "\" of user " + owner
                    + " does not exist.");
        }
        return (T) o;
    }

    private static String capitalize(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /**
     * Gives back everything the VM holds in images and networks: each image disk is detached (the last VM out
     * makes the image READY again) with its RVMS, each lease is freed with its LEASES. Objects that are gone
     * are skipped. Called once, when the VM becomes DONE.
     */
    public static void release(Transaction tx, VirtualMachine vm, long now) {
        Usage quota = Usage.NONE;
        for (VectorAttribute d : vm.vmTemplate().vectors("DISK")) {
            int imageId = intOr(d.get("IMAGE_ID"), -1);
            if (imageId < 0) {
                continue;
            }
            quota = quota.plus(Usage.image(imageId, 1));
            PoolObject o = tx.get(ObjectType.IMAGE, imageId);
            if (o instanceof Image img && img.vms().contains(vm.id())) {
                tx.put(Images.detach(img, vm.id(), now));
            }
        }
        java.util.Set<Integer> released = new java.util.TreeSet<>();
        for (VectorAttribute n : leaseHolders(vm.vmTemplate())) {
            int netId = intOr(n.get("NETWORK_ID"), -1);
            if (netId < 0) {
                continue;
            }
            quota = quota.plus(Usage.network(netId, 1));
            if (released.add(netId)) {
                PoolObject o = tx.get(ObjectType.NET, netId);
                if (o instanceof VirtualNetwork vn) {
                    VirtualNetwork freed = Leases.releaseAll(vn, vm.id());
                    if (freed != vn) {
                        tx.put(freed);
                    }
                }
            }
        }
        VmQuotas.release(tx, vm.uid(), vm.gid(), quota);
        leaveVmGroup(tx, vm);
    }

    /** The VM leaves its VM group role's VMS (a group or role that is gone is skipped, as oned does). */
    static void leaveVmGroup(Transaction tx, VirtualMachine vm) {
        for (VectorAttribute v : vm.vmTemplate().vectors("VMGROUP")) {
            int groupId = intOr(v.get("VMGROUP_ID"), -1);
            String role = v.get("ROLE");
            if (groupId >= 0 && role != null && tx.get(ObjectType.VMGROUP, groupId) instanceof VmGroup g
                    && g.role(role) != null && g.role(role).vms().contains(vm.id())) {
                tx.put(g.withVm(role, vm.id(), false));
            }
        }
    }

    /** The IMAGE (RVMS) and NETWORK (LEASES) quota usage the VM's disks and NICs hold. */
    public static Usage usage(VirtualMachine vm) {
        Usage u = Usage.NONE;
        for (VectorAttribute d : vm.vmTemplate().vectors("DISK")) {
            int imageId = intOr(d.get("IMAGE_ID"), -1);
            if (imageId >= 0) {
                u = u.plus(Usage.image(imageId, 1));
            }
        }
        for (VectorAttribute n : leaseHolders(vm.vmTemplate())) {
            int netId = intOr(n.get("NETWORK_ID"), -1);
            if (netId >= 0) {
                u = u.plus(Usage.network(netId, 1));
            }
        }
        return u;
    }

    static int intOr(String s, int dflt) {
        if (s == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(s.strip());
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
