package dev.nimbo.core.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.xml.XMLConstants;
import javax.xml.transform.stream.StreamSource;
import javax.xml.validation.Schema;
import javax.xml.validation.SchemaFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Host and cluster documents: round trips through XML, host.xsd's element order, state and capacity rules. */
class HostXmlTest {

    static Host fullHost() {
        NumaNode n0 = new NumaNode(0, List.of(NumaNode.Core.fresh(0, List.of(0, 4), 1),
                new NumaNode.Core(1, "1:7,5:-2", false, 0)), List.of(new NumaNode.HugePage(2048, 1024, 3),
                new NumaNode.HugePage(1048576, 4, 0)), new NumaNode.Memory("0 1", 33554432, 1024));
        NumaNode n1 = new NumaNode(1, List.of(NumaNode.Core.fresh(2, List.of(2, 6), 1)), List.of(),
                new NumaNode.Memory("1 0", 33554432, 0));
        PciDevice pf = pci("00", "pf").with("SRIOV_NUM", "2");
        PciDevice vf = pci("01", "vf").with("VMID", "7");
        HostShare share = new HostShare(1024, 100, 67108864, 800, 67108864, 700, 1, 1,
                new HostShare.Disk(0, List.of(new HostShare.DsCapacity(0, 900, 1000, 100)), 900, 1000, 100),
                List.of(pf, vf), List.of(n0, n1));
        MonitoringSample sample = MonitoringSample.of(5, 1700000000, 700, 100, 60000000, 7108864, 12345, 678,
                List.of(new MonitoringSample.NumaUsage(0, List.of(new MonitoringSample.HugePageFree(2048, 1021)), 100, 200)));
        Template t = Template.parse("LABELS = \"prod,edge\"\nRESERVED_CPU = \"100\"\nDESC = \"a <b> & ]]> c\"");
        return new Host(5, "node-5", HostState.MONITORED, HostState.INIT, "dummy", "dummy", 100, "edge", share,
                Set.of(7), t, sample);
    }

    /** A device with every attribute host.xsd requires. */
    static PciDevice pci(String slot, String sriov) {
        Map<String, String> m = new TreeMap<>();
        m.put("ADDRESS", "0000:3b:" + slot + ":0");
        m.put("SHORT_ADDRESS", "3b:" + slot + ".0");
        m.put("DOMAIN", "0000");
        m.put("BUS", "3b");
        m.put("SLOT", slot);
        m.put("FUNCTION", "0");
        m.put("VENDOR", "15b3");
        m.put("VENDOR_NAME", "Mellanox Technologies");
        m.put("DEVICE", "1017");
        m.put("DEVICE_NAME", "MT27800 Family [ConnectX-5]");
        m.put("CLASS", "0200");
        m.put("CLASS_NAME", "Ethernet controller");
        m.put("TYPE", "15b3:1017:0200");
        m.put("NUMA_NODE", "0");
        m.put("IFNAME", "-");
        m.put("SRIOV", sriov);
        return PciDevice.of(m);
    }

    @Test
    void roundTripKeepsEverything() {
        Host h = fullHost();
        String xml = h.toXml();
        Host back = Host.fromXml(XmlNode.parse(xml));
        assertThat(back).isEqualTo(h);
        assertThat(back.toXml()).isEqualTo(xml);
        assertThat(back.labels()).containsExactly("prod", "edge");
    }

    @Test
    void documentFollowsHostXsdOrder() {
        String xml = fullHost().toXml();
        assertThat(xml).startsWith("<HOST><ID>5</ID><NAME>node-5</NAME><STATE>2</STATE><PREV_STATE>0</PREV_STATE>"
                + "<IM_MAD>dummy</IM_MAD><VM_MAD>dummy</VM_MAD><CLUSTER_ID>100</CLUSTER_ID><CLUSTER>edge</CLUSTER>"
                + "<HOST_SHARE><MEM_USAGE>1024</MEM_USAGE><CPU_USAGE>100</CPU_USAGE>");
        assertThat(xml).contains("<VMS><ID>7</ID></VMS><TEMPLATE>")
                .contains("<MONITORING><TIMESTAMP>1700000000</TIMESTAMP><ID>5</ID><CAPACITY><FREE_CPU>")
                .contains("<CORE><CPUS>0:-1,4:-1</CPUS><DEDICATED>NO</DEDICATED><FREE>2</FREE><ID>0</ID></CORE>")
                .endsWith("</MONITORING></HOST>");
        assertThat(xml.indexOf("<PCI_DEVICES>")).isLessThan(xml.indexOf("<NUMA_NODES>"));
        assertThat(xml.indexOf("<DATASTORES>")).isLessThan(xml.indexOf("<PCI_DEVICES>"));
        validate("host.xsd", xml);
        Host fresh = Host.create(3, "new", "dummy", "dummy", 0, "default");
        assertThat(fresh.toXml()).endsWith("<MONITORING/></HOST>").contains("<VMS></VMS>");
        validate("host.xsd", fresh.toXml());
    }

    @Test
    void clusterDocumentAndReservations() {
        Cluster c = Cluster.create(100, "edge").withHost(3).withDatastore(1).withVnet(2);
        assertThat(c.template().get("RESERVED_CPU")).isEmpty();
        assertThat(Cluster.fromXml(XmlNode.parse(c.toXml()))).isEqualTo(c);
        validate("cluster.xsd", c.toXml());
        assertThat(c.withoutHost(3).withoutDatastore(1).withoutVnet(2).isEmpty()).isTrue();

        assertThat(HostShare.reserved(800, "")).isEqualTo(800);
        assertThat(HostShare.reserved(800, "200")).isEqualTo(600);
        assertThat(HostShare.reserved(800, "-200")).isEqualTo(1000);
        assertThat(HostShare.reserved(800, "25%")).isEqualTo(600);
        assertThat(HostShare.reserved(800, " -10% ")).isEqualTo(880);
        assertThat(HostShare.reserved(800, "1.5")).isEqualTo(800);
        assertThat(HostShare.reserved(800, "lots")).isEqualTo(800);
    }

