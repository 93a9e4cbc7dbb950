package dev.nimbo.core.sched;

import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.epa.EpaException;
import dev.nimbo.core.epa.PciFit;
import dev.nimbo.core.expr.Rank;
import dev.nimbo.core.host.PciDevice;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vmgroup.RoleConstraints;
import dev.nimbo.core.vmgroup.VmGroupPolicy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One scheduling cycle's placement: matches each VM against the hosts (filters, cheap ones first, each rejection
 * counted under a named reason), ranks the hosts left, takes the best one on which its NUMA topology and PCI
 * devices fit and whose cluster has a system datastore for it, and records the plan on the host (and datastore)
 * slots so the cycle's next VMs see it. The pipeline, in order:
 * <ol>
 *   <li>host state: monitored and enabled;</li>
 *   <li>cluster: one of the clusters of the VM's image datastores and networks;</li>
 *   <li>VM group: the role's HOST_AFFINED / HOST_ANTI_AFFINED lists, its AFFINED / ANTI_AFFINED policy and the
 *       affinity rules between roles, against where the other VMs are (or were planned this cycle);</li>
 *   <li>AUTOMATIC_REQUIREMENTS (PIN_POLICY) and SCHED_REQUIREMENTS;</li>
 *   <li>capacity: CPU and memory left (MAX_CPU/MAX_MEM: reservations and overcommitment included);</li>
 *   <li>PCI: a free matching device for each request;</li>
 *   <li>rank (SCHED_RANK or the policy), then in rank order: a system datastore of the host's cluster passing
 *       SCHED_DS_REQUIREMENTS with room, ranked by SCHED_DS_RANK or the datastore policy; the NUMA/PCI fit.</li>
 * </ol>
 * A VM that fits nowhere gets a message saying how many hosts each reason ruled out. Not thread-safe: one cycle.
 */
public final class Placer {

    /** A decision: host and system datastore, and the work the plan took there; or why not. */
    public sealed interface Outcome permits Placed, Unplaced {
    }

    public record Placed(int hostId, int dsId, String tmMad) implements Outcome {
    }

    public record Unplaced(String message) implements Outcome {
    }

    /** A candidate host as an outside chooser sees it: the host slot and its rank under the VM's rank. */
    public record Candidate(HostSlot host, double rank) {
    }

    /** The host and system datastore an outside chooser picked (dsId -1: the built-in choice). */
    public record Choice(int hostId, int dsId) {
    }

    /**
     * Chooses among the hosts that passed every filter, best rank first (an external scheduler). Null or a host
     * not among the candidates: the built-in order stands.
     */
    @FunctionalInterface
    public interface Chooser {
        Choice choose(VmRequest r, List<Candidate> candidates);
    }

    private final SchedPolicy hostPolicy;
    private final SchedPolicy dsPolicy;
    private final List<HostSlot> hosts;
    private final Map<Integer, List<DatastoreSlot>> systemDs;
    private final Map<Integer, Integer> vmHost;
    private final Map<String, Set<Integer>> roleMembers;
    private Chooser chooser;

    /**
     * @param hosts       every host, in ID order
     * @param datastores  every system datastore
     * @param vmHost      where each VM that holds a host is (VM ID to host ID); the cycle adds its plans
     * @param roleMembers VM group roles' VMs, keyed {@code groupId/roleName}
     */
    public Placer(SchedPolicy hostPolicy, SchedPolicy dsPolicy, List<HostSlot> hosts,
                  Collection<DatastoreSlot> datastores, Map<Integer, Integer> vmHost,
                  Map<String, Set<Integer>> roleMembers) {
        this.hostPolicy = hostPolicy;
        this.dsPolicy = dsPolicy;
        this.hosts = hosts;
        this.vmHost = vmHost;
        this.roleMembers = roleMembers;
        this.systemDs = new HashMap<>();
        for (DatastoreSlot d : datastores) {
            Datastore ds = d.datastore();
            if (ds.dsType() == Datastore.SYSTEM_DS && ds.enabled()) {
                for (int c : ds.clusters()) {
                    systemDs.computeIfAbsent(c, k -> new ArrayList<>()).add(d);
                }
            }
        }
    }

    /** Lets {@code c} pick among the candidates of each VM (null: the built-in rank decides). */
    public Placer withChooser(Chooser c) {
        this.chooser = c;
        return this;
    }

    /** The key of a VM group role in {@code roleMembers}. */
    public static String roleKey(int groupId, String role) {
        return groupId + "/" + role;
    }

