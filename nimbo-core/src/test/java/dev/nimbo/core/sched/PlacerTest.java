package dev.nimbo.core.sched;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostShare;
import dev.nimbo.core.host.HostState;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.state.ObjectTable;
import dev.nimbo.core.state.Record;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One scheduling cycle over hosts built in memory: policies, plans seen by later VMs, datastores, messages. */
class PlacerTest {
    final ObjectTable view = new ObjectTable();

    static Host host(int id, int clusterId, long cpu, String template) {
        Host h = Host.create(id, "h" + id, "dummy", "dummy", clusterId, "c" + clusterId)
                .withShare(new HostShare(0, 0, 8L << 20, cpu, 8L << 20, cpu, 0, 1, HostShare.Disk.EMPTY, List.of(),
                        List.of()))
                .withState(HostState.MONITORED);
        return template.isEmpty() ? h : h.withUserTemplate(h.template().update(Template.parse(template), true), null);
    }

    static Datastore systemDs(int id, int clusterId, long freeMb, String template) {
        return new Datastore(id, "sys" + id, 0, 0, "oneadmin", "oneadmin", new Permissions(0660), "-", "ssh", "/var",
                Datastore.SYSTEM_DS, 0, Datastore.READY, Set.of(clusterId), 100_000, freeMb, 100_000 - freeMb, Set.of(),
                Template.parse(template.isEmpty() ? "TYPE = SYSTEM_DS" : template));
    }

    static VirtualMachine vm(int id, String template) {
        Template t = Template.parse(template);
        Template sys = Template.EMPTY.with("CPU", t.get("CPU")).with("MEMORY", t.get("MEMORY"));
        for (var d : t.vectors("DISK")) {
            sys = sys.add(d);
        }
        return VirtualMachine.builder(id, "vm" + id, VmState.PENDING).vmTemplate(sys)
                .userTemplate(t.without("CPU").without("MEMORY").without("DISK")).build();
    }

    Placer placer(String policy, List<Host> hosts, List<Datastore> dss) {
        for (int c : List.of(0, 100)) {
            view.apply(new Record.Put(Cluster.create(c, "c" + c)));
        }
        List<HostSlot> slots = new ArrayList<>();
        for (Host h : hosts) {
            slots.add(new HostSlot(h, (Cluster) view.get(dev.nimbo.core.obj.ObjectType.CLUSTER, h.clusterId())));
        }
        return new Placer(SchedPolicy.host(policy, "FREE_CPU_ALLOCATABLE * 2 - ID"), SchedPolicy.datastore("striping", null),
                slots, dss.stream().map(DatastoreSlot::new).toList(), new HashMap<>(), new HashMap<>());
    }

    int place(Placer p, VirtualMachine vm) {
        Placer.Outcome o = p.place(VmRequest.of(vm, view), -1);
        return o instanceof Placer.Placed pl ? pl.hostId() : -1;
    }

