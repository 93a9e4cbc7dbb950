package dev.nimbo.core.host;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One NUMA node of a host (HOST_SHARE/NUMA_NODES/NODE): its cores with their hardware threads, its hugepages
 * per size and its memory, with what VMs use of each. Immutable.
 *
 * @param cores     by core ID
 * @param hugePages by page size
 */
public record NumaNode(int nodeId, List<Core> cores, List<HugePage> hugePages, Memory memory) {

    public NumaNode {
        cores = List.copyOf(cores);
        hugePages = List.copyOf(hugePages);
    }

    /**
     * A core: CPUS lists its hardware threads as {@code cpu:vm} pairs ({@code -1} free, {@code -2}
     * reserved), e.g. {@code "0:-1,16:-1"}; FREE is how many VM CPUs still fit (threads × VMS_THREAD).
     */
    public record Core(int id, String cpus, boolean dedicated, int free) {

        /** A core with every thread free. */
        public static Core fresh(int id, List<Integer> threads, int vmsThread) {
            StringBuilder b = new StringBuilder();
            for (int t : threads) {
                if (!b.isEmpty()) {
                    b.append(',');
                }
                b.append(t).append(":-1");
            }
            return new Core(id, b.toString(), false, threads.size() * Math.max(1, vmsThread));
        }

        /** The hardware thread IDs, in the order CPUS lists them (each once). */
        public List<Integer> threads() {
            List<Integer> out = new ArrayList<>();
            for (String pair : cpus.split(",")) {
                String p = pair.strip();
                if (p.isEmpty()) {
                    continue;
                }
                int colon = p.indexOf(':');
                int cpu = Integer.parseInt(colon < 0 ? p : p.substring(0, colon));
                if (!out.contains(cpu)) {
                    out.add(cpu);
                }
            }
            return out;
        }
    }

    /** Hugepages of one size: SIZE in KB, PAGES in total, USAGE pages given to VMs. */
    public record HugePage(long sizeKb, long pages, long usage) {
    }

    /** TOTAL and USAGE in KB; DISTANCE lists the node IDs by distance, this node first. */
    public record Memory(String distance, long totalKb, long usageKb) {
    }

    /** The number of hardware threads of the node. */
    public int threadCount() {
        int n = 0;
        for (Core c : cores) {
            n += c.threads().size();
        }
        return n;
    }

    /**
     * This node updated with a newly reported topology, keeping what VMs use: a known core with the same threads
     * stays as it is (with its pinned VMs), a core reported with other threads is taken as reported, new cores are
     * added, and cores no longer reported go unless a VM is pinned to them (a host whose hardware description
     * changed must not keep ghost cores sharing thread IDs with the new ones); hugepage counts and memory size
     * follow the report, usage is kept.
     */
    public NumaNode mergeTopology(NumaNode reported) {
        Map<Integer, Core> known = new TreeMap<>();
        for (Core c : cores) {
            known.put(c.id(), c);
        }
        Map<Integer, Core> byId = new TreeMap<>();
        for (Core c : reported.cores()) {
            Core old = known.remove(c.id());
            byId.put(c.id(), old != null && old.threads().equals(c.threads()) ? old : c);
        }
        for (Core c : known.values()) {
            if (c.cpus().matches(".*:\\d+.*")) {
                byId.put(c.id(), c); // a VM is pinned to it: it stays until the VM leaves
            }
        }
        Map<Long, HugePage> pages = new TreeMap<>();
        for (HugePage p : hugePages) {
            pages.put(p.sizeKb(), p);
        }
        for (HugePage p : reported.hugePages()) {
            HugePage old = pages.get(p.sizeKb());
            pages.put(p.sizeKb(), new HugePage(p.sizeKb(), p.pages(), old == null ? 0 : old.usage()));
        }
        Memory mem = new Memory(reported.memory().distance(), reported.memory().totalKb(),
                memory == null ? 0 : memory.usageKb());
        NumaNode merged = new NumaNode(nodeId, new ArrayList<>(byId.values()), new ArrayList<>(pages.values()), mem);
        return merged.equals(this) ? this : merged;
    }

    public void writeXml(XmlWriter w) {
        w.open("NODE");
        for (Core c : cores) {
            w.open("CORE").element("CPUS", c.cpus()).element("DEDICATED", c.dedicated() ? "YES" : "NO")
                    .element("FREE", c.free()).element("ID", c.id()).close("CORE");
        }
        for (HugePage p : hugePages) {
            w.open("HUGEPAGE").element("PAGES", p.pages()).element("SIZE", p.sizeKb())
                    .element("USAGE", p.usage()).close("HUGEPAGE");
        }
        Memory m = memory == null ? new Memory("", 0, 0) : memory;
        w.open("MEMORY").element("DISTANCE", m.distance()).element("TOTAL", m.totalKb())
                .element("USAGE", m.usageKb()).close("MEMORY");
        w.element("NODE_ID", nodeId);
        w.close("NODE");
    }

    public static NumaNode fromXml(XmlNode node) {
        List<Core> cores = new ArrayList<>();
        for (XmlNode c : node.all("CORE")) {
            cores.add(new Core(c.integer("ID", 0), c.text("CPUS"), c.text("DEDICATED").equalsIgnoreCase("YES"),
                    c.integer("FREE", 0)));
        }
        List<HugePage> pages = new ArrayList<>();
        for (XmlNode p : node.all("HUGEPAGE")) {
            pages.add(new HugePage(p.longValue("SIZE", 0), p.longValue("PAGES", 0), p.longValue("USAGE", 0)));
        }
        XmlNode m = node.child("MEMORY");
        Memory mem = m == null ? new Memory("", 0, 0)
                : new Memory(m.text("DISTANCE"), m.longValue("TOTAL", 0), m.longValue("USAGE", 0));
        return new NumaNode(node.integer("NODE_ID", 0), cores, pages, mem);
    }

    /** Nodes merged with a report: known nodes merge, new ones are added, nodes no longer reported stay. */
    public static List<NumaNode> merge(List<NumaNode> current, List<NumaNode> reported) {
        Map<Integer, NumaNode> byId = new LinkedHashMap<>();
        for (NumaNode n : current) {
            byId.put(n.nodeId(), n);
        }
        for (NumaNode r : reported) {
            NumaNode old = byId.get(r.nodeId());
            byId.put(r.nodeId(), old == null ? r : old.mergeTopology(r));
        }
        List<NumaNode> out = new ArrayList<>(new TreeMap<>(byId).values());
        return out.equals(current) ? current : List.copyOf(out);
    }
}
