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

    /** {@code nics}: the network chosen for each NIC in automatic mode, by NIC_ID. */
    public record Placed(int hostId, int dsId, String tmMad, Map<Integer, Integer> nics) implements Outcome {
        public Placed {
            nics = Map.copyOf(nics);
        }

        public Placed(int hostId, int dsId, String tmMad) {
            this(hostId, dsId, tmMad, Map.of());
        }
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
    // per-VM scratch, reused: a cycle places thousands of VMs over the same hosts
    private final HostSlot[] fits;
    private final double[] scores;
    private final boolean[] tried;
    /** Per candidate: the host satisfies the VM's soft (SOFT_*) VM group policy. */
    private final boolean[] preferred;

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
        this.fits = new HostSlot[hosts.size()];
        this.scores = new double[hosts.size()];
        this.tried = new boolean[hosts.size()];
        this.preferred = new boolean[hosts.size()];
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

    /**
     * Counts a decision of an earlier cycle that the controller has not applied yet (its host in this snapshot
     * does not list the VM): the host, datastore and VM-group view take it as planned, so this cycle does not hand
     * the same capacity out twice. The controller re-checks everything anyway; this only avoids refused steps.
     */
    public void replay(VmRequest r, Placed p) {
        for (HostSlot h : hosts) {
            if (h.id() != p.hostId()) {
                continue;
            }
            if (h.host().vms().contains(r.id())) {
                return; // applied before this snapshot
            }
            List<PciDevice> devicesAfter = null;
            if (r.needsEpa()) {
                try {
                    devicesAfter = epa(r, h);
                } catch (EpaException e) {
                    // the plan no longer fits this snapshot: its step will be refused, nothing to count
                    return;
                }
            }
            h.take(r.id(), r.cpu(), r.memKb(), devicesAfter);
            for (List<DatastoreSlot> l : systemDs.values()) {
                for (DatastoreSlot d : l) {
                    if (d.datastore().id() == p.dsId()) {
                        d.take(r.diskMb());
                        break;
                    }
                }
            }
            for (int net : p.nics().values()) {
                for (NetworkSlot n : networks.getOrDefault(h.host().clusterId(), List.of())) {
                    if (n.network().id() == net) {
                        n.take();
                        break;
                    }
                }
            }
            vmHost.put(r.id(), h.id());
            return;
        }
    }

    private static final Rank NIC_STRIPING = Rank.compile("- USED_LEASES");
    private final Map<Integer, List<NetworkSlot>> networks = new HashMap<>();

    /** The networks NICs in automatic mode may get, by cluster (see {@link NetworkSlot}). */
    public Placer withNetworks(Collection<NetworkSlot> nets) {
        for (NetworkSlot n : nets) {
            for (int c : n.network().clusters()) {
                networks.computeIfAbsent(c, k -> new ArrayList<>()).add(n);
            }
        }
        return this;
    }

    /**
     * A network of the host's cluster for each automatic NIC (its requirement met, a free lease left after this
     * cycle's plans, usable by the VM's owner), best rank first (default: fewest used leases); null when a NIC has
     * none. {@code taken} gets the slots to charge.
     */
    private Map<Integer, Integer> nics(VmRequest r, HostSlot h, List<NetworkSlot> taken) {
        Map<Integer, Integer> out = new HashMap<>();
        for (VmRequest.AutoNic nic : r.autoNics()) {
            Rank rank = nic.rank() != null ? nic.rank() : NIC_STRIPING;
            NetworkSlot best = null;
            double bestScore = 0;
            for (NetworkSlot n : networks.getOrDefault(h.host().clusterId(), List.of())) {
                long already = taken.stream().filter(x -> x == n).count();
                if (n.freeLeases() - already <= 0 || !nic.requirement().test(n)
                        || !dev.nimbo.core.vm.VmNicAuto.mayUse(n.network(), r.vm().uid(), r.vm().gid())) {
                    continue;
                }
                double score = rank.score(n);
                if (best == null || score > bestScore) {
                    best = n;
                    bestScore = score;
                }
            }
            if (best == null) {
                return null;
            }
            taken.add(best);
            out.put(nic.nicId(), best.network().id());
        }
        return out;
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
        Reasons why = new Reasons(r);
        Prefilter pre = prefilter(r, why);
        Map<String, Tally> rejected = new LinkedHashMap<>();
        Rank rank = r.rank() != null ? r.rank() : hostPolicy.rank();
        HostSlot[] fits = this.fits;
        double[] scores = this.scores;
        boolean[] preferred = this.preferred;
        int n = 0;
        Affinity affinity = affinity(r);
        for (int k : pre.hosts()) {
            HostSlot h = hosts.get(k);
            String reason = reject(r, h, affinity, exclude, why, pre.requirementDone());
            if (reason != null) {
                rejected.computeIfAbsent(reason, x -> new Tally()).add(h.id());
                continue;
            }
            fits[n] = h;
            preferred[n] = affinity == null || affinity.prefers(h);
            scores[n++] = rank.score(h);
        }
        Choice choice = chooser == null || n == 0 ? null : choose(r, fits, scores, n);
        // hosts the soft group policy prefers first, then best rank (equal ranks: host ID order), by selection:
        // the first candidate nearly always takes it
        boolean[] tried = this.tried;
        java.util.Arrays.fill(tried, 0, n, false);
        for (int left = n; left > 0; left--) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (!tried[i] && (best < 0 || (preferred[i] && !preferred[best])
                        || (preferred[i] == preferred[best] && scores[i] > scores[best]))) {
                    best = i;
                }
            }
            if (choice != null && left == n) {
                for (int i = 0; i < n; i++) {
                    if (fits[i].id() == choice.hostId()) {
                        best = i;
                    }
                }
            }
            tried[best] = true;
            HostSlot h = fits[best];
            DatastoreSlot ds = choice != null && choice.hostId() == h.id() ? chosenDatastore(r, h, choice.dsId())
                    : datastore(r, h);
            if (ds == null) {
                rejected.computeIfAbsent("no system datastore in its cluster passes SCHED_DS_REQUIREMENTS with "
                        + r.diskMb() + " MB free", k -> new Tally()).add(h.id());
                continue;
            }
            List<NetworkSlot> leases = new ArrayList<>();
            Map<Integer, Integer> nics = r.autoNics().isEmpty() ? Map.of() : nics(r, h, leases);
            if (nics == null) {
                rejected.computeIfAbsent(NO_NETWORK, k -> new Tally()).add(h.id());
                continue;
            }
            List<PciDevice> devicesAfter = null;
            if (r.needsEpa()) {
                try {
                    devicesAfter = epa(r, h);
                } catch (EpaException e) {
                    rejected.computeIfAbsent(e.getMessage(), k -> new Tally()).add(h.id());
                    continue;
                }
            }
            h.take(r.id(), r.cpu(), r.memKb(), devicesAfter);
            ds.take(r.diskMb());
            leases.forEach(NetworkSlot::take);
            vmHost.put(r.id(), h.id());
            return new Placed(h.id(), ds.datastore().id(), ds.datastore().tmMad(), nics);
        }
        Map<String, Tally> all = new LinkedHashMap<>(pre.rejected());
        all.putAll(rejected);
        return new Unplaced(message(all));
    }

    /**
     * The words of each rejection, made once per VM: the filter loop runs for every host and must not build
     * strings (the same String instance also makes counting by reason cheap).
     */
    private record Reasons(String cluster, String automatic, String requirement, String[] pci) {
        Reasons(VmRequest r) {
            this("not in the cluster of the VM's images and networks " + r.clusters(),
                    "does not fulfil AUTOMATIC_REQUIREMENTS: " + r.automatic().text(),
                    "does not fulfil SCHED_REQUIREMENTS: " + r.requirement().text(),
                    r.pci().stream().map(p -> "no free PCI device for " + describe(p)).toArray(String[]::new));
        }
    }

    private static final String CURRENT_HOST = "the VM's current host";
    private static final String NOT_USABLE = "host not monitored or disabled";
    private static final String NO_CPU = "not enough CPU";
    private static final String NO_MEMORY = "not enough memory";
    private static final String NO_SYSTEM_DS = "no system datastore in its cluster";
    private static final String NO_NETWORK = "no network of its cluster with a free lease passes the SCHED_REQUIREMENTS "
            + "of a NIC in NETWORK_MODE = auto";

    /**
     * The hosts that pass the filters that do not change within a cycle (state, AUTOMATIC_REQUIREMENTS, and
     * SCHED_REQUIREMENTS when it reads no usage attribute), worked out once per distinct pair of expressions: most
     * VMs of a cycle share them, so each VM then only visits the hosts it may use.
     */
    private record Prefilter(int[] hosts, Map<String, Tally> rejected, boolean requirementDone) {
    }

    /** Host attributes a cycle's plans change: a requirement reading them is evaluated per VM. */
    private static final Set<String> USAGE = Set.of("CPU_USAGE", "MEM_USAGE", "RUNNING_VMS", "FREE_CPU_ALLOCATABLE",
            "FREE_MEM_ALLOCATABLE", "FREE_MEM", "CURRENT_VMS");

    private final Map<List<Object>, Prefilter> prefilters = new HashMap<>();

    private Prefilter prefilter(VmRequest r, Reasons why) {
        boolean automaticStatic = java.util.Collections.disjoint(r.automatic().attributes(), USAGE);
        boolean requirementStatic = java.util.Collections.disjoint(r.requirement().attributes(), USAGE);
        if (!automaticStatic) {
            return new Prefilter(allHosts(), Map.of(), false);
        }
        return prefilters.computeIfAbsent(List.of(r.automatic(), requirementStatic ? r.requirement() : Boolean.FALSE),
                k -> {
                    Map<String, Tally> rejected = new LinkedHashMap<>();
                    int[] pass = new int[hosts.size()];
                    int n = 0;
                    for (int i = 0; i < hosts.size(); i++) {
                        HostSlot h = hosts.get(i);
                        String reason = !h.usable() ? NOT_USABLE : !r.automatic().test(h) ? why.automatic()
                                : requirementStatic && !r.requirement().test(h) ? why.requirement() : null;
                        if (reason == null) {
                            pass[n++] = i;
                        } else {
                            rejected.computeIfAbsent(reason, x -> new Tally()).add(h.id());
                        }
                    }
                    return new Prefilter(java.util.Arrays.copyOf(pass, n), rejected, requirementStatic);
                });
    }

    private int[] allHosts() {
        int[] all = new int[hosts.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return all;
    }

    /** The first per-VM filter that rules host {@code h} out for {@code r}, or null when it passes them all. */
    private String reject(VmRequest r, HostSlot h, Affinity a, int exclude, Reasons why, boolean requirementDone) {
        if (h.id() == exclude) {
            return CURRENT_HOST;
        }
        if (!h.usable()) {
            return NOT_USABLE;
        }
        if (r.clusters() != null && !r.clusters().contains(h.host().clusterId())) {
            return why.cluster();
        }
        if (a != null) {
            String no = a.reject(h);
            if (no != null) {
                return no;
            }
        }
        // requirements before capacity: "which hosts may it use at all" is the first thing a user asks
        if (!requirementDone) {
            if (!r.automatic().test(h)) {
                return why.automatic();
            }
            if (!r.requirement().test(h)) {
                return why.requirement();
            }
        }
        if (h.freeCpu() < r.cpu()) {
            return NO_CPU;
        }
        if (h.freeMem() < r.memKb()) {
            return NO_MEMORY;
        }
        for (int i = 0; i < why.pci().length; i++) {
            if (PciFit.freeMatching(h.pci(), r.pci().get(i)) == 0) {
                return why.pci()[i];
            }
        }
        if (!systemDs.containsKey(h.host().clusterId())) {
            return NO_SYSTEM_DS;
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

    /** Asks the chooser, listing the candidates best rank first. */
    private Choice choose(VmRequest r, HostSlot[] fits, double[] scores, int n) {
        List<Candidate> candidates = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            candidates.add(new Candidate(fits[i], scores[i]));
        }
        // stable: equal ranks keep host ID order
        candidates.sort((a, b) -> Double.compare(b.rank(), a.rank()));
        return chooser.choose(r, candidates);
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

        /** The soft policies never rule a host out: they only say which hosts rank first. */
        boolean prefers(HostSlot h) {
            return switch (role.policy()) {
                case SOFT_AFFINED -> roleHosts.isEmpty() || roleHosts.contains(h.id());
                case SOFT_ANTI_AFFINED -> !roleHosts.contains(h.id());
                default -> true;
            };
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

    /** How many hosts one reason ruled out, and the first (lowest) IDs among them. */
    static final class Tally {
        private static final int SHOWN = 10;
        private final int[] first = new int[SHOWN];
        private int count;

        void add(int hostId) {
            if (count < SHOWN) {
                first[count] = hostId;
            }
            count++;
        }

        @Override
        public String toString() {
            int[] ids = java.util.Arrays.copyOf(first, Math.min(count, SHOWN));
            java.util.Arrays.sort(ids);
            StringBuilder b = new StringBuilder("[");
            for (int k = 0; k < ids.length; k++) {
                b.append(k == 0 ? "" : ", ").append(ids[k]);
            }
            return b.append(count > SHOWN ? ", …]" : "]").toString();
        }
    }

    /** "Cannot dispatch VM: 3 hosts: not enough CPU [0, 1, 2]; 1 host: does not fulfil …". */
    static String message(Map<String, Tally> rejected) {
        if (rejected.isEmpty()) {
            return "Cannot dispatch VM: no hosts";
        }
        StringBuilder b = new StringBuilder("Cannot dispatch VM: ");
        boolean firstReason = true;
        for (Map.Entry<String, Tally> e : rejected.entrySet()) {
            b.append(firstReason ? "" : "; ");
            firstReason = false;
            int n = e.getValue().count;
            b.append(n).append(n == 1 ? " host: " : " hosts: ").append(e.getKey()).append(' ').append(e.getValue());
        }
        return b.toString();
    }
}