    /** Decides where {@code r} goes, and plans it there; {@code exclude} is a host not to use (-1: none). */
    public Outcome place(VmRequest r, int exclude) {
        if (r.problem() != null) {
            return new Unplaced(r.problem());
        }
        Map<String, TreeSet<Integer>> rejected = new LinkedHashMap<>();
        Rank rank = r.rank() != null ? r.rank() : hostPolicy.rank();
        List<HostSlot> fits = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        Affinity affinity = affinity(r);
        for (HostSlot h : hosts) {
            String why = reject(r, h, affinity, exclude);
            if (why != null) {
                rejected.computeIfAbsent(why, k -> new TreeSet<>()).add(h.id());
                continue;
            }
            fits.add(h);
            scores.add(rank.score(h));
        }
        // best rank first; equal ranks keep host ID order (deterministic)
        Integer[] order = new Integer[fits.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Double.compare(scores.get(b), scores.get(a)));
        Choice choice = chooser == null || fits.isEmpty() ? null : choose(r, fits, scores, order);
        for (int i : order) {
            HostSlot h = fits.get(i);
            DatastoreSlot ds = choice != null && choice.hostId() == h.id() ? chosenDatastore(r, h, choice.dsId())
                    : datastore(r, h);
            if (ds == null) {
                rejected.computeIfAbsent("no system datastore in its cluster passes SCHED_DS_REQUIREMENTS with "
                        + r.diskMb() + " MB free", k -> new TreeSet<>()).add(h.id());
                continue;
            }
            List<PciDevice> devicesAfter = null;
            if (r.needsEpa()) {
                try {
                    devicesAfter = epa(r, h);
                } catch (EpaException e) {
                    rejected.computeIfAbsent(e.getMessage(), k -> new TreeSet<>()).add(h.id());
                    continue;
                }
            }
            h.take(r.id(), r.cpu(), r.memKb(), devicesAfter);
            ds.take(r.diskMb());
            vmHost.put(r.id(), h.id());
            return new Placed(h.id(), ds.datastore().id(), ds.datastore().tmMad());
        }
        return new Unplaced(message(rejected));
    }

    /** The first filter that rules host {@code h} out for {@code r}, or null when it passes them all. */
    private String reject(VmRequest r, HostSlot h, Affinity a, int exclude) {
        if (h.id() == exclude) {
            return "the VM's current host";
        }
        if (!h.usable()) {
            return "host not monitored or disabled";
        }
        if (r.clusters() != null && !r.clusters().contains(h.host().clusterId())) {
            return "not in the cluster of the VM's images and networks " + r.clusters();
        }
        if (a != null) {
            String why = a.reject(h);
            if (why != null) {
                return why;
            }
        }
        // requirements before capacity: "which hosts may it use at all" is the first thing a user asks
        if (!r.automatic().test(h)) {
            return "does not fulfil AUTOMATIC_REQUIREMENTS: " + r.automatic().text();
        }
        if (!r.requirement().test(h)) {
            return "does not fulfil SCHED_REQUIREMENTS: " + r.requirement().text();
        }
        if (h.freeCpu() < r.cpu()) {
            return "not enough CPU";
        }
        if (h.freeMem() < r.memKb()) {
            return "not enough memory";
        }
        for (VectorAttribute p : r.pci()) {
            if (PciFit.freeMatching(h.pci(), p) == 0) {
                return "no free PCI device for " + describe(p);
            }
        }
        if (!systemDs.containsKey(h.host().clusterId())) {
            return "no system datastore in its cluster";
        }
        return null;
    }

    private static String describe(VectorAttribute p) {
        StringBuilder b = new StringBuilder("PCI [");
        for (String k : List.of("SHORT_ADDRESS", "VENDOR", "DEVICE", "CLASS")) {
            String v = p.get(k);
            if (v != null && !v.isBlank() && (b.length() == 5 || !k.equals("SHORT_ADDRESS"))) {
                b.append(b.length() == 5 ? "" : ", ").append(k).append('=').append(v.strip());
            }
        }
        return b.append(']').toString();
    }

    /** Asks the chooser; its host goes first in {@code order}. */
    private Choice choose(VmRequest r, List<HostSlot> fits, List<Double> scores, Integer[] order) {
        List<Candidate> candidates = new ArrayList<>(order.length);
        for (int i : order) {
            candidates.add(new Candidate(fits.get(i), scores.get(i)));
        }
        Choice c = chooser.choose(r, candidates);
        if (c == null) {
            return null;
        }
        for (int k = 0; k < order.length; k++) {
            if (fits.get(order[k]).id() == c.hostId()) {
                int chosen = order[k];
                System.arraycopy(order, 0, order, 1, k);
                order[0] = chosen;
                return c;
            }
        }
        return null;
    }

    /** The chooser's datastore when it is a usable one of the host's cluster, else the built-in choice. */
    private DatastoreSlot chosenDatastore(VmRequest r, HostSlot h, int dsId) {
        for (DatastoreSlot d : systemDs.getOrDefault(h.host().clusterId(), List.of())) {
            if (d.datastore().id() == dsId && d.fits(r.diskMb()) && r.dsRequirement().test(d)) {
                return d;
            }
        }
        return datastore(r, h);
    }