    List<Integer> placeAll(Placer p, int n, String template) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(place(p, vm(i, template)));
        }
        return out;
    }

    final List<Datastore> ds0 = List.of(systemDs(0, 0, 50_000, ""));

    @Test
    void stripingSpreadsAndPackingFillsUsingThePlansOfTheCycle() {
        List<Host> hosts = List.of(host(0, 0, 400, ""), host(1, 0, 400, ""), host(2, 0, 400, ""));
        assertThat(placeAll(placer("striping", hosts, ds0), 6, "CPU = 1\nMEMORY = 64"))
                .containsExactly(0, 1, 2, 0, 1, 2);
        assertThat(placeAll(placer("packing", hosts, ds0), 6, "CPU = 1\nMEMORY = 64"))
                .containsExactly(0, 0, 0, 0, 1, 1); // 4 CPUs per host, then the next
    }

    @Test
    void customPolicyAndExplicitRank() {
        List<Host> hosts = List.of(host(0, 0, 200, ""), host(1, 0, 800, ""), host(2, 0, 400, ""));
        // custom: 2 × free CPU − ID, recomputed as the cycle plans
        assertThat(placeAll(placer("custom", hosts, ds0), 4, "CPU = 2\nMEMORY = 64")).containsExactly(1, 1, 1, 2);
        // an explicit SCHED_RANK beats the policy
        assertThat(place(placer("striping", hosts, ds0), vm(9, "CPU = 1\nMEMORY = 64\nSCHED_RANK = \"- ID\"")))
                .isZero();
    }

    @Test
    void requirementsWildcardsAndClusterAttributes() {
        List<Host> hosts = List.of(host(0, 0, 400, "COLOR = \"red\""), host(1, 0, 400, "COLOR = \"green-2\""),
                host(2, 0, 400, "COLOR = \"green-1\""));
        Placer p = placer("packing", hosts, ds0);
        assertThat(place(p, vm(1, "CPU = 1\nMEMORY = 64\nSCHED_REQUIREMENTS = \"COLOR = \\\"green*\\\" & FREE_CPU_ALLOCATABLE > 100\"")))
                .isEqualTo(1);
        assertThat(place(p, vm(2, "CPU = 1\nMEMORY = 64\nSCHED_REQUIREMENTS = \"CLUSTER_ID = 0 & !(NAME = h1)\"")))
                .isZero();
        Placer.Outcome none = p.place(VmRequest.of(vm(3, "CPU = 1\nMEMORY = 64\nSCHED_REQUIREMENTS = \"COLOR = blue\""), view), -1);
        assertThat(none).isEqualTo(new Placer.Unplaced(
                "Cannot dispatch VM: 3 hosts: does not fulfil SCHED_REQUIREMENTS: COLOR = blue [0, 1, 2]"));
    }

    @Test
    void datastoresFollowTheirRequirementsRankAndSpace() {
        List<Host> hosts = List.of(host(0, 0, 400, ""), host(1, 100, 400, ""));
        List<Datastore> dss = List.of(systemDs(0, 0, 1_000, ""), systemDs(101, 100, 30_000, "TYPE = SYSTEM_DS\nSPEED = fast"),
                systemDs(102, 100, 60_000, "TYPE = SYSTEM_DS\nSPEED = slow"));
        Placer p = placer("striping", hosts, dss);
        Placer.Outcome o = p.place(VmRequest.of(vm(1, "CPU = 1\nMEMORY = 64\nSCHED_DS_REQUIREMENTS = \"SPEED = fast\""),
                view), -1);
        assertThat(o).isEqualTo(new Placer.Placed(1, 101, "ssh"));
        // striping on FREE_MB: the emptier one; a volatile disk too big for datastore 0 keeps the VM off host 0
        o = p.place(VmRequest.of(vm(2, "CPU = 1\nMEMORY = 64\nDISK = [ TYPE = fs, SIZE = 5000 ]"), view), -1);
        assertThat(o).isEqualTo(new Placer.Placed(1, 102, "ssh"));
        o = p.place(VmRequest.of(vm(3, "CPU = 1\nMEMORY = 64\nSCHED_DS_RANK = \"- FREE_MB\""), view), -1);
        assertThat(o).isEqualTo(new Placer.Placed(0, 0, "ssh")); // host 0 ranks first (striping), ds 0 is its only one
    }

    @Test
    void reasonsAreCountedPerFilter() {
        Host off = host(3, 0, 400, "").disable();
        List<Host> hosts = List.of(host(0, 0, 100, ""), host(1, 0, 400, "PIN_POLICY = PINNED"), host(2, 0, 50, ""), off);
        Placer.Outcome o = placer("striping", hosts, ds0).place(VmRequest.of(vm(1, "CPU = 2\nMEMORY = 64"), view), -1);
        assertThat(o).isEqualTo(new Placer.Unplaced("Cannot dispatch VM: "
                + "1 host: does not fulfil AUTOMATIC_REQUIREMENTS: !(PIN_POLICY = PINNED) [1]; "
                + "1 host: host not monitored or disabled [3]; 2 hosts: not enough CPU [0, 2]"));
        o = placer("striping", hosts, ds0).place(VmRequest.of(vm(1, "CPU = 1\nMEMORY = 64\nSCHED_RANK = \"(\""), view), -1);
        assertThat(((Placer.Unplaced) o).message()).startsWith("SCHED_RANK: syntax error at position 1");
    }

    /**
     * {@code n} VMs of CPU 1 in role {@code r} of a group whose role has {@code policy}, placed in turn over hosts
     * of {@code cpu} each (the role's members known up front, as the scheduler loop knows them).
     */
    List<Integer> placeRole(String hostPolicy, String policy, int hostCount, long cpu, int n) {
        view.apply(new Record.Put(dev.nimbo.core.vmgroup.VmGroup.create(7, "g", 0, 0, "oneadmin", "oneadmin",
                new Permissions(0600), Template.parse("ROLE = [ NAME = r, POLICY = " + policy + " ]"))));
        List<Host> hosts = new ArrayList<>();
        for (int i = 0; i < hostCount; i++) {
            hosts.add(host(i, 0, cpu, ""));
        }
        placer(hostPolicy, hosts, ds0); // the clusters
        java.util.Map<String, Set<Integer>> members = new HashMap<>();
        members.put(Placer.roleKey(7, "r"), new java.util.TreeSet<>(java.util.stream.IntStream.range(0, n).boxed().toList()));
        Placer p = new Placer(SchedPolicy.host(hostPolicy, "FREE_CPU_ALLOCATABLE * 2 - ID"), SchedPolicy.datastore("striping", null),
                hosts.stream().map(h -> new HostSlot(h, (Cluster) view.get(dev.nimbo.core.obj.ObjectType.CLUSTER, 0))).toList(),
                ds0.stream().map(DatastoreSlot::new).toList(), new HashMap<>(), members);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            VirtualMachine v = vm(i, "CPU = 1\nMEMORY = 64");
            v = v.toBuilder().vmTemplate(v.vmTemplate().with(new dev.nimbo.core.template.VectorAttribute("VMGROUP",
                    List.of()).with("VMGROUP_ID", "7").with("ROLE", "r"))).build();
            out.add(place(p, v));
        }
        return out;
    }

    @Test
    void softAffinityPacksTheRoleWhileThereIsRoomThenSpreads() {
        // striping alone would give 0, 1, 2, 0: the preference keeps the role on host 0 until it is full (2 VMs)
        assertThat(placeRole("striping", "NONE", 3, 200, 4)).containsExactly(0, 1, 2, 0);
        assertThat(placeRole("striping", "SOFT_AFFINED", 3, 200, 4)).containsExactly(0, 0, 1, 1);
    }

    @Test
    void softAntiAffinitySpreadsWhilePossibleAndStillPlaces() {
        // packing alone would give 0, 0, 1, 1; apart while a host without the role is left, then placed anyway
        assertThat(placeRole("packing", "NONE", 2, 200, 5)).containsExactly(0, 0, 1, 1, -1);
        assertThat(placeRole("packing", "SOFT_ANTI_AFFINED", 2, 200, 5)).containsExactly(0, 1, 0, 1, -1);
    }

    @Test
    void reschedulingSkipsTheCurrentHost() {
        List<Host> hosts = List.of(host(0, 0, 400, ""), host(1, 0, 400, ""));
        Placer.Outcome o = placer("striping", hosts, ds0).place(VmRequest.of(vm(1, "CPU = 1\nMEMORY = 64"), view), 0);
        assertThat(o).isEqualTo(new Placer.Placed(1, 0, "ssh"));
    }

    @Test
    void decisionsNotYetAppliedAreCountedOnTheNextSnapshot() {
        List<Host> hosts = List.of(host(0, 0, 200, ""), host(1, 0, 200, ""));
        VmRequest first = VmRequest.of(vm(1, "CPU = 2\nMEMORY = 64"), view);
        Placer.Placed planned = new Placer.Placed(0, 0, "ssh");
        // the controller has not applied VM 1's deploy: host 0 is full in the new cycle's eyes
        Placer next = placer("packing", hosts, ds0);
        next.replay(first, planned);
        assertThat(place(next, vm(2, "CPU = 2\nMEMORY = 64"))).isEqualTo(1);
        // applied already (the host lists the VM): nothing is counted twice
        Host applied = hosts.get(0).withVms(Set.of(1)).withShare(new HostShare(64 * 1024, 200, 8L << 20, 200,
                8L << 20, 200, 1, 1, HostShare.Disk.EMPTY, List.of(), List.of()));
        Placer again = placer("packing", List.of(applied, hosts.get(1)), ds0);
        again.replay(first, planned);
        assertThat(place(again, vm(3, "CPU = 2\nMEMORY = 64"))).isEqualTo(1);
        assertThat(place(again, vm(4, "CPU = 2\nMEMORY = 64"))).isEqualTo(-1);
    }
}
