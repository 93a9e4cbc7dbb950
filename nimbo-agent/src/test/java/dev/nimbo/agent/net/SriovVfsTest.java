package dev.nimbo.agent.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SR-IOV VFs on the host: the PF and the VF's number found in a sysfs tree laid out as the kernel does (this machine
 * has no SR-IOV device), and the {@code ip link set PF vf N} the agent runs, on an emulated host whose "PF" is a veth:
 * the kernel refuses VF settings on it, which must come back as the NIC's clear error. A whole NIC passed through
 * (no physfn) needs nothing.
 */
class SriovVfsTest {
    @TempDir
    Path sys;
    private EmulatedHosts hosts;

    @BeforeEach
    void sysfs() throws Exception {
        Path devices = Files.createDirectories(sys.resolve("devices/pci0000:80/0000:80:03.2"));
        Path pf = Files.createDirectories(devices.resolve("0000:85:00.0"));
        Files.createDirectories(pf.resolve("net/pfa"));
        Path bus = Files.createDirectories(sys.resolve("bus/pci/devices"));
        Files.createSymbolicLink(bus.resolve("0000:85:00.0"), pf);
        for (int i = 0; i < 3; i++) {
            Path vf = Files.createDirectories(devices.resolve("0000:85:02." + i));
            Files.createSymbolicLink(vf.resolve("physfn"), pf);
            Files.createSymbolicLink(pf.resolve("virtfn" + i), vf);
            Files.createSymbolicLink(bus.resolve("0000:85:02." + i), vf);
        }
        Path whole = Files.createDirectories(devices.resolve("0000:3b:00.0"));
        Files.createSymbolicLink(bus.resolve("0000:3b:00.0"), whole);
        hosts = new EmulatedHosts("sriov");
        hosts.shell(hosts.hostA).run("ip", "link", "add", "pfa", "type", "veth", "peer", "name", "pfb");
    }

    @AfterEach
    void close() {
        hosts.close();
    }

    static VectorAttribute pci(String attrs) {
        return Template.parse("PCI=[ TYPE=NIC, NIC_ID=1, " + attrs + " ]").vectors("PCI").get(0);
    }

    @Test
    void theVfIsFoundByItsPhysicalFunction() {
        SriovVfs vfs = new SriovVfs(HostShell.host(), sys);
        assertThat(vfs.find("0000:85:02.2")).isEqualTo(new SriovVfs.Vf("pfa", 2));
        assertThat(vfs.find("0000:3b:00.0")).as("a whole NIC, no PF").isNull();
        assertThatThrownBy(() -> vfs.find("0000:99:00.0")).hasMessageContaining("does not exist on this host");
        assertThat(SriovVfs.address(pci("SHORT_ADDRESS=\"85:02.1\""))).isEqualTo("0000:85:02.1");
        assertThatThrownBy(() -> SriovVfs.address(pci("VENDOR=8086"))).hasMessageContaining("not placed");
    }

    @Test
    void thePfIsToldTheVfsSettingsAndItsRefusalIsTheNicsError() {
        SriovVfs vfs = new SriovVfs(hosts.shell(hosts.hostA), sys);
        vfs.configure(List.of(pci("SHORT_ADDRESS=\"3b:00.0\", MAC=\"02:00:0a:09:07:01\""))); // passed through whole
        assertThatThrownBy(() -> vfs.configure(List.of(pci("SHORT_ADDRESS=\"85:02.1\", MAC=\"02:00:0a:09:07:01\","
                + " VLAN_ID=55, SPOOFCHK=YES, TRUST=NO"))))
                .isInstanceOf(NetworkException.class).hasMessageContaining("PCI NIC 1 (VF 0000:85:02.1)")
                .hasMessageContaining("ip link set dev pfa vf 1 mac 02:00:0a:09:07:01 vlan 55 spoofchk on trust off")
                .hasMessageContaining("not supported");
    }
}
