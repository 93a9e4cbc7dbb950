package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;

/**
 * one.vm.updatenic: the QoS attributes of one NIC (INBOUND_/OUTBOUND_ AVG_BW, PEAK_BW, PEAK_KB), replaced or
 * merged; nothing else of a NIC changes. A stopped VM just takes them; a RUNNING one keeps the previous values in
 * VNET_UPDATE and goes through HOTPLUG_NIC while the hypervisor applies them (update_nic), which drops VNET_UPDATE
 * when it worked. Other ACTIVE phases are refused naming the state. Pure functions.
 */
public final class VmNicUpdate {
    static final List<String> QOS = List.of("INBOUND_AVG_BW", "INBOUND_PEAK_BW", "INBOUND_PEAK_KB",
            "OUTBOUND_AVG_BW", "OUTBOUND_PEAK_BW", "OUTBOUND_PEAK_KB");
    static final String VNET_UPDATE = "VNET_UPDATE";

    private VmNicUpdate() {
    }

    /** The update: the VM with NIC {@code nicId} changed, and whether anything changed. */
    public record Result(VirtualMachine vm, boolean changed) {
    }

    /** Applies {@code nic} to NIC {@code nicId}; ACTION with oned's reasons when it cannot. */
    public static Result apply(VirtualMachine vm, int nicId, VectorAttribute nic, boolean append) {
        VectorAttribute old = null;
        for (VectorAttribute n : vm.vmTemplate().vectors("NIC")) {
            if (VmResources.intOr(n.get("NIC_ID"), -1) == nicId) {
                old = n;
            }
        }
        if (old == null) {
            throw ApiException.action("VM " + vm.id() + ": NIC " + nicId + " does not exists", vm.id());
        }
        String prefix = "Error updating NIC (" + nicId + ") for VM " + vm.id() + ": ";
        Phase p = vm.phase();
        boolean live = p.isActive(LcmState.RUNNING);
        if ((p.state() == VmState.ACTIVE && !live) || p.is(VmState.DONE)) {
            throw ApiException.action(prefix + "Wrong state " + p.text(), vm.id());
        }
        if (nic == null) {
            throw ApiException.action(prefix + "Wrong NIC definition, attribute is missing", vm.id());
        }
        VectorAttribute next = old;
        List<SingleAttribute> previous = new ArrayList<>();
        for (String k : QOS) {
            String before = old.get(k);
            String after = nic.get(k) != null ? nic.get(k) : append ? before : null;
            if (after == null ? before == null : after.equals(before)) {
                continue;
            }
            previous.add(new SingleAttribute(k, before == null ? "" : before));
            next = after == null ? next.without(k) : next.with(k, after);
        }
        if (previous.isEmpty()) {
            return new Result(vm, false);
        }
        Template t = replace(vm.vmTemplate(), old, next);
        if (live) {
            List<VectorAttribute> existing = t.vectors(VNET_UPDATE);
            VectorAttribute u = existing.isEmpty() ? new VectorAttribute(VNET_UPDATE, List.of()) : existing.get(0);
            for (SingleAttribute a : previous) {
                u = u.with(a.name(), a.value());
            }
            t = t.with(u);
        }
        return new Result(vm.toBuilder().vmTemplate(VmDefinition.sorted(t)).build(), true);
    }

    /** Whether a running VM waits for the hypervisor to apply a NIC update. */
    static boolean pending(Template t) {
        return !t.vectors(VNET_UPDATE).isEmpty();
    }

    /** After the hypervisor applied the update VNET_UPDATE goes; after a failure it stays, as oned. */
    static Template settle(Template t, boolean ok) {
        return ok ? t.without(VNET_UPDATE) : t;
    }

    private static Template replace(Template t, VectorAttribute old, VectorAttribute now) {
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : t.attributes()) {
            out.add(a.equals(old) ? now : a);
        }
        return Template.of(out);
    }
}
