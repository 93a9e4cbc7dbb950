package dev.nimbo.drivers.im;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostMonitoring;
import dev.nimbo.core.host.MonitoringException;
import dev.nimbo.core.host.NumaNode;
import dev.nimbo.core.host.PciDevice;
import dev.nimbo.core.template.Template;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class DummyHardwareTest {

    static DummyHardware hw(String template) {
        return DummyHardware.from(Template.parse(template));
    }

    @Test
    void defaultProfileIsASmallMachine() {
        DummyHardware h = hw("");
        assertThat(h.profile()).isEqualTo("small");
        assertThat(h.totalCpu()).isEqualTo(800);
        assertThat(h.totalMemoryKb()).isEqualTo(8L * 1024 * 1024);
        assertThat(h.pciDevices()).isEmpty();
        assertThat(h.hugePages()).extracting(DummyHardware.HugePages::sizeKb).containsExactly(2048L, 1048576L);
    }

    @Test
    void templateAttributesBuildTheTopology() {
        DummyHardware h = hw("""
                NUMA_NODES = 2
                CORES_PER_NODE = 8
                THREADS_PER_CORE = 2
                MEMORY_PER_NODE = 32G
                HUGEPAGES = "2M:1024 1G:4"
                PCI = "0000:3b:00.0 15b3 1017 0200 SRIOV_VFS=8"
                DISK_SIZE = 1T
                CPU_MODEL = "Test CPU"
                DUMMY_REPORT = [ SITE = "edge-7", RACK = "r1" ]
                """);
        assertThat(h.totalCpu()).isEqualTo(3200);
        assertThat(h.totalMemoryKb()).isEqualTo(64L * 1024 * 1024);
        assertThat(h.diskMb()).isEqualTo(1024L * 1024);
        assertThat(h.cpuModel()).isEqualTo("Test CPU");
        assertThat(h.reported()).containsEntry("SITE", "edge-7").containsEntry("RACK", "r1");

        List<NumaNode> nodes = h.topology();
        assertThat(nodes).hasSize(2);
        assertThat(nodes.get(0).cores()).hasSize(8);
        // Linux numbering: core c of node n is n*8+c, its sibling thread + 16
        assertThat(nodes.get(0).cores().get(0).cpus()).isEqualTo("0:-1,16:-1");
        assertThat(nodes.get(1).cores().get(7).cpus()).isEqualTo("15:-1,31:-1");
        assertThat(nodes.get(1).cores().get(7).free()).isEqualTo(2);
        assertThat(nodes.get(0).threadCount()).isEqualTo(16);
        assertThat(nodes.get(1).memory().distance()).isEqualTo("1 0");
        assertThat(nodes.get(0).hugePages()).containsExactly(new NumaNode.HugePage(2048, 1024, 0),
                new NumaNode.HugePage(1048576, 4, 0));

        List<PciDevice> pci = h.pciDevices();
        assertThat(pci).hasSize(9);
        PciDevice pf = pci.get(0);
        assertThat(pf.address()).isEqualTo("0000:3b:00:0");
        assertThat(pf.get("SHORT_ADDRESS")).isEqualTo("3b:00.0");
        assertThat(pf.sriov()).isEqualTo("pf");
        assertThat(pf.get("SRIOV_NUM")).isEqualTo("8");
        assertThat(pf.get("VENDOR_NAME")).isEqualTo("Mellanox Technologies");
        assertThat(pf.get("DEVICE_NAME")).contains("ConnectX-5");
        assertThat(pf.get("IFNAME")).isEqualTo("enp59s0f0");
        assertThat(pf.vmid()).isEqualTo(-1);
        assertThat(pci.subList(1, 9)).extracting(PciDevice::address).containsExactly("0000:3b:01:0", "0000:3b:01:1",
                "0000:3b:01:2", "0000:3b:01:3", "0000:3b:01:4", "0000:3b:01:5", "0000:3b:01:6", "0000:3b:01:7");
        assertThat(pci.get(1).get("DEVICE")).isEqualTo("1018");
        assertThat(pci.get(1).sriov()).isEqualTo("vf");
        assertThat(pci.get(1).get("IFNAME")).isEqualTo("enp59s0f0v0");
    }

    @Test
    void profilesAndOverrides() {
        DummyHardware telco = hw("DUMMY_PROFILE = telco-large");
        assertThat(telco.totalCpu()).isEqualTo(9600);
        assertThat(telco.pciDevices()).hasSize(34);
        assertThat(telco.pciDevices().get(17).get("NUMA_NODE")).isEqualTo("1");
        assertThat(hw("DUMMY_PROFILE = Edge-Small").pciDevices()).hasSize(5);
        assertThat(hw("DUMMY_PROFILE = gpu").pciDevices()).extracting(p -> p.get("CLASS_NAME")).containsOnly("3D controller");
        // an attribute overrides its profile value; own PCI lines replace the profile's devices
        DummyHardware custom = hw("DUMMY_PROFILE = telco-large\nNUMA_NODES = 1\nPCI = \"65:00.0 8086 1572 0200\"\n"
                + "PCI = \"66:00.0 8086 1572 0200 IFNAME=uplink; 67:00.0 10de 20b5 0302\"");
        assertThat(custom.totalCpu()).isEqualTo(4800);
        assertThat(custom.pciDevices()).extracting(PciDevice::address)
                .containsExactly("0000:65:00:0", "0000:66:00:0", "0000:67:00:0");
        assertThat(custom.pciDevices().get(1).get("IFNAME")).isEqualTo("uplink");
        assertThat(custom.pciDevices().get(2).get("IFNAME")).isEqualTo("-");
        assertThat(DummyHardware.profiles()).contains("small", "edge-small", "edge-medium", "telco-large", "gpu");
    }

    @Test
    void sizes() {
        assertThat(DummyHardware.sizeKb("X", "512", 1024)).isEqualTo(512L * 1024);
        assertThat(DummyHardware.sizeKb("X", "512M", 1024)).isEqualTo(512L * 1024);
        assertThat(DummyHardware.sizeKb("X", "32GB", 1024)).isEqualTo(32L * 1024 * 1024);
        assertThat(DummyHardware.sizeKb("X", "2t", 1024)).isEqualTo(2L * 1024 * 1024 * 1024);
        assertThat(DummyHardware.sizeKb("X", "4096K", 1024)).isEqualTo(4096);
        assertThat(DummyHardware.hugePages("")).isEmpty();
        assertThat(DummyHardware.hugePages("1G:4,2M:16")).containsExactly(new DummyHardware.HugePages(2048, 16),
                new DummyHardware.HugePages(1048576, 4));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "DUMMY_PROFILE = huge                              | DUMMY_PROFILE must be one of small, edge-small",
        "NUMA_NODES = 0                                    | NUMA_NODES must be an integer from 1 to 64, got '0'",
        "NUMA_NODES = two                                  | NUMA_NODES must be an integer",
        "THREADS_PER_CORE = 9                              | THREADS_PER_CORE must be an integer from 1 to 8",
        "MEMORY_PER_NODE = lots                            | MEMORY_PER_NODE must be a size",
        "MEMORY_PER_NODE = 0                               | MEMORY_PER_NODE must be a positive size",
        "HUGEPAGES = 2M                                    | HUGEPAGES must be SIZE:COUNT pairs",
        "HUGEPAGES = \"2M:1 2M:3\"                         | each page size once",
        "PCI = \"3b:00.0 15b3\"                            | PCI must be ADDRESS VENDOR DEVICE CLASS",
        "PCI = \"3b:00 15b3 1017 0200\"                    | an address such as 0000:3b:00.0",
        "PCI = \"3b:20.0 15b3 1017 0200\"                  | slot up to 1f",
        "PCI = \"3b:00.0 15b3 10170 0200\"                 | DEVICE as four hex digits",
        "PCI = \"3b:00.0 15b3 1017 0200 SRIOV_VFS=x\"      | SRIOV_VFS from 0 to 256",
        "PCI = \"3b:00.0 15b3 1017 0200 NUMA_NODE=1\"      | NUMA_NODE from 0 to 0",
        "PCI = \"3b:00.0 15b3 1017 0200 COLOR=red\"        | not COLOR",
        "PCI = \"3b:00.0 15b3 1017 0200 SRIOV_VFS=8; 3b:01.3 15b3 1017 0200\" | 0000:3b:01.3 is used twice",
        "PCI = \"3b:1f.0 15b3 1017 0200 SRIOV_VFS=2\"      | they would pass slot 1f"})
    void badDescriptionsNameTheAttribute(String template, String message) {
        assertThatThrownBy(() -> hw(template)).isInstanceOf(MonitoringException.class)
                .hasMessageStartingWith("dummy: ").hasMessageContaining(message);
    }

    // ------------------------------------------------------------------ the driver

    static Host host(String template) {
        Host h = Host.create(7, "edge-7", "dummy", "dummy", 0, "default");
        return h.withUserTemplate(h.template().update(Template.parse(template), true), null);
    }

    @Test
    void monitoringReportsCapacityAndUsage() throws Exception {
        Clock clock = Clock.fixed(Instant.ofEpochSecond(1_700_000_000), ZoneOffset.UTC);
        DummyInformationDriver d = new DummyInformationDriver(clock);
        CompletableFuture<HostMonitoring> f = d.monitor(host("DUMMY_PROFILE = edge-medium\nDUMMY_LOAD = 0.25"));
        assertThat(f).isDone();
        HostMonitoring m = f.get();
        assertThat(m.totalCpu()).isEqualTo(4800);
        assertThat(m.attributes().get("HYPERVISOR")).isEqualTo("dummy");
        assertThat(m.attributes().get("HOSTNAME")).isEqualTo("edge-7");
        assertThat(m.attributes().get("TOTALCPU")).isEqualTo("4800");
        assertThat(m.sample().timestamp()).isEqualTo(1_700_000_000);
        assertThat(m.sample().capacity("USED_CPU")).isEqualTo(1200);
        assertThat(m.sample().capacity("FREE_CPU")).isEqualTo(3600);
        assertThat(m.sample().numa()).hasSize(2);
        assertThat(m.numaNodes()).hasSize(2);
        assertThat(m.pciDevices()).hasSize(9);
        assertThat(m.disk().maxDisk()).isEqualTo(1024L * 1024);
    }

    @Test
    void failureInjectionAndDelay() throws Exception {
        DummyInformationDriver d = new DummyInformationDriver();
        CompletableFuture<HostMonitoring> failed = d.monitor(host("DUMMY_FAIL_MONITOR = YES"));
        assertThatThrownBy(failed::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(MonitoringException.class).hasMessageContaining("simulated monitoring failure");
        assertThat(d.monitor(host("DUMMY_FAIL_MONITOR = NO")).get()).isNotNull();
        assertThat(d.monitor(host("DUMMY_FAIL_MONITOR = 0%")).get()).isNotNull();
        assertThatThrownBy(() -> d.monitor(host("DUMMY_FAIL_MONITOR = \"100%\"")).get())
                .hasCauseInstanceOf(MonitoringException.class);
        int failures = 0;
        for (int i = 0; i < 400; i++) {
            if (d.monitor(host("DUMMY_FAIL_MONITOR = 0.5")).isCompletedExceptionally()) {
                failures++;
            }
        }
        assertThat(failures).isBetween(120, 280);
        assertThatThrownBy(() -> d.monitor(host("DUMMY_FAIL_MONITOR = often")).get())
                .hasMessageContaining("DUMMY_FAIL_MONITOR must be YES, NO, a fraction");

        long t0 = System.nanoTime();
        CompletableFuture<HostMonitoring> slow = d.monitor(host("DUMMY_MONITOR_DELAY = 150ms"));
        assertThat(slow).isNotDone();
        assertThat(slow.get(5, TimeUnit.SECONDS)).isNotNull();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isGreaterThanOrEqualTo(140);
        assertThat(DummyInformationDriver.delayMs("2s")).isEqualTo(2000);
        assertThatThrownBy(() -> DummyInformationDriver.delayMs("forever")).isInstanceOf(MonitoringException.class);
    }
}
