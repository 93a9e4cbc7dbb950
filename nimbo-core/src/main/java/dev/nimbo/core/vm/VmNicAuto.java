package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.Usage;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vnet.VirtualNetwork;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * NICs in automatic mode ({@code NETWORK_MODE = auto}, no NETWORK / NETWORK_ID): created without a network, they
 * get one when the VM is deployed: the scheduler picks it by the NIC's SCHED_REQUIREMENTS / SCHED_RANK among the
 * networks of the host's cluster, or whoever calls one.vm.deploy names it ({@code NIC = [ NIC_ID, NETWORK_ID ]}
 * in the extra template). {@link #resolve} takes the lease and the LEASES quota in the deploy's transaction, and
 * adds the NIC's ETH values to CONTEXT.
 * Controller thread only.
 */
public final class VmNicAuto {
    private VmNicAuto() {
    }

    /** Whether a NIC vector waits for its network to be chosen at deployment. */
    public static boolean isAuto(VectorAttribute nic) {
        String mode = nic.get("NETWORK_MODE");
        return mode != null && mode.strip().toLowerCase(Locale.ROOT).equals("auto") && nic.get("NETWORK_ID") == null
                && nic.get("NETWORK") == null;
    }

    /** The VM's NICs still waiting for a network. */
    public static List<VectorAttribute> pending(Template vm) {
        List<VectorAttribute> out = new ArrayList<>();
        for (VectorAttribute n : vm.vectors("NIC")) {
            if (isAuto(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /** Whether the user (uid, gid) may use the network by its permissions alone (owner, group or other USE). */
    public static boolean mayUse(VirtualNetwork vn, int uid, int gid) {
        return uid == 0 || (vn.uid() == uid && (vn.permissions().owner() & 4) != 0)
                || (vn.gid() == gid && (vn.permissions().group() & 4) != 0) || (vn.permissions().other() & 4) != 0;
    }

    /**
     * VM {@code vmId} with each automatic NIC given the network {@code chosen} names for its NIC_ID: the network
     * is passed to {@code authorizeUse}, must be in the host's cluster, and gives a lease. ACTION when a NIC has no
     * choice or its network cannot be used. Nothing to do: the VM as it is.
     */
    public static VirtualMachine resolve(Transaction tx, VirtualMachine vm, int clusterId, Map<Integer, Integer> chosen,
                                         Consumer<PoolObject> authorizeUse) {
        if (pending(vm.vmTemplate()).isEmpty()) {
            return vm;
        }
        List<Attribute> out = new ArrayList<>();
        List<VectorAttribute> resolvedNics = new ArrayList<>();
        Usage quota = Usage.NONE;
        for (Attribute a : vm.vmTemplate().attributes()) {
            if (a instanceof VectorAttribute n && n.name().equals("NIC") && isAuto(n)) {
                int nicId = VmResources.intOr(n.get("NIC_ID"), -1);
                Integer net = chosen.get(nicId);
                if (net == null) {
                    throw ApiException.action("NIC " + nicId + " has NETWORK_MODE = auto: the deployment must choose "
                            + "its network (NIC = [ NIC_ID = " + nicId + ", NETWORK_ID = ... ])", vm.id());
                }
                if (!(tx.get(ObjectType.NET, net) instanceof VirtualNetwork vn)) {
                    throw ApiException.noExists(ObjectType.NET.humanName(), net);
                }
                if (!vn.clusters().contains(clusterId)) {
                    throw ApiException.action("Virtual network [" + net + "] for NIC " + nicId
                            + " is not in the host's cluster [" + clusterId + "]", vm.id());
                }
                VectorAttribute resolved;
                try {
                    resolved = VmResources.nic(tx, vm.id(), vm.uid(), n.with("NETWORK_ID", Integer.toString(net)),
                            authorizeUse).with("NIC_ID", Integer.toString(nicId));
                } catch (ApiException e) {
                    throw ApiException.action("NIC " + nicId + ": " + e.getMessage(), vm.id());
                }
                quota = quota.plus(Usage.network(net, 1));
                out.add(resolved);
                resolvedNics.add(resolved);
            } else {
                out.add(a);
            }
        }
        VmQuotas.charge(tx, vm.uid(), vm.uid(), vm.gid(), quota, true);
        Template t = Template.of(out);
        for (VectorAttribute nic : resolvedNics) {
            t = VmContext.withNic(t, nic); // the guest learns the chosen network's address, as oned does at deploy
        }
        VirtualMachine next = vm.toBuilder().vmTemplate(VmDefinition.sorted(t)).build();
        tx.put(next);
        return next;
    }
}
