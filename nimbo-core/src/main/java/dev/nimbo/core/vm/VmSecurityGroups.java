package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.IdSet;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.secgroup.SecurityGroup;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;

/**
 * Security groups on a VM's NICs (one.vm.attachsg / detachsg). A NIC lists its groups in SECURITY_GROUPS; the VM's
 * TEMPLATE holds each group's rules as SECURITY_GROUP_RULE vectors (the rule's attributes with
 * SECURITY_GROUP_ID and SECURITY_GROUP_NAME), once per group whatever the number of NICs using it; the group lists
 * the VM among its UPDATED_VMS while a NIC uses it (the dummy hypervisor applies rules at once) and drops it when
 * the last NIC leaves the group or the VM ends. No driver operation and no state change: oned refuses the phases
 * where rules are being set up (boots, migrations, NIC hot-plugs, UNKNOWN). Controller thread only.
 */
public final class VmSecurityGroups {
    /** LCM states in which oned refuses to change a VM's security groups. */
    private static final Set<LcmState> REFUSED = EnumSet.of(LcmState.BOOT, LcmState.BOOT_MIGRATE,
            LcmState.BOOT_SUSPENDED, LcmState.BOOT_STOPPED, LcmState.BOOT_UNDEPLOY, LcmState.BOOT_POWEROFF,
            LcmState.BOOT_UNKNOWN, LcmState.BOOT_FAILURE, LcmState.BOOT_MIGRATE_FAILURE,
            LcmState.BOOT_UNDEPLOY_FAILURE, LcmState.BOOT_STOPPED_FAILURE, LcmState.MIGRATE, LcmState.HOTPLUG_NIC,
            LcmState.HOTPLUG_NIC_POWEROFF, LcmState.UNKNOWN);

    private VmSecurityGroups() {
    }

    /** ACTION "VM N is in wrong state S" where oned refuses, and for a VM that is DONE. */
    public static void checkState(VirtualMachine vm) {
        Phase p = vm.phase();
        if (p.is(VmState.DONE) || (p.state() == VmState.ACTIVE && REFUSED.contains(p.lcm()))) {
            throw ApiException.action("VM " + vm.id() + " is in wrong state " + p.text(), vm.id());
        }
    }

    /** The VM with group {@code sg} added to NIC {@code nicId}, its rules in TEMPLATE, and the group listing it. */
    public static VirtualMachine attach(Transaction tx, VirtualMachine vm, int nicId, SecurityGroup sg) {
        checkState(vm);
        VectorAttribute nic = nic(vm, nicId);
        Set<Integer> sgs = ids(nic.get("SECURITY_GROUPS"));
        if (sgs.contains(sg.id())) {
            throw ApiException.action("VM " + vm.id() + " SG " + sg.id() + " already in NIC " + nicId, vm.id());
        }
        sgs.add(sg.id());
        Template t = replace(vm.vmTemplate(), nic, nic.with("SECURITY_GROUPS", text(sgs)));
        t = withRules(withoutRules(t, sg.id()), sg);
        tx.put(join(sg, vm.id()));
        return vm.toBuilder().vmTemplate(VmDefinition.sorted(t)).build();
    }

    /** The VM with group {@code sg} taken off NIC {@code nicId}; its rules and listing go when no NIC uses it. */
    public static VirtualMachine detach(Transaction tx, VirtualMachine vm, int nicId, int sgId) {
        checkState(vm);
        VectorAttribute nic = nic(vm, nicId);
        Set<Integer> sgs = ids(nic.get("SECURITY_GROUPS"));
        if (!sgs.remove(sgId)) {
            throw ApiException.action("VM " + vm.id() + " NIC " + nicId + " doesn't contain SG " + sgId, vm.id());
        }
        Template t = replace(vm.vmTemplate(), nic, nic.with("SECURITY_GROUPS", text(sgs)));
        boolean stillUsed = false;
        for (VectorAttribute n : t.vectors("NIC")) {
            stillUsed |= ids(n.get("SECURITY_GROUPS")).contains(sgId);
        }
        if (!stillUsed) {
            t = withoutRules(t, sgId);
            PoolObject o = tx.get(ObjectType.SECGROUP, sgId);
            if (o instanceof SecurityGroup sg) {
                tx.put(leave(sg, vm.id()));
            }
        }
        return vm.toBuilder().vmTemplate(t).build();
    }