    /** The best system datastore for the VM in the host's cluster, or null. */
    private DatastoreSlot datastore(VmRequest r, HostSlot h) {
        Rank rank = r.dsRank() != null ? r.dsRank() : dsPolicy.rank();
        DatastoreSlot best = null;
        double bestScore = 0;
        for (DatastoreSlot d : systemDs.getOrDefault(h.host().clusterId(), List.of())) {
            if (!d.fits(r.diskMb()) || !r.dsRequirement().test(d)) {
                continue;
            }
            double s = rank.score(d);
            if (best == null || s > bestScore) {
                best = d;
                bestScore = s;
            }
        }
        return best;
    }

    /** Fits the VM's devices and topology on the host's planned state and takes them; the devices after. */
    private static List<PciDevice> epa(VmRequest r, HostSlot h) {
        List<PciDevice> devices = h.pci();
        List<Integer> ioNodes = new ArrayList<>();
        if (!r.pci().isEmpty()) {
            int[] picks = PciFit.pick(devices, r.pci());
            devices = new ArrayList<>(devices);
            for (int p : picks) {
                PciDevice d = devices.get(p);
                devices.set(p, d.with("VMID", Integer.toString(r.id())));
                String node = d.get("NUMA_NODE");
                if (node != null && node.strip().matches("\\d+")) {
                    ioNodes.add(Integer.parseInt(node.strip()));
                }
            }
        }
        if (r.topology() != null) {
            h.numa().assign(r.topology(), r.topology().pinned() ? ioNodes : List.of(), r.id());
        }
        return devices;
    }

    // ------------------------------------------------------------------ VM groups

    /** Where the VM's group says it may and may not go, against where the other VMs are now. */
    private record Affinity(RoleConstraints role, Set<Integer> roleHosts, Set<Integer> affinedHosts,
                            Set<Integer> antiHosts) {
        String reject(HostSlot h) {
            int id = h.id();
            if (!role.hostAffined().isEmpty() && !role.hostAffined().contains(id)) {
                return "VM group role " + role.role() + ": not in HOST_AFFINED";
            }
            if (role.hostAntiAffined().contains(id)) {
                return "VM group role " + role.role() + ": in HOST_ANTI_AFFINED";
            }
            if (role.policy() == VmGroupPolicy.AFFINED && !roleHosts.isEmpty() && !roleHosts.contains(id)) {
                return "VM group role " + role.role() + " is AFFINED: its VMs run on host(s) " + roleHosts;
            }
            if (role.policy() == VmGroupPolicy.ANTI_AFFINED && roleHosts.contains(id)) {
                return "VM group role " + role.role() + " is ANTI_AFFINED: another of its VMs is on the host";
            }
            if (!affinedHosts.isEmpty() && !affinedHosts.contains(id)) {
                return "VM group: roles affined to " + role.role() + " run on host(s) " + affinedHosts;
            }
            if (antiHosts.contains(id)) {
                return "VM group: a VM of a role anti-affined to " + role.role() + " is on the host";
            }
            return null;
        }
    }

    private Affinity affinity(VmRequest r) {
        RoleConstraints c = r.role();
        if (c == null) {
            return null;
        }
        Set<Integer> roleHosts = hostsOf(c.groupId(), List.of(c.role()), r.id());
        Set<Integer> affined = hostsOf(c.groupId(), c.affinedRoles(), r.id());
        Set<Integer> anti = hostsOf(c.groupId(), c.antiAffinedRoles(), r.id());
        return new Affinity(c, roleHosts, affined, anti);
    }

    private Set<Integer> hostsOf(int groupId, Collection<String> roles, int self) {
        Set<Integer> out = new TreeSet<>();
        for (String role : roles) {
            for (int vm : roleMembers.getOrDefault(roleKey(groupId, role), Set.of())) {
                Integer h = vm == self ? null : vmHost.get(vm);
                if (h != null) {
                    out.add(h);
                }
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ message

    /** "No host fits: 3 hosts not enough CPU [0,1,2]; 1 host does not fulfil SCHED_REQUIREMENTS: … [3]". */
    static String message(Map<String, TreeSet<Integer>> rejected) {
        if (rejected.isEmpty()) {
            return "Cannot dispatch VM: no hosts";
        }
        StringBuilder b = new StringBuilder("Cannot dispatch VM: ");
        boolean first = true;
        for (Map.Entry<String, TreeSet<Integer>> e : rejected.entrySet()) {
            b.append(first ? "" : "; ");
            first = false;
            int n = e.getValue().size();
            b.append(n).append(n == 1 ? " host: " : " hosts: ").append(e.getKey()).append(' ').append(ids(e.getValue()));
        }
        return b.toString();
    }

    private static String ids(TreeSet<Integer> ids) {
        StringBuilder b = new StringBuilder("[");
        int k = 0;
        for (int id : ids) {
            if (k == 10) {
                b.append(", …");
                break;
            }
            b.append(k++ == 0 ? "" : ", ").append(id);
        }
        return b.append(']').toString();
    }
}