    @Test
    void stateRules() {
        Host h = Host.create(1, "n1", "dummy", "dummy", 0, "default");
        assertThat(h.state()).isEqualTo(HostState.INIT);
        assertThat(h.template().get("IM_MAD")).isEqualTo("dummy");
        // disabled and never monitored: enable gives INIT
        assertThat(h.disable().enable().state()).isEqualTo(HostState.INIT);
        HostMonitoring m = new HostMonitoring(Template.EMPTY.with("TOTALCPU", "400").with("HYPERVISOR", "dummy"),
                400, 1048576, null, List.of(), List.of(), MonitoringSample.of(1, 100, 300, 100, 1, 2, 0, 0, List.of()));
        Cluster c = Cluster.create(0, "default").withTemplate(Template.parse("RESERVED_MEM = \"50%\""));
        Host mon = h.monitored(m, c, 100);
        assertThat(mon.state()).isEqualTo(HostState.MONITORED);
        assertThat(mon.share().maxCpu()).isEqualTo(400);
        assertThat(mon.share().maxMem()).isEqualTo(524288);
        assertThat(mon.template().get("HYPERVISOR")).isEqualTo("dummy");
        // disabled with capacity: enable goes straight back to MONITORED
        assertThat(mon.disable().enable().state()).isEqualTo(HostState.MONITORED);
        Host err = mon.monitorFailed("boom", 200);
        assertThat(err.state()).isEqualTo(HostState.ERROR);
        assertThat(err.prevState()).isEqualTo(HostState.MONITORED);
        assertThat(err.template().get("ERROR")).endsWith(" : Error monitoring Host n1 (1): boom");
        assertThat(err.monitored(m, c, 300).template().get("ERROR")).isNull();
        assertThat(mon.disable().monitorFailed("boom", 200).state()).isEqualTo(HostState.DISABLED);
        Host off = mon.offline();
        assertThat(off.share().totalCpu()).isZero();
        assertThat(off.template().get("TOTALCPU")).isNull();
        assertThat(off.monitored(m, c, 400)).isSameAs(off);
        // a monitoring that changes nothing in the share keeps the same (cached) share object
        assertThat(mon.monitored(m, c, 500).share()).isSameAs(mon.share());
    }

    @Test
    void monitoringKeepsWhatVmsUse() {
        Host h = fullHost();
        NumaNode reported = new NumaNode(0, List.of(NumaNode.Core.fresh(0, List.of(0, 4), 1),
                NumaNode.Core.fresh(1, List.of(1, 5), 1), NumaNode.Core.fresh(3, List.of(3, 7), 1)),
                List.of(new NumaNode.HugePage(2048, 2048, 0)), new NumaNode.Memory("0 1", 33554432, 0));
        PciDevice newDev = PciDevice.of(Map.of("ADDRESS", "0000:af:00:0", "SRIOV", "no"));
        HostMonitoring m = new HostMonitoring(Template.EMPTY, 800, 67108864, null, List.of(reported),
                List.of(PciDevice.of(Map.of("ADDRESS", "0000:3b:00:0", "SRIOV", "pf", "SRIOV_NUM", "4")), newDev), null);
        Host after = h.monitored(m, null, 10);
        NumaNode n0 = after.share().numaNodes().get(0);
        assertThat(n0.cores()).extracting(NumaNode.Core::id).containsExactly(0, 1, 3);
        assertThat(n0.cores().get(1).cpus()).isEqualTo("1:7,5:-2"); // VM 7 and the reserved thread stay
        assertThat(n0.hugePages()).containsExactly(new NumaNode.HugePage(2048, 2048, 3), new NumaNode.HugePage(1048576, 4, 0));
        assertThat(n0.memory().usageKb()).isEqualTo(1024);
        assertThat(after.share().numaNodes()).hasSize(2);
        List<PciDevice> pci = after.share().pciDevices();
        assertThat(pci).extracting(PciDevice::address).containsExactly("0000:3b:00:0", "0000:af:00:0", "0000:3b:01:0");
        assertThat(pci.get(0).get("SRIOV_NUM")).isEqualTo("4");
        assertThat(pci.get(0).get("VENDOR")).isEqualTo("15b3");
        assertThat(pci.get(2).vmid()).isEqualTo(7); // in use, so kept although no longer reported
        assertThat(after.share().maxCpu()).isEqualTo(700); // the host's own RESERVED_CPU
    }

    /** Validates against OpenNebula's schema when the spec is available here (skipped otherwise). */
    private static void validate(String xsd, String xml) {
        Path dir = Path.of(System.getProperty("nimbo.xsd.dir", "/work/spec/share/doc/xsd"));
        Assumptions.assumeTrue(Files.isRegularFile(dir.resolve(xsd)), "no " + xsd + " in " + dir);
        try {
            SchemaFactory f = SchemaFactory.newInstance(XMLConstants.W3C_XML_SCHEMA_NS_URI);
            Schema schema = f.newSchema(dir.resolve(xsd).toFile());
            int end = xml.indexOf('>');
            String qualified = xml.substring(0, end) + " xmlns=\"http://opennebula.org/XMLSchema\"" + xml.substring(end);
            schema.newValidator().validate(new StreamSource(new StringReader(qualified)));
        } catch (Exception e) {
            throw new AssertionError(xsd + ": " + e.getMessage() + "\n" + xml, e);
        }
    }
}