    /**
     * The VM template {@code t} with the rules of every group its NICs list (each group once) and each group
     * listing VM {@code vmId}: how NICs made at creation or by a hot-plug get their groups applied. Each group must
     * exist and pass {@code authorizeUse}.
     */
    public static Template joinNics(Transaction tx, int vmId, Template t, Consumer<PoolObject> authorizeUse) {
        Set<Integer> all = new TreeSet<>();
        for (VectorAttribute n : t.vectors("NIC")) {
            all.addAll(ids(n.get("SECURITY_GROUPS")));
        }
        for (int id : all) {
            if (!(tx.get(ObjectType.SECGROUP, id) instanceof SecurityGroup sg)) {
                throw ApiException.allocate("virtual machine", "Security group " + id + " does not exist.");
            }
            authorizeUse.accept(sg);
            t = withRules(withoutRules(t, id), sg);
            tx.put(join(sg, vmId));
        }
        return VmDefinition.sorted(t);
    }

    /** The VM template {@code t} without the rules of groups no NIC lists any more, and those groups leaving it. */
    public static Template leaveUnused(Transaction tx, int vmId, Template t) {
        Set<Integer> used = new TreeSet<>();
        for (VectorAttribute n : t.vectors("NIC")) {
            used.addAll(ids(n.get("SECURITY_GROUPS")));
        }
        Set<Integer> ruled = new TreeSet<>();
        for (VectorAttribute r : t.vectors("SECURITY_GROUP_RULE")) {
            ruled.add(VmResources.intOr(r.get("SECURITY_GROUP_ID"), -1));
        }
        ruled.removeAll(used);
        for (int id : ruled) {
            t = withoutRules(t, id);
            if (tx.get(ObjectType.SECGROUP, id) instanceof SecurityGroup sg) {
                tx.put(leave(sg, vmId));
            }
        }
        return t;
    }

    /**
     * Its host answered update_sg for the VM: in every group its NICs use that waits for it (outdated, updating
     * or in error) the VM is now up to date, or in error when the host failed.
     */
    public static void recordUpdate(Transaction tx, int vmId, boolean applied) {
        if (!(tx.get(ObjectType.VM, vmId) instanceof VirtualMachine vm)) {
            return;
        }
        Set<Integer> all = new TreeSet<>();
        for (VectorAttribute n : vm.vmTemplate().vectors("NIC")) {
            all.addAll(ids(n.get("SECURITY_GROUPS")));
        }
        for (int id : all) {
            if (tx.get(ObjectType.SECGROUP, id) instanceof SecurityGroup sg && (sg.outdatedVms().contains(vmId)
                    || sg.updatingVms().contains(vmId) || sg.errorVms().contains(vmId))) {
                SecurityGroup out = leave(sg, vmId);
                tx.put(applied ? join(out, vmId) : new SecurityGroup(out.id(), out.name(), out.uid(), out.gid(),
                        out.uname(), out.gname(), out.permissions(), out.updatedVms(), out.outdatedVms(),
                        out.updatingVms(), IdSet.with(out.errorVms(), vmId), out.template()));
            }
        }
    }

    /** A VM that ends leaves every group its NICs use. */
    static void release(Transaction tx, VirtualMachine vm) {
        Set<Integer> all = new TreeSet<>();
        for (VectorAttribute n : vm.vmTemplate().vectors("NIC")) {
            all.addAll(ids(n.get("SECURITY_GROUPS")));
        }
        for (int id : all) {
            PoolObject o = tx.get(ObjectType.SECGROUP, id);
            if (o instanceof SecurityGroup sg && (sg.updatedVms().contains(vm.id()) || sg.outdatedVms().contains(vm.id())
                    || sg.updatingVms().contains(vm.id()) || sg.errorVms().contains(vm.id()))) {
                tx.put(leave(sg, vm.id()));
            }
        }
    }

