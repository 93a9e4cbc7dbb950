package dev.nimbo.core.epa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostShare;
import dev.nimbo.core.host.NumaNode;
import dev.nimbo.core.host.PciDevice;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Pinning, hugepages, node affinity and PCI assignment on a 2-node host: 4 cores × 2 threads per node. */
class EpaTest {

    /** Node n has cores 4n..4n+3, core c has threads c and c+8; 8 GB and 2 MB pages (1024) / 1 GB pages (2) each. */
    static Host host(List<PciDevice> pci) {
        List<NumaNode> nodes = new ArrayList<>();
        for (int n = 0; n < 2; n++) {
            List<NumaNode.Core> cores = new ArrayList<>();
            for (int c = 4 * n; c < 4 * n + 4; c++) {
                cores.add(NumaNode.Core.fresh(c, List.of(c, c + 8), 1));
            }
            nodes.add(new NumaNode(n, cores, List.of(new NumaNode.HugePage(2048, 1024, 0),
                    new NumaNode.HugePage(1048576, 2, 0)), new NumaNode.Memory(n == 0 ? "0 1" : "1 0", 8L << 20, 0)));
        }
        HostShare s = new HostShare(0, 0, 16L << 20, 1600, 16L << 20, 1600, 0, 1, HostShare.Disk.EMPTY, pci, nodes);
        return Host.create(0, "h0", "dummy", "dummy", 0, "default").withShare(s);
    }

    /** One-line templates for brevity: attributes outside brackets go on their own lines. */
    static Template vm(String text) {
        return Template.parse(text.replaceAll(" (?=[A-Z_]+=(?![^\\[]*\\]))", "\n"));
    }

    static String cpus(Host h, int node, int core) {
        return h.share().numaNodes().get(node).cores().get(core).cpus();
    }

    static List<VectorAttribute> numa(Template t) {
        return t.vectors("NUMA_NODE");
    }

    @Test
    void corePolicyTakesWholeCoresAndLeavesSiblingsUnused() {
        Epa.Acquired a = Epa.acquire(host(List.of()), 7, vm("VCPU=2 MEMORY=1024 TOPOLOGY=[PIN_POLICY=CORE]"));
        assertThat(cpus(a.host(), 0, 0)).isEqualTo("0:7,8:-2");
        assertThat(cpus(a.host(), 0, 1)).isEqualTo("1:7,9:-2");
        assertThat(cpus(a.host(), 0, 2)).isEqualTo("2:-1,10:-1");
        NumaNode.Core c0 = a.host().share().numaNodes().get(0).cores().get(0);
        assertThat(c0.dedicated()).isTrue();
        assertThat(c0.free()).isZero();
        assertThat(a.host().share().numaNodes().get(0).memory().usageKb()).isEqualTo(1024 * 1024);
        assertThat(numa(a.vmTemplate())).singleElement().satisfies(v -> {
            assertThat(v.get("CPUS")).isEqualTo("0,1");
            assertThat(v.get("MEMORY_NODE_ID")).isEqualTo("0");
            assertThat(v.get("TOTAL_CPUS")).isEqualTo("2");
            assertThat(v.get("MEMORY")).isEqualTo("1024");
        });
        Host back = Epa.release(a.host(), 7, a.vmTemplate());
        assertThat(back.share().numaNodes()).isEqualTo(host(List.of()).share().numaNodes());
    }

    @Test
    void threadPolicyTakesSiblingThreadsFirst() {
        Epa.Acquired a = Epa.acquire(host(List.of()), 3,
                vm("VCPU=4 MEMORY=2048 TOPOLOGY=[PIN_POLICY=THREAD, SOCKETS=2]"));
        List<VectorAttribute> n = numa(a.vmTemplate());
        assertThat(n).hasSize(2);
        assertThat(n.get(0).get("CPUS")).isEqualTo("0,8");
        assertThat(n.get(1).get("CPUS")).isEqualTo("1,9");
        assertThat(n.get(1).get("MEMORY_NODE_ID")).isEqualTo("0");
        assertThat(cpus(a.host(), 0, 0)).isEqualTo("0:3,8:3");
        assertThat(a.host().share().numaNodes().get(0).cores().get(0).dedicated()).isFalse();
        assertThat(a.host().share().numaNodes().get(0).cores().get(0).free()).isZero();
        assertThat(Epa.release(a.host(), 3, a.vmTemplate()).share().numaNodes())
                .isEqualTo(host(List.of()).share().numaNodes());
    }

