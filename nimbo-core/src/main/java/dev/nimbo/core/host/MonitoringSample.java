package dev.nimbo.core.host;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One monitoring record of a host (host.xsd HOST/MONITORING, and each MONITORING of
 * {@code one.host.monitoring}): when, which host, CAPACITY (FREE_CPU, USED_CPU in hundredths of a CPU;
 * FREE_MEMORY, USED_MEMORY in KB; forecasts), SYSTEM (NETRX, NETTX bytes; bandwidths) and per NUMA node the
 * free hugepages and memory. CAPACITY and SYSTEM keep their attributes sorted, the order host.xsd lists.
 * Immutable.
 */
public record MonitoringSample(int hostId, long timestamp, SortedMap<String, String> capacity,
                               SortedMap<String, String> system, List<NumaUsage> numa) {

    /** Free and used memory and free hugepages of one NUMA node, in KB and pages. */
    public record NumaUsage(int nodeId, List<HugePageFree> hugePages, long memFree, long memUsed) {
        public NumaUsage {
            hugePages = List.copyOf(hugePages);
        }
    }

    /** Free pages of one hugepage size (KB). */
    public record HugePageFree(long sizeKb, long free) {
    }

    public MonitoringSample {
        capacity = Collections.unmodifiableSortedMap(new TreeMap<>(capacity));
        system = Collections.unmodifiableSortedMap(new TreeMap<>(system));
        numa = List.copyOf(numa);
    }

    public static MonitoringSample of(int hostId, long timestamp, long freeCpu, long usedCpu, long freeMemKb,
                                      long usedMemKb, long netRx, long netTx, List<NumaUsage> numa) {
        TreeMap<String, String> cap = new TreeMap<>();
        cap.put("FREE_CPU", String.valueOf(freeCpu));
        cap.put("USED_CPU", String.valueOf(usedCpu));
        cap.put("FREE_MEMORY", String.valueOf(freeMemKb));
        cap.put("USED_MEMORY", String.valueOf(usedMemKb));
        TreeMap<String, String> sys = new TreeMap<>();
        sys.put("NETRX", String.valueOf(netRx));
        sys.put("NETTX", String.valueOf(netTx));
        return new MonitoringSample(hostId, timestamp, cap, sys, numa);
    }

    /** The same record for another host ID (drivers may not know it). */
    public MonitoringSample forHost(int id, long time) {
        return new MonitoringSample(id, time, capacity, system, numa);
    }

    public long capacity(String name) {
        return number(capacity.get(name));
    }

    private static long number(String v) {
        if (v == null) {
            return 0;
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            try {
                return (long) Double.parseDouble(v.strip());
            } catch (NumberFormatException e2) {
                return 0;
            }
        }
    }

    public void writeXml(XmlWriter w) {
        w.open("MONITORING").element("TIMESTAMP", timestamp).element("ID", hostId);
        section(w, "CAPACITY", capacity);
        section(w, "SYSTEM", system);
        for (NumaUsage n : numa) {
            w.open("NUMA_NODE");
            for (HugePageFree p : n.hugePages()) {
                w.open("HUGEPAGE").element("FREE", p.free()).element("SIZE", p.sizeKb())
                        .close("HUGEPAGE");
            }
            w.open("MEMORY").element("FREE", n.memFree()).element("USED", n.memUsed())
                    .close("MEMORY");
            w.element("NODE_ID", n.nodeId());
            w.close("NUMA_NODE");
        }
        w.close("MONITORING");
    }

    private static void section(XmlWriter w, String tag, Map<String, String> values) {
        w.open(tag);
        for (Map.Entry<String, String> e : values.entrySet()) {
            w.element(e.getKey(), e.getValue());
        }
        w.close(tag);
    }

    public String toXml() {
        XmlWriter w = new XmlWriter(new StringBuilder(512));
        writeXml(w);
        return w.toString();
    }

    /** Reads a MONITORING element; null for an empty one ({@code <MONITORING/>}). */
    public static MonitoringSample fromXml(XmlNode m) {
        if (m == null || m.child("ID") == null) {
            return null;
        }
        List<NumaUsage> numa = new ArrayList<>();
        for (XmlNode n : m.all("NUMA_NODE")) {
            List<HugePageFree> pages = new ArrayList<>();
            for (XmlNode p : n.all("HUGEPAGE")) {
                pages.add(new HugePageFree(p.longValue("SIZE", 0), p.longValue("FREE", 0)));
            }
            XmlNode mem = n.child("MEMORY");
            numa.add(new NumaUsage(n.integer("NODE_ID", 0), pages, mem == null ? 0 : number(mem.text("FREE")),
                    mem == null ? 0 : mem.longValue("USED", 0)));
        }
        return new MonitoringSample(m.integer("ID", -1), m.longValue("TIMESTAMP", 0), leaves(m.child("CAPACITY")),
                leaves(m.child("SYSTEM")), numa);
    }

    private static SortedMap<String, String> leaves(XmlNode n) {
        TreeMap<String, String> out = new TreeMap<>();
        if (n != null) {
            for (XmlNode c : n.children()) {
                out.put(c.name(), c.text());
            }
        }
        return out;
    }

    /** The empty element a never-monitored host shows. */
    public static void writeEmpty(XmlWriter w) {
        w.empty("MONITORING");
    }
}