    private static SecurityGroup join(SecurityGroup sg, int vmId) {
        SecurityGroup out = leave(sg, vmId);
        return new SecurityGroup(out.id(), out.name(), out.uid(), out.gid(), out.uname(), out.gname(),
                out.permissions(), IdSet.with(out.updatedVms(), vmId), out.outdatedVms(), out.updatingVms(),
                out.errorVms(), out.template());
    }

    private static SecurityGroup leave(SecurityGroup sg, int vmId) {
        return new SecurityGroup(sg.id(), sg.name(), sg.uid(), sg.gid(), sg.uname(), sg.gname(), sg.permissions(),
                IdSet.without(sg.updatedVms(), vmId), IdSet.without(sg.outdatedVms(), vmId),
                IdSet.without(sg.updatingVms(), vmId), IdSet.without(sg.errorVms(), vmId), sg.template());
    }

    private static VectorAttribute nic(VirtualMachine vm, int nicId) {
        for (VectorAttribute n : vm.vmTemplate().vectors("NIC")) {
            if (VmResources.intOr(n.get("NIC_ID"), -1) == nicId) {
                return n;
            }
        }
        throw ApiException.action("VM " + vm.id() + " doesn't have NIC id " + nicId, vm.id());
    }

    private static Set<Integer> ids(String text) {
        Set<Integer> out = new TreeSet<>();
        if (text != null) {
            for (String s : text.split(",")) {
                if (!s.isBlank()) {
                    try {
                        out.add(Integer.parseInt(s.strip()));
                    } catch (NumberFormatException ignored) {
                        // not an ID: skipped, as oned's one_util::split_unique does
                    }
                }
            }
        }
        return out;
    }

    private static String text(Set<Integer> ids) {
        StringBuilder b = new StringBuilder();
        for (int id : ids) {
            b.append(b.isEmpty() ? "" : ",").append(id);
        }
        return b.toString();
    }

    /**
     * The VM with the rules of {@code sg} as the group has them now (after one.secgroup.commit), for its
     * hypervisor to apply again; unchanged when no NIC uses the group.
     */
    public static VirtualMachine withCurrentRules(VirtualMachine vm, SecurityGroup sg) {
        boolean uses = false;
        for (VectorAttribute n : vm.vmTemplate().vectors("NIC")) {
            uses |= ids(n.get("SECURITY_GROUPS")).contains(sg.id());
        }
        if (!uses || vm.phase().is(VmState.DONE)) {
            return vm;
        }
        Template t = withRules(withoutRules(vm.vmTemplate(), sg.id()), sg);
        return vm.toBuilder().vmTemplate(VmDefinition.sorted(t)).build();
    }

    /** {@code t} with one SECURITY_GROUP_RULE per RULE of {@code sg}, naming the group. */
    private static Template withRules(Template t, SecurityGroup sg) {
        for (VectorAttribute rule : sg.template().vectors("RULE")) {
            List<SingleAttribute> values = new ArrayList<>(rule.values());
            values.add(new SingleAttribute("SECURITY_GROUP_ID", Integer.toString(sg.id())));
            values.add(new SingleAttribute("SECURITY_GROUP_NAME", sg.name()));
            t = t.add(new VectorAttribute("SECURITY_GROUP_RULE", values));
        }
        return t;
    }

    private static Template withoutRules(Template t, int sgId) {
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : t.attributes()) {
            if (a instanceof VectorAttribute v && v.name().equals("SECURITY_GROUP_RULE")
                    && VmResources.intOr(v.get("SECURITY_GROUP_ID"), -1) == sgId) {
                continue;
            }
            out.add(a);
        }
        return Template.of(out);
    }

    private static Template replace(Template t, VectorAttribute old, VectorAttribute now) {
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : t.attributes()) {
            out.add(a.equals(old) ? now : a);
        }
        return Template.of(out);
    }
}