    @Test
    void threadPolicyRefusesMoreThreadsPerCoreThanTheHostHas() {
        assertThatThrownBy(() -> Epa.acquire(host(List.of()), 3,
                vm("VCPU=4 MEMORY=2048 TOPOLOGY=[PIN_POLICY=THREAD, SOCKETS=1, CORES=1, THREADS=4]")))
                .isInstanceOf(EpaException.class).hasMessageContaining("THREADS = 4 but the host's cores have 2");
    }

    @Test
    void sharedPolicyCountsVcpusWithoutOwningThreads() {
        Epa.Acquired a = Epa.acquire(host(List.of()), 5, vm("VCPU=3 MEMORY=512 TOPOLOGY=[PIN_POLICY=SHARED]"));
        assertThat(cpus(a.host(), 0, 0)).isEqualTo("0:-1,8:-1");
        assertThat(a.host().share().numaNodes().get(0).cores().get(0).free()).isZero();
        assertThat(a.host().share().numaNodes().get(0).cores().get(1).free()).isEqualTo(1);
        assertThat(numa(a.vmTemplate()).get(0).get("CPUS")).isEqualTo("0,8,1");
        // another SHARED VM still finds room; a CORE VM cannot use the partly shared cores
        Epa.Acquired b = Epa.acquire(a.host(), 6, vm("VCPU=4 MEMORY=512 TOPOLOGY=[PIN_POLICY=CORE]"));
        assertThat(numa(b.vmTemplate()).get(0).get("CPUS")).isEqualTo("4,5,6,7");
        assertThat(numa(b.vmTemplate()).get(0).get("MEMORY_NODE_ID")).isEqualTo("1"); // node 0 has 2 whole cores
        Host back = Epa.release(Epa.release(b.host(), 6, b.vmTemplate()), 5, a.vmTemplate());
        assertThat(back.share().numaNodes()).isEqualTo(host(List.of()).share().numaNodes());
    }

    @Test
    void asymmetricVirtualNodesEachGetTheirOwnPlace() {
        Template t = vm("VCPU=6 MEMORY=3072 TOPOLOGY=[PIN_POLICY=CORE, SOCKETS=2] "
                + "NUMA_NODE=[TOTAL_CPUS=2, MEMORY=1024] NUMA_NODE=[TOTAL_CPUS=4, MEMORY=2048]");
        Epa.Acquired a = Epa.acquire(host(List.of()), 9, t);
        List<VectorAttribute> n = numa(a.vmTemplate());
        assertThat(n).hasSize(2);
        // the bigger virtual node is placed first and fills node 0; the smaller one goes to node 1
        assertThat(n.get(1).get("TOTAL_CPUS")).isEqualTo("4");
        assertThat(n.get(1).get("CPUS")).isEqualTo("0,1,2,3");
        assertThat(n.get(1).get("MEMORY_NODE_ID")).isEqualTo("0");
        assertThat(n.get(0).get("CPUS")).isEqualTo("4,5");
        assertThat(n.get(0).get("MEMORY_NODE_ID")).isEqualTo("1");
        assertThat(a.host().share().numaNodes().get(1).memory().usageKb()).isEqualTo(1024 * 1024);
        assertThat(a.host().share().numaNodes().get(0).memory().usageKb()).isEqualTo(2048 * 1024);
        assertThat(Epa.release(a.host(), 9, a.vmTemplate()).share().numaNodes())
                .isEqualTo(host(List.of()).share().numaNodes());
    }

    @Test
    void hugepagesWithoutPinningGoToTheNodeWithMostFreePages() {
        Epa.Acquired a = Epa.acquire(host(List.of()), 1, vm("VCPU=2 MEMORY=1024 TOPOLOGY=[HUGEPAGE_SIZE=2]"));
        assertThat(numa(a.vmTemplate()).get(0).get("MEMORY_NODE_ID")).isEqualTo("0");
        assertThat(a.host().share().numaNodes().get(0).hugePages().get(0).usage()).isEqualTo(512);
        Epa.Acquired b = Epa.acquire(a.host(), 2, vm("VCPU=1 MEMORY=512 TOPOLOGY=[HUGEPAGE_SIZE=2]"));
        assertThat(numa(b.vmTemplate()).get(0).get("MEMORY_NODE_ID")).isEqualTo("1");
        // vCPUs are not pinned: the whole node's threads, no core taken
        assertThat(numa(b.vmTemplate()).get(0).get("CPUS")).isEqualTo("4,5,6,7,12,13,14,15");
        assertThat(cpus(b.host(), 1, 0)).isEqualTo("4:-1,12:-1");
        Host back = Epa.release(Epa.release(b.host(), 2, b.vmTemplate()), 1, a.vmTemplate());
        assertThat(back.share().numaNodes()).isEqualTo(host(List.of()).share().numaNodes());
    }

