package dev.nimbo.agent.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.host.HostMonitoring;
import dev.nimbo.core.host.NumaNode;
import dev.nimbo.core.host.PciDevice;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The probe on a made-up /proc and /sys: 2 NUMA nodes of 2 cores x 2 threads, hugepages, 3 PCI devices. */
class HostProbeTest {
    @TempDir
    Path dir;

    void write(String path, String text) throws Exception {
        Path p = dir.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    Path fakeTree() throws Exception {
        write("proc/cpuinfo", "processor\t: 0\nmodel name\t: Test CPU 9000\ncpu MHz\t\t: 2400.123\n"
                + "flags\t\t: fpu vmx sse4_2\n\nprocessor\t: 1\nmodel name\t: Test CPU 9000\n");
        write("proc/meminfo", "MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n");
        write("proc/stat", "cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 1 1 1 1\n");
        write("proc/net/dev", "Inter-|\n face |bytes\n    lo: 999 1 0 0 0 0 0 0 999 1 0 0 0 0 0 0\n"
                + "  eth0: 1000 10 0 0 0 0 0 0 2000 20 0 0 0 0 0 0\n");
        // cpus 0-3 on node 0, 4-7 on node 1; threads n and n+2 share a core
        for (int node = 0; node < 2; node++) {
            String n = "sys/devices/system/node/node" + node + "/";
            write(n + "cpulist", node == 0 ? "0-3\n" : "4-7\n");
            write(n + "meminfo", "Node " + node + " MemTotal:  8000000 kB\nNode " + node + " MemFree: 500000 kB\n");
            write(n + "distance", node == 0 ? "10 21\n" : "21 10\n");
            write(n + "hugepages/hugepages-2048kB/nr_hugepages", "64\n");
            write(n + "hugepages/hugepages-2048kB/free_hugepages", "60\n");
            write(n + "hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
            write(n + "hugepages/hugepages-1048576kB/free_hugepages", "0\n");
        }
        for (int cpu = 0; cpu < 8; cpu++) {
            String t = "sys/devices/system/cpu/cpu" + cpu + "/topology/";
            write(t + "physical_package_id", cpu < 4 ? "0\n" : "1\n");
            write(t + "core_id", Integer.toString(cpu % 2) + "\n");
        }
        String pci = "sys/bus/pci/devices/";
        write(pci + "0000:3b:00.0/vendor", "0x8086\n");
        write(pci + "0000:3b:00.0/device", "0x1572\n");
        write(pci + "0000:3b:00.0/class", "0x020000\n");
        write(pci + "0000:3b:00.0/numa_node", "1\n");
        write(pci + "0000:3b:00.0/sriov_totalvfs", "64\n");
        write(pci + "0000:3b:00.0/sriov_numvfs", "2\n");
        write(pci + "0000:3b:02.0/vendor", "0x8086\n");
        write(pci + "0000:3b:02.0/device", "0x154c\n");
        write(pci + "0000:3b:02.0/class", "0x020000\n");
        write(pci + "0000:3b:02.0/numa_node", "1\n");
        Files.createSymbolicLink(dir.resolve(pci + "0000:3b:02.0/physfn"), dir.resolve(pci + "0000:3b:00.0"));
        write(pci + "0000:00:02.0/vendor", "0x1234\n");
        write(pci + "0000:00:02.0/device", "0x1111\n");
        write(pci + "0000:00:02.0/class", "0x030000\n");
        return dir;
    }

    @Test
    void readsTopologyMemoryHugepagesAndPci() throws Exception {
        fakeTree();
        HostProbe p = new HostProbe(dir.resolve("proc"), dir.resolve("sys"), dir.resolve("data"), List.of("8086:*"));
        HostMonitoring m = p.probe("kvm", Map.of("LIBVIRT_VERSION", "9.0.0"));
        assertThat(m.totalCpu()).isEqualTo(800);
        assertThat(m.totalMemKb()).isEqualTo(16_000_000);
        assertThat(m.attributes().get("MODELNAME")).isEqualTo("Test CPU 9000");
        assertThat(m.attributes().get("CPUSPEED")).isEqualTo("2400");
        assertThat(m.attributes().get("KVM_CPU_FEATURES")).isEqualTo("fpu,vmx,sse4_2");
        assertThat(m.attributes().get("LIBVIRT_VERSION")).isEqualTo("9.0.0");
        assertThat(m.sample().capacity("USED_CPU")).isEqualTo(160); // 20 % busy since boot of 800
        assertThat(m.sample().capacity("FREE_MEMORY")).isEqualTo(8_000_000);
        assertThat(m.sample().system().get("NETRX")).isEqualTo("1000");
        assertThat(m.sample().system().get("NETTX")).isEqualTo("2000");

        assertThat(m.numaNodes()).hasSize(2);
        NumaNode n1 = m.numaNodes().get(1);
        assertThat(n1.cores()).extracting(NumaNode.Core::cpus).containsExactly("4:-1,6:-1", "5:-1,7:-1");
        assertThat(n1.hugePages()).containsExactly(new NumaNode.HugePage(2048, 64, 0),
                new NumaNode.HugePage(1048576, 0, 0));
        assertThat(n1.memory()).isEqualTo(new NumaNode.Memory("1 0", 8_000_000, 0));
        assertThat(m.sample().numa().get(1).hugePages().get(0).free()).isEqualTo(60);

        assertThat(m.pciDevices()).extracting(PciDevice::address).containsExactly("0000:3b:00:0", "0000:3b:02:0");
        PciDevice pf = m.pciDevices().get(0);
        assertThat(pf.get("SRIOV")).isEqualTo("pf");
        assertThat(pf.get("SRIOV_NUM")).isEqualTo("2");
        assertThat(pf.get("TYPE")).isEqualTo("8086:1572:0200");
        assertThat(pf.get("SHORT_ADDRESS")).isEqualTo("3b:00.0");
        assertThat(pf.get("NUMA_NODE")).isEqualTo("1");
        assertThat(m.pciDevices().get(1).get("SRIOV")).isEqualTo("vf");
        assertThat(m.pciDevices().get(1).get("PARENT")).isEqualTo("0000:3b:00.0");
    }

    @Test
    void noPciFilterReportsNoDevices() throws Exception {
        fakeTree();
        HostProbe p = new HostProbe(dir.resolve("proc"), dir.resolve("sys"), dir.resolve("data"), List.of());
        assertThat(p.probe("kvm", Map.of()).pciDevices()).isEmpty();
    }

    @Test
    void cpuLists() {
        assertThat(HostProbe.cpuList("0-2,5,7-8\n")).containsExactly(0, 1, 2, 5, 7, 8);
        assertThat(HostProbe.orderByDistance(1, new String[] {"21", "10", "31"})).isEqualTo("1 0 2");
    }
}
