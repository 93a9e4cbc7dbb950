package dev.nimbo.core.host;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One PCI device of a host (HOST_SHARE/PCI_DEVICES/PCI): the attributes a monitoring probe reports
 * (ADDRESS "dddd:bb:ss:f", SHORT_ADDRESS "bb:ss.f", DOMAIN, BUS, SLOT, FUNCTION, VENDOR, DEVICE, CLASS and
 * their names, TYPE "vendor:device:class", NUMA_NODE, IFNAME, SRIOV "no"/"pf"/"vf", SRIOV_NUM for physical
 * functions, optional PROFILES/UUID) plus VMID, the VM using it or -1. Attributes are kept sorted by name,
 * which is also the order host.xsd lists them in. Immutable.
 */
public record PciDevice(SortedMap<String, String> attributes) {

    public static final String SRIOV_NONE = "no";
    public static final String SRIOV_PF = "pf";
    public static final String SRIOV_VF = "vf";

    public PciDevice {
        if (attributes.get("ADDRESS") == null || attributes.get("ADDRESS").isEmpty()) {
            throw new IllegalArgumentException("a PCI device needs an ADDRESS");
        }
        TreeMap<String, String> copy = new TreeMap<>(attributes);
        copy.putIfAbsent("VMID", "-1");
        attributes = Collections.unmodifiableSortedMap(copy);
    }

    public static PciDevice of(Map<String, String> attributes) {
        return new PciDevice(new TreeMap<>(attributes));
    }

    public String get(String name) {
        return attributes.get(name);
    }

    public String address() {
        return attributes.get("ADDRESS");
    }

    /** The VM using the device, -1 when free. */
    public int vmid() {
        try {
            return Integer.parseInt(attributes.get("VMID").strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    public String sriov() {
        return attributes.getOrDefault("SRIOV", SRIOV_NONE);
    }

    /** A new version with the attribute set (or removed when value is null). */
    public PciDevice with(String name, String value) {
        TreeMap<String, String> copy = new TreeMap<>(attributes);
        if (value == null) {
            copy.remove(name);
        } else {
            copy.put(name, value);
        }
        return new PciDevice(copy);
    }

    public void writeXml(XmlWriter w) {
        w.open("PCI");
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            w.element(e.getKey(), e.getValue());
        }
        w.close("PCI");
    }

    public static PciDevice fromXml(XmlNode pci) {
        TreeMap<String, String> attrs = new TreeMap<>();
        for (XmlNode c : pci.children()) {
            attrs.put(c.name(), c.text());
        }
        return new PciDevice(attrs);
    }
}
