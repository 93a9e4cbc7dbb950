package dev.nimbo.agent.libvirt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DomainXmlTest {
    static final Path DIR = Path.of("/var/lib/nimbo-agent/datastores/0/7");

    static String build(String template) {
        return DomainXml.build(7, Template.parse(template), "qemu", DIR, d -> d == 0 ? "qcow2" : "raw");
    }

    @Test
    void mapsTheBasicsAndParsesAsXml() {
        String xml = build("CPU=0.5\nVCPU=2\nMEMORY=256\n"
                + "OS=[ KERNEL_DS=\"$FILE[IMAGE_ID=3]\", INITRD_DS=\"$FILE[IMAGE_ID=4]\", ROOT=vda,"
                + " KERNEL_CMD=\"console=ttyS0\" ]\n"
                + "DISK=[ DISK_ID=0, IMAGE_ID=1, CACHE=none, IO=native ]\nDISK=[ DISK_ID=1, TYPE=fs, SIZE=8,"
                + " DEV_PREFIX=sd ]\nNIC=[ NIC_ID=0, BRIDGE=br0, MAC=\"02:00:0a:00:00:05\", MODEL=e1000,"
                + " TARGET=one-7-0 ]\nGRAPHICS=[ TYPE=VNC, LISTEN=0.0.0.0, PORT=5907, PASSWD=\"p'w\" ]\n"
                + "CONTEXT=[ DISK_ID=2, NETWORK=YES ]");
        XmlNode d = XmlNode.parse(xml);
        assertThat(d.text("name")).isEqualTo("one-7");
        assertThat(d.text("memory")).isEqualTo("262144");
        assertThat(d.text("vcpu")).isEqualTo("2");
        assertThat(xml).contains("<domain type='qemu'>").contains("<shares>512</shares>")
                .contains("<kernel>" + DIR.resolve("kernel") + "</kernel>")
                .contains("<initrd>" + DIR.resolve("initrd") + "</initrd>")
                .contains("<cmdline>root=/dev/vda console=ttyS0</cmdline>")
                .contains("<driver name='qemu' type='qcow2' cache='none' io='native'/><source file='"
                        + DIR.resolve("disk.0") + "'/><target dev='vda' bus='virtio'/>")
                .contains("<target dev='sda' bus='scsi'/>").contains("model='virtio-scsi'")
                .contains("device='cdrom'><driver name='qemu' type='raw'/><source file='" + DIR.resolve("disk.2")
                        + "'/><target dev='hda' bus='ide'/><readonly/>")
                .contains("<source bridge='br0'/><mac address='02:00:0a:00:00:05'/><target dev='one-7-0'/>"
                        + "<model type='e1000'/>")
                .contains("<graphics type='vnc' listen='0.0.0.0' port='5907' passwd='p&apos;w'/>")
                .contains("<serial type='file'><source path='" + DIR.resolve("console.log") + "'/>");
    }

    @Test
    void pinningTopologyHugepagesPciAndRaw() {
        String xml = build("VCPU=4\nMEMORY=1024\nCPU_MODEL=[ MODEL=host-passthrough ]\n"
                + "TOPOLOGY=[ SOCKETS=1, CORES=2, THREADS=2, HUGEPAGE_SIZE=2, PIN_POLICY=CORE ]\n"
                + "NUMA_NODE=[ NODE_ID=0, MEMORY_NODE_ID=1, TOTAL_CPUS=4, MEMORY=1024, CPUS=\"4,5,6,7\" ]\n"
                + "PCI=[ DOMAIN=0000, BUS=3b, SLOT=00, FUNCTION=1 ]\n"
                + "RAW=[ TYPE=kvm, DATA=\"<seclabel type='none'/>\" ]");
        assertThat(xml).contains("<vcpupin vcpu='0' cpuset='4'/>").contains("<vcpupin vcpu='3' cpuset='7'/>")
                .contains("<memory mode='strict' nodeset='1'/>").contains("<memnode cellid='0' mode='strict' nodeset='1'/>")
                .contains("<hugepages><page size='2' unit='M'/></hugepages>")
                .contains("<topology sockets='1' cores='2' threads='2'/>")
                .contains("<cell id='0' cpus='0-3' memory='1048576' unit='KiB'/>")
                .contains("<address domain='0x0000' bus='0x3b' slot='0x00' function='0x1'/>")
                .contains("<seclabel type='none'/>");
        // host-passthrough needs KVM: software emulation gets a plain CPU
        assertThat(xml).doesNotContain("host-passthrough");
        assertThat(DomainXml.build(7, Template.parse("CPU_MODEL=[ MODEL=host-passthrough ]"), "kvm", DIR, d -> "raw"))
                .contains("<cpu mode='host-passthrough'>");
        XmlNode.parse(xml);
    }

    @Test
    void hotResizeRoomAsOnedsKvmDriver() {
        // BALLOONING (the default): booted at MEMORY_MAX, ballooned down to MEMORY; VCPU_MAX CPUs, VCPU online
        String balloon = build("VCPU=1\nVCPU_MAX=4\nMEMORY=128\nMEMORY_MAX=512");
        assertThat(balloon).contains("<memory unit='KiB'>524288</memory>")
                .contains("<currentMemory unit='KiB'>131072</currentMemory>").contains("<vcpu current='1'>4</vcpu>")
                .doesNotContain("maxMemory");
        // HOTPLUG: booted at MEMORY with DIMM slots up to MEMORY_MAX, in one guest NUMA cell
        String hotplug = build("VCPU=2\nMEMORY=128\nMEMORY_MAX=512\nMEMORY_RESIZE_MODE=HOTPLUG\nMEMORY_SLOTS=4");
        assertThat(hotplug).contains("<memory unit='KiB'>131072</memory>")
                .contains("<maxMemory slots='4' unit='KiB'>524288</maxMemory>")
                .contains("<cell id='0' cpus='0-1' memory='131072' unit='KiB'/>").doesNotContain("currentMemory");
        // no room (or MEMORY_MAX not above MEMORY): the plain size
        assertThat(build("VCPU=2\nMEMORY=256\nMEMORY_MAX=256")).contains("<memory unit='KiB'>262144</memory>")
                .contains("<vcpu>2</vcpu>").doesNotContain("currentMemory").doesNotContain("<cpu");
    }

    @Test
    void aHotPluggedPciNicIsTheVfWithTheLeasesMacAndVlan() {
        var pci = Template.parse("PCI=[ TYPE=NIC, PCI_ID=0, NIC_ID=1, DOMAIN=0000, BUS=3b, SLOT=02, FUNCTION=1,"
                + " MAC=\"02:00:0a:09:07:01\", VLAN_ID=55 ]").vectors("PCI").get(0);
        assertThat(DomainXml.pciDevice(pci)).isEqualTo("<interface type='hostdev' managed='yes'><source><address"
                + " type='pci' domain='0x0000' bus='0x3b' slot='0x02' function='0x1'/></source><mac"
                + " address='02:00:0a:09:07:01'/><vlan><tag id='55'/></vlan></interface>");
        assertThatThrownBy(() -> DomainXml.pciDevice(Template.parse("PCI=[ TYPE=NIC, PCI_ID=3 ]").vectors("PCI")
                .get(0))).hasMessageContaining("PCI 3 has no host device address");
    }

    @Test
    void nicQos() {
        assertThat(build("NIC=[ BRIDGE=br0, INBOUND_AVG_BW=1000, INBOUND_PEAK_BW=2000, INBOUND_PEAK_KB=64,"
                + " OUTBOUND_AVG_BW=500 ]")).contains("<bandwidth><inbound average='1000' peak='2000' burst='64'/>"
                + "<outbound average='500'/></bandwidth>");
        assertThat(build("NIC=[ BRIDGE=br0 ]")).doesNotContain("bandwidth");
        dev.nimbo.core.template.VectorAttribute n = Template.parse("NIC=[ OUTBOUND_AVG_BW=500 ]").vectors("NIC").get(0);
        assertThat(DomainXml.qosArgument(n, "INBOUND")).isEqualTo("0");
        assertThat(DomainXml.qosArgument(n, "OUTBOUND")).isEqualTo("500,0,0");
    }

    @Test
    void badInputIsAClearError() {
        assertThatThrownBy(() -> build("NIC=[ NIC_ID=0 ]")).hasMessageContaining("NIC 0 has no BRIDGE");
        // markup in values is escaped, never injected
        assertThat(build("NIC=[ BRIDGE=\"br0'/><evil/>\" ]")).doesNotContain("<evil/>");
    }

    @Test
    void ovsNicsGetAVirtualportAndDpdkNicsAVhostUserSocketOnSharedHugepages() {
        String ovs = build("NIC=[ NIC_ID=0, VN_MAD=ovswitch, BRIDGE=ovsbr0, MAC=\"02:00:0a:00:00:05\", TARGET=one-7-0 ]");
        assertThat(ovs).contains("<interface type='bridge'><source bridge='ovsbr0'/><virtualport type='openvswitch'/>")
                .doesNotContain("memoryBacking");
        String dpdk = build("NIC=[ NIC_ID=0, VN_MAD=ovswitch, BRIDGE=ovsbr0, BRIDGE_TYPE=openvswitch_dpdk,"
                + " MAC=\"02:00:0a:00:00:05\", TARGET=one-7-0 ]");
        XmlNode.parse(dpdk);
        assertThat(dpdk).contains("<interface type='vhostuser'><source type='unix' path='/var/run/nimbo/vhost/one-7-0'"
                + " mode='server'/><mac address='02:00:0a:00:00:05'/>")
                .contains("<memoryBacking><hugepages></hugepages><access mode='shared'/></memoryBacking>");
        String sized = build("TOPOLOGY=[ SOCKETS=1, HUGEPAGE_SIZE=2 ]\nNIC=[ NIC_ID=0, VN_MAD=ovswitch, BRIDGE=b,"
                + " BRIDGE_TYPE=openvswitch_dpdk, TARGET=one-7-0 ]");
        assertThat(sized).contains("<hugepages><page size='2' unit='M'/></hugepages><access mode='shared'/>");
    }

    @Test
    void pciNicsAreHostdevInterfacesWithTheNetworksMacAndVlan() {
        String xml = build("PCI=[ TYPE=NIC, DOMAIN=0000, BUS=05, SLOT=10, FUNCTION=1, MAC=\"02:00:0a:00:00:09\","
                + " VLAN_ID=300, TRUST=YES, NETWORK_ID=4 ]\nPCI=[ DOMAIN=0000, BUS=3b, SLOT=00, FUNCTION=1 ]");
        XmlNode.parse(xml);
        assertThat(xml).contains("<interface type='hostdev' managed='yes' trustGuestRxFilters='yes'><source>"
                + "<address type='pci' domain='0x0000' bus='0x05' slot='0x10' function='0x1'/></source>"
                + "<mac address='02:00:0a:00:00:09'/><vlan><tag id='300'/></vlan></interface>")
                .contains("<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000'"
                        + " bus='0x3b' slot='0x00' function='0x1'/></source></hostdev>");
    }
}