    @Test
    void nodeAffinityAndMissingHugepageSizes() {
        Epa.Acquired a = Epa.acquire(host(List.of()), 4,
                vm("VCPU=2 MEMORY=2048 TOPOLOGY=[NODE_AFFINITY=1, HUGEPAGE_SIZE=1024]"));
        assertThat(numa(a.vmTemplate()).get(0).get("MEMORY_NODE_ID")).isEqualTo("1");
        assertThat(a.host().share().numaNodes().get(1).hugePages().get(1).usage()).isEqualTo(2);
        assertThatThrownBy(() -> Epa.acquire(a.host(), 5, vm("VCPU=1 MEMORY=1024 TOPOLOGY=[NODE_AFFINITY=1, HUGEPAGE_SIZE=1024]")))
                .isInstanceOf(EpaException.class).hasMessage("NUMA node 1: needs 1 free hugepages of 1 GB, has 0");
        assertThatThrownBy(() -> Epa.acquire(host(List.of()), 5, vm("VCPU=1 MEMORY=64 TOPOLOGY=[HUGEPAGE_SIZE=16]")))
                .isInstanceOf(EpaException.class).hasMessageContaining("no hugepages of 16 MB");
        assertThatThrownBy(() -> Epa.acquire(host(List.of()), 5, vm("VCPU=1 MEMORY=64 TOPOLOGY=[NODE_AFFINITY=3]")))
                .isInstanceOf(EpaException.class).hasMessageContaining("no such NUMA node");
    }

    @Test
    void impossibleTopologiesAreRefusedWhateverTheHost() {
        assertThatThrownBy(() -> Topology.of(vm("VCPU=4 MEMORY=1024 TOPOLOGY=[PIN_POLICY=CORE, SOCKETS=2, CORES=1, THREADS=1]")))
                .isInstanceOf(EpaException.class).hasMessageContaining("= 2 vCPUs, but VCPU = 4");
        assertThatThrownBy(() -> Topology.of(vm("VCPU=4 MEMORY=1024 TOPOLOGY=[PIN_POLICY=CORE] NUMA_NODE=[TOTAL_CPUS=1, MEMORY=1024]")))
                .isInstanceOf(EpaException.class).hasMessageContaining("TOTAL_CPUS add up to 1");
        assertThatThrownBy(() -> Topology.of(vm("VCPU=1 MEMORY=1024 TOPOLOGY=[PIN_POLICY=FAST]")))
                .isInstanceOf(EpaException.class).hasMessageContaining("unknown PIN_POLICY");
        assertThat(Topology.of(vm("VCPU=2 MEMORY=1024 TOPOLOGY=[SOCKETS=1, CORES=2, THREADS=1]"))).isNull();
    }

    @Test
    void coresAreNeverGivenTwiceAndExhaustionIsReported() {
        Host h = host(List.of());
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (int vm = 0; vm < 8; vm++) {
            Epa.Acquired a = Epa.acquire(h, vm, vm("VCPU=1 MEMORY=128 TOPOLOGY=[PIN_POLICY=CORE]"));
            h = a.host();
            assertThat(seen.add(numa(a.vmTemplate()).get(0).get("CPUS"))).isTrue();
        }
        Host full = h;
        assertThatThrownBy(() -> Epa.acquire(full, 99, vm("VCPU=1 MEMORY=128 TOPOLOGY=[PIN_POLICY=THREAD]")))
                .isInstanceOf(EpaException.class).hasMessageContaining("needs 1 free threads, has 0");
    }

    static PciDevice pci(String addr, String device, String sriov, int node) {
        return PciDevice.of(Map.of("ADDRESS", "0000:" + addr, "SHORT_ADDRESS", addr, "VENDOR", "15b3", "DEVICE", device,
                "CLASS", "0200", "SRIOV", sriov, "NUMA_NODE", Integer.toString(node)));
    }

