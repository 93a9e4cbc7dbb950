package dev.nimbo.drivers.kvm;

import dev.nimbo.core.host.HostMonitoring;
import dev.nimbo.core.host.HostShare;
import dev.nimbo.core.host.MonitoringSample;
import dev.nimbo.core.host.NumaNode;
import dev.nimbo.core.host.PciDevice;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How a host's monitoring and its VMs' counters cross the agent channel: XML made of the pieces host.xsd and
 * vm.xsd already define (TEMPLATE, NUMA_NODES/NODE, PCI_DEVICES/PCI, MONITORING), so nothing new needs a schema.
 * Stateless.
 */
public final class MonitoringCodec {
    private MonitoringCodec() {
    }

    public static String hostToXml(HostMonitoring m) {
        XmlWriter w = new XmlWriter(new StringBuilder(4096));
        w.open("HOST_MONITORING").element("TOTAL_CPU", m.totalCpu()).element("TOTAL_MEMORY", m.totalMemKb());
        w.open("DISK").element("MAX", m.disk().maxDisk()).element("FREE", m.disk().freeDisk())
                .element("USED", m.disk().usedDisk()).close("DISK");
        m.attributes().writeXml(w, "TEMPLATE");
        w.open("NUMA_NODES");
        m.numaNodes().forEach(n -> n.writeXml(w));
        w.close("NUMA_NODES");
        w.open("PCI_DEVICES");
        m.pciDevices().forEach(p -> p.writeXml(w));
        w.close("PCI_DEVICES");
        if (m.sample() != null) {
            m.sample().writeXml(w);
        }
        w.close("HOST_MONITORING");
        return w.toString();
    }

    public static HostMonitoring hostFromXml(String xml) {
        XmlNode r = XmlNode.parse(xml);
        XmlNode d = r.child("DISK");
        HostShare.Disk disk = d == null ? HostShare.Disk.EMPTY : new HostShare.Disk(0, List.of(),
                d.longValue("FREE", 0), d.longValue("MAX", 0), d.longValue("USED", 0));
        List<NumaNode> numa = new ArrayList<>();
        XmlNode nn = r.child("NUMA_NODES");
        if (nn != null) {
            nn.all("NODE").forEach(n -> numa.add(NumaNode.fromXml(n)));
        }
        List<PciDevice> pci = new ArrayList<>();
        XmlNode pp = r.child("PCI_DEVICES");
        if (pp != null) {
            pp.all("PCI").forEach(p -> pci.add(PciDevice.fromXml(p)));
        }
        XmlNode t = r.child("TEMPLATE");
        return new HostMonitoring(t == null ? Template.EMPTY : Template.fromXml(t), r.longValue("TOTAL_CPU", 0),
                r.longValue("TOTAL_MEMORY", 0), disk, numa, pci, MonitoringSample.fromXml(r.child("MONITORING")));
    }

    /** Per VM ID its MONITORING attributes (CPU, MEMORY, NETRX, ...); the order is kept. */
    public static String vmsToXml(Map<Integer, Map<String, String>> vms) {
        XmlWriter w = new XmlWriter(new StringBuilder(256 + vms.size() * 256));
        w.open("VMS");
        for (Map.Entry<Integer, Map<String, String>> e : vms.entrySet()) {
            w.open("VM").element("ID", e.getKey()).open("MONITORING");
            for (Map.Entry<String, String> a : e.getValue().entrySet()) {
                w.element(a.getKey(), a.getValue());
            }
            w.close("MONITORING").close("VM");
        }
        w.close("VMS");
        return w.toString();
    }

    public static Map<Integer, Map<String, String>> vmsFromXml(String xml) {
        Map<Integer, Map<String, String>> out = new LinkedHashMap<>();
        for (XmlNode vm : XmlNode.parse(xml).all("VM")) {
            Map<String, String> m = new LinkedHashMap<>();
            XmlNode mon = vm.child("MONITORING");
            if (mon != null) {
                mon.children().forEach(c -> m.put(c.name(), c.text()));
            }
            out.put(vm.integer("ID", -1), m);
        }
        return out;
    }
}
