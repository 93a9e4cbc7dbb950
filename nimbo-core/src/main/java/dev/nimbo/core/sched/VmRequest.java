package dev.nimbo.core.sched;

import dev.nimbo.core.cluster.ClusterMember;
import dev.nimbo.core.epa.Epa;
import dev.nimbo.core.epa.EpaException;
import dev.nimbo.core.epa.Topology;
import dev.nimbo.core.expr.ExprException;
import dev.nimbo.core.expr.Rank;
import dev.nimbo.core.expr.Requirement;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.HostCapacity;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vmgroup.RoleConstraints;
import dev.nimbo.core.vmgroup.VmGroup;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What placing one VM asks, compiled once per cycle from the VM and the objects it uses: its demand (CPU, memory,
 * system-datastore space), AUTOMATIC_REQUIREMENTS, SCHED_REQUIREMENTS/SCHED_RANK, SCHED_DS_REQUIREMENTS/
 * SCHED_DS_RANK (null ranks: the configured policy), the clusters its images' datastores and its networks share
 * (null: any), its NUMA topology and PCI requests, and its VM group role's constraints. {@code problem} is set
 * when the VM cannot be placed anywhere as it is (an expression that does not parse, an impossible topology):
 * it becomes the SCHED_MESSAGE. Immutable.
 */
public record VmRequest(VirtualMachine vm, long cpu, long memKb, long diskMb, Requirement automatic,
                        Requirement requirement, Rank rank, Requirement dsRequirement, Rank dsRank,
                        Set<Integer> clusters, Topology topology, List<VectorAttribute> pci, RoleConstraints role,
                        List<AutoNic> autoNics, String problem) {

    /** A NIC in automatic mode: its NIC_ID and its SCHED_REQUIREMENTS / SCHED_RANK (null: the default policy). */
    public record AutoNic(int nicId, Requirement requirement, Rank rank) {
    }

    public int id() {
        return vm.id();
    }

    public boolean needsEpa() {
        return topology != null || !pci.isEmpty();
    }

    /** The request for {@code vm}, reading its images, networks and VM group from {@code view}. */
    public static VmRequest of(VirtualMachine vm, ObjectsView view) {
        return of(vm, view, new ExprCache());
    }

    /** As {@link #of(VirtualMachine, ObjectsView)}, compiling expressions through {@code cache}. */
    public static VmRequest of(VirtualMachine vm, ObjectsView view, ExprCache cache) {
        HostCapacity.Demand d = HostCapacity.Demand.of(vm);
        Template t = vm.vmTemplate();
        Template u = vm.userTemplate();
        String problem = null;
        Requirement automatic = Requirement.ALWAYS;
        Requirement req = Requirement.ALWAYS;
        Rank rank = null;
        Requirement dsReq = Requirement.ALWAYS;
        Rank dsRank = null;
        String at = "AUTOMATIC_REQUIREMENTS";
        try {
            automatic = cache.requirement(automaticRequirements(t));
            at = SchedExpressions.REQUIREMENTS;
            req = cache.requirement(u.get(at));
            at = SchedExpressions.RANK;
            rank = cache.rank(u.get(at));
            at = SchedExpressions.DS_REQUIREMENTS;
            dsReq = cache.requirement(u.get(at));
            at = SchedExpressions.DS_RANK;
            dsRank = cache.rank(u.get(at));
        } catch (ExprException e) {
            problem = at + ": " + e.getMessage();
        }
        List<AutoNic> autoNics = new java.util.ArrayList<>();
        for (VectorAttribute nic : dev.nimbo.core.vm.VmNicAuto.pending(t)) {
            try {
                int nicId = Integer.parseInt(nic.get("NIC_ID").strip());
                autoNics.add(new AutoNic(nicId, cache.requirement(nic.get(SchedExpressions.REQUIREMENTS)),
                        cache.rank(nic.get(SchedExpressions.RANK))));
            } catch (ExprException e) {
                problem = problem != null ? problem : "NIC " + SchedExpressions.REQUIREMENTS + "/" + SchedExpressions.RANK
                        + ": " + e.getMessage();
            } catch (RuntimeException e) {
                problem = problem != null ? problem : "NIC in NETWORK_MODE = auto without a NIC_ID";
            }
        }
        Topology topology = null;
        try {
            topology = Topology.of(t);
        } catch (EpaException e) {
            problem = problem != null ? problem : "Impossible topology: " + e.getMessage();
        }
        return new VmRequest(vm, d.cpu(), d.memKb(), vm.systemDiskMb(), automatic, req, rank, dsReq, dsRank,
                clusters(t, view), topology, Epa.pciRequests(t), role(t, view), List.copyOf(autoNics), problem);
    }

    /**
     * AUTOMATIC_REQUIREMENTS as oned would compute it for the pin policy: a pinned VM needs a host marked
     * PIN_POLICY = PINNED, any other VM one that is not. The stored attribute is used when it says more.
     */
    static String automaticRequirements(Template t) {
        String stored = t.get("AUTOMATIC_REQUIREMENTS");
        boolean pinned = false;
        List<VectorAttribute> topo = t.vectors("TOPOLOGY");
        if (!topo.isEmpty()) {
            String p = topo.get(0).get("PIN_POLICY");
            pinned = p != null && !p.isBlank() && !p.strip().equalsIgnoreCase("NONE");
        }
        String pin = pinned ? "(PIN_POLICY = PINNED)" : "!(PIN_POLICY = PINNED)";
        if (stored == null || stored.isBlank()) {
            return pin;
        }
        if (pinned) {
            return stored.replace("!(PIN_POLICY = PINNED)", "(PIN_POLICY = PINNED)");
        }
        return stored;
    }

    /** The clusters every image datastore and network of the VM belongs to; null when it uses none. */
    static Set<Integer> clusters(Template t, ObjectsView view) {
        Set<Integer> out = null;
        for (VectorAttribute disk : t.vectors("DISK")) {
            out = intersect(out, members(view, ObjectType.DATASTORE, disk.get("DATASTORE_ID")));
        }
        for (VectorAttribute nic : t.vectors("NIC")) {
            out = intersect(out, members(view, ObjectType.NET, nic.get("NETWORK_ID")));
        }
        return out;
    }

    private static Set<Integer> members(ObjectsView view, ObjectType type, String id) {
        if (id == null || !id.strip().matches("\\d+")) {
            return null;
        }
        PoolObject o = view.get(type, Integer.parseInt(id.strip()));
        return o instanceof ClusterMember m ? m.clusters() : null;
    }

    private static Set<Integer> intersect(Set<Integer> acc, Set<Integer> more) {
        if (more == null) {
            return acc;
        }
        if (acc == null) {
            return new TreeSet<>(more);
        }
        Set<Integer> out = new HashSet<>(acc);
        out.retainAll(more);
        return out;
    }

    /** The VM's VMGROUP role constraints, or null when it is in no (existing) group role. */
    static RoleConstraints role(Template t, ObjectsView view) {
        List<VectorAttribute> g = t.vectors("VMGROUP");
        if (g.isEmpty()) {
            return null;
        }
        String id = g.get(0).get("VMGROUP_ID");
        String role = g.get(0).get("ROLE");
        if (id == null || role == null || !id.strip().matches("\\d+")) {
            return null;
        }
        PoolObject o = view.get(ObjectType.VMGROUP, Integer.parseInt(id.strip()));
        return o instanceof VmGroup vg ? vg.constraintsFor(role.strip()) : null;
    }
}