    @Test
    void pciRequestsGetFreeVirtualFunctionsAndPullPinnedVmsToTheirNode() {
        List<PciDevice> devices = List.of(pci("3b:00.0", "101b", "pf", 1), pci("3b:00.1", "101c", "vf", 1),
                pci("3b:00.2", "101c", "vf", 1));
        Template t = vm("VCPU=2 MEMORY=1024 TOPOLOGY=[PIN_POLICY=CORE] PCI=[VENDOR=15b3, CLASS=0200]");
        Epa.Acquired a = Epa.acquire(host(devices), 11, t);
        VectorAttribute p = a.vmTemplate().vectors("PCI").get(0);
        assertThat(p.get("SHORT_ADDRESS")).isEqualTo("3b:00.1"); // a VF before the PF
        assertThat(p.get("VENDOR")).isEqualTo("15b3");
        assertThat(a.host().share().pciDevices().get(1).vmid()).isEqualTo(11);
        assertThat(numa(a.vmTemplate()).get(0).get("MEMORY_NODE_ID")).isEqualTo("1"); // NUMA-IO affinity
        Epa.Acquired b = Epa.acquire(a.host(), 12, vm("VCPU=1 MEMORY=128 PCI=[DEVICE=101c]"));
        assertThat(b.vmTemplate().vectors("PCI").get(0).get("SHORT_ADDRESS")).isEqualTo("3b:00.2");
        assertThatThrownBy(() -> Epa.acquire(b.host(), 13, vm("VCPU=1 MEMORY=128 PCI=[DEVICE=101c]")))
                .isInstanceOf(EpaException.class).hasMessage("no free PCI device for PCI [DEVICE=101c]");
        // a granted vector still asks by VENDOR/CLASS, not by the address it got
        assertThat(PciFit.matches(pci("af:00.3", "1018", "vf", 0), p)).isTrue();
    }

    @Test
    void aMigrationKeepsTheSourcePlacementUntilOneHostIsHeld() {
        Template onSource = Template.parse("TOPOLOGY = [ PIN_POLICY = THREAD ]\n"
                + "NUMA_NODE = [ CPUS = \"0,1\", MEMORY = 512, MEMORY_NODE_ID = 0, NODE_ID = 0, TOTAL_CPUS = 2 ]");
        Template kept = Epa.keepSource(onSource, 4);
        assertThat(kept.vectors(Epa.SOURCE_PLACEMENT)).singleElement()
                .satisfies(v -> assertThat(v.get("HOST_ID")).isEqualTo("4"));
        // the target's placement replaces the NUMA_NODEs; the source's stays readable by host
        Template onTarget = kept.without("NUMA_NODE").add(Template.parse(
                "NUMA_NODE = [ CPUS = \"24,25\", MEMORY = 512, MEMORY_NODE_ID = 1, NODE_ID = 0, TOTAL_CPUS = 2 ]")
                .vectors("NUMA_NODE").get(0));
        assertThat(Epa.onHost(onTarget, 4).vectors("NUMA_NODE").get(0).get("MEMORY_NODE_ID")).isEqualTo("0");
        assertThat(Epa.onHost(onTarget, 4).vectors("NUMA_NODE").get(0).get("HOST_ID")).isNull();
        assertThat(Epa.onHost(onTarget, 9)).isSameAs(onTarget);
        // both hosts held: nothing changes; on the target: the record goes; back on the source: it is restored
        assertThat(Epa.settleSource(onTarget, java.util.Set.of(4, 9))).isSameAs(onTarget);
        Template done = Epa.settleSource(onTarget, java.util.Set.of(9));
        assertThat(done.vectors(Epa.SOURCE_PLACEMENT)).isEmpty();
        assertThat(done.vectors("NUMA_NODE").get(0).get("CPUS")).isEqualTo("24,25");
        Template reverted = Epa.settleSource(onTarget, java.util.Set.of(4));
        assertThat(reverted.vectors(Epa.SOURCE_PLACEMENT)).isEmpty();
        assertThat(reverted.vectors("NUMA_NODE")).singleElement()
                .satisfies(v -> assertThat(v.get("CPUS")).isEqualTo("0,1"));
    }
}
