package dev.nimbo.core.host;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A host's capacity and what VMs take of it (host.xsd HOST_SHARE): CPU in hundredths of a CPU (TOTAL_CPU is
 * cores × 100, MAX_CPU what is left after RESERVED_CPU), memory in KB, running VMs, VMS_THREAD, the local
 * system-datastore disk, PCI devices and NUMA nodes. Immutable and thread-safe; its XML is rendered once per
 * version, as pool listings render every host many times between changes.
 */
public final class HostShare {

    /** Local datastore capacity (HOST_SHARE/DATASTORES), in MB. */
    public record Disk(long diskUsage, List<DsCapacity> datastores, long freeDisk, long maxDisk, long usedDisk) {
        public static final Disk EMPTY = new Disk(0, List.of(), 0, 0, 0);

        public Disk {
            datastores = List.copyOf(datastores);
        }
    }

    /** One system datastore as seen from the host (HOST_SHARE/DATASTORES/DS), in MB. */
    public record DsCapacity(int id, long freeMb, long totalMb, long usedMb) {
    }

    public static final HostShare EMPTY = new HostShare(0, 0, 0, 0, 0, 0, 0, 1, Disk.EMPTY, List.of(), List.of());

    private final long memUsage;
    private final long cpuUsage;
    private final long totalMem;
    private final long totalCpu;
    private final long maxMem;
    private final long maxCpu;
    private final int runningVms;
    private final int vmsThread;
    private final Disk disk;
    private final List<PciDevice> pciDevices;
    private final List<NumaNode> numaNodes;
    private volatile String xml;

    public HostShare(long memUsage, long cpuUsage, long totalMem, long totalCpu, long maxMem, long maxCpu,
                     int runningVms, int vmsThread, Disk disk, List<PciDevice> pciDevices, List<NumaNode> numaNodes) {
        this.memUsage = memUsage;
        this.cpuUsage = cpuUsage;
        this.totalMem = totalMem;
        this.totalCpu = totalCpu;
        this.maxMem = maxMem;
        this.maxCpu = maxCpu;
        this.runningVms = runningVms;
        this.vmsThread = Math.max(1, vmsThread);
        this.disk = disk == null ? Disk.EMPTY : disk;
        this.pciDevices = List.copyOf(pciDevices);
        this.numaNodes = List.copyOf(numaNodes);
    }

    public long memUsage() {
        return memUsage;
    }

    public long cpuUsage() {
        return cpuUsage;
    }

    public long totalMem() {
        return totalMem;
    }

    public long totalCpu() {
        return totalCpu;
    }

    public long maxMem() {
        return maxMem;
    }

    public long maxCpu() {
        return maxCpu;
    }

    public int runningVms() {
        return runningVms;
    }

    public int vmsThread() {
        return vmsThread;
    }

    public Disk disk() {
        return disk;
    }

    public List<PciDevice> pciDevices() {
        return pciDevices;
    }

    public List<NumaNode> numaNodes() {
        return numaNodes;
    }

    // ------------------------------------------------------------------ changes

    /**
     * Totals from a monitoring, with MAX_CPU/MAX_MEM after the reservations, the local disk, and the reported
     * NUMA topology and PCI devices merged in (see {@link NumaNode#merge} and {@link #mergePci}). Returns this
     * very instance when nothing changed.
     */
    public HostShare monitored(long newTotalCpu, long newTotalMem, String reservedCpu, String reservedMem, Disk newDisk,
                               List<NumaNode> reportedNuma, List<PciDevice> reportedPci) {
        HostShare next = new HostShare(memUsage, cpuUsage, newTotalMem, newTotalCpu,
                reserved(newTotalMem, reservedMem), reserved(newTotalCpu, reservedCpu), runningVms, vmsThread,
                newDisk == null ? disk : newDisk, mergePci(pciDevices, reportedPci),
                NumaNode.merge(numaNodes, reportedNuma));
        return next.equals(this) ? this : next;
    }

    /** MAX_CPU/MAX_MEM recomputed after RESERVED_CPU/RESERVED_MEM changed. */
    public HostShare withReserved(String reservedCpu, String reservedMem) {
        long mc = reserved(totalCpu, reservedCpu);
        long mm = reserved(totalMem, reservedMem);
        if (mc == maxCpu && mm == maxMem) {
            return this;
        }
        return new HostShare(memUsage, cpuUsage, totalMem, totalCpu, mm, mc, runningVms, vmsThread, disk, pciDevices,
                numaNodes);
    }

    public HostShare withVmsThread(int threads) {
        if (Math.max(1, threads) == vmsThread) {
            return this;
        }
        return new HostShare(memUsage, cpuUsage, totalMem, totalCpu, maxMem, maxCpu, runningVms, threads, disk,
                pciDevices, numaNodes);
    }

    /** Capacity zeroed, as when a host goes offline; usage, devices and topology stay. */
    public HostShare withoutCapacity() {
        return new HostShare(memUsage, cpuUsage, 0, 0, 0, 0, runningVms, vmsThread, disk, pciDevices, numaNodes);
    }

    /**
     * OpenNebula's reservation rule: empty means none; {@code N} subtracts N from the total, {@code N%} that
     * percentage of it; negative values add capacity (overcommitment). A value that is not a whole number
     * (with or without %) is ignored.
     */
    public static long reserved(long total, String reservation) {
        if (reservation == null) {
            return total;
        }
        String r = reservation.strip();
        if (r.isEmpty()) {
            return total;
        }
        boolean percent = r.endsWith("%");
        if (percent) {
            r = r.substring(0, r.length() - 1);
        }
        long v;
        try {
            v = Long.parseLong(r);
        } catch (NumberFormatException e) {
            return total;
        }
        return percent ? (long) (total * (1 - v / 100.0)) : total - v;
    }

    /**
     * PCI devices after a report: known addresses keep their VM assignment and take the reported SR-IOV
     * and profile attributes; new addresses are added free; devices no longer reported are dropped unless a
     * VM uses them.
     */
    public static List<PciDevice> mergePci(List<PciDevice> current, List<PciDevice> reported) {
        List<PciDevice> out = new ArrayList<>(reported.size());
        java.util.Map<String, PciDevice> known = new java.util.HashMap<>();
        for (PciDevice d : current) {
            known.put(d.address(), d);
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (PciDevice r : reported) {
            if (!seen.add(r.address())) {
                continue;
            }
            PciDevice old = known.get(r.address());
            if (old == null) {
                out.add(r.with("VMID", "-1"));
            } else {
                PciDevice d = old;
                for (String k : List.of("PROFILES", "SRIOV", "SRIOV_NUM")) {
                    if (r.get(k) != null) {
                        d = d.with(k, r.get(k));
                    }
                }
                out.add(d);
            }
        }
        for (PciDevice d : current) {
            if (!seen.contains(d.address()) && d.vmid() >= 0) {
                out.add(d);
            }
        }
        return out.equals(current) ? current : List.copyOf(out);
    }

    // ------------------------------------------------------------------ XML

    public void writeXml(XmlWriter w) {
        String x = xml;
        if (x == null) {
            XmlWriter own = new XmlWriter(new StringBuilder(512 + 256 * pciDevices.size() + 1024 * numaNodes.size()));
            render(own);
            x = own.toString();
            xml = x;
        }
        w.raw(x);
    }

    private void render(XmlWriter w) {
        w.open("HOST_SHARE").element("MEM_USAGE", memUsage).element("CPU_USAGE", cpuUsage)
                .element("TOTAL_MEM", totalMem).element("TOTAL_CPU", totalCpu).element("MAX_MEM", maxMem)
                .element("MAX_CPU", maxCpu).element("RUNNING_VMS", runningVms).element("VMS_THREAD", vmsThread);
        w.open("DATASTORES").element("DISK_USAGE", disk.diskUsage());
        for (DsCapacity ds : disk.datastores()) {
            w.open("DS").element("FREE_MB", ds.freeMb()).element("ID", ds.id())
                    .element("TOTAL_MB", ds.totalMb()).element("USED_MB", ds.usedMb())
                    .close("DS");
        }
        w.element("FREE_DISK", disk.freeDisk()).element("MAX_DISK", disk.maxDisk())
                .element("USED_DISK", disk.usedDisk()).close("DATASTORES");
        w.open("PCI_DEVICES");
        for (PciDevice d : pciDevices) {
            d.writeXml(w);
        }
        w.close("PCI_DEVICES");
        w.open("NUMA_NODES");
        for (NumaNode n : numaNodes) {
            n.writeXml(w);
        }
        w.close("NUMA_NODES");
        w.close("HOST_SHARE");
    }

    public static HostShare fromXml(XmlNode s) {
        if (s == null) {
            return EMPTY;
        }
        Disk disk = Disk.EMPTY;
        XmlNode d = s.child("DATASTORES");
        if (d != null) {
            List<DsCapacity> dss = new ArrayList<>();
            for (XmlNode ds : d.all("DS")) {
                dss.add(new DsCapacity(ds.integer("ID", -1), ds.longValue("FREE_MB", 0), ds.longValue("TOTAL_MB", 0),
                        ds.longValue("USED_MB", 0)));
            }
            disk = new Disk(d.longValue("DISK_USAGE", 0), dss, d.longValue("FREE_DISK", 0), d.longValue("MAX_DISK", 0),
                    d.longValue("USED_DISK", 0));
        }
        List<PciDevice> pci = new ArrayList<>();
        XmlNode p = s.child("PCI_DEVICES");
        if (p != null) {
            for (XmlNode dev : p.all("PCI")) {
                pci.add(PciDevice.fromXml(dev));
            }
        }
        List<NumaNode> numa = new ArrayList<>();
        XmlNode n = s.child("NUMA_NODES");
        if (n != null) {
            for (XmlNode node : n.all("NODE")) {
                numa.add(NumaNode.fromXml(node));
            }
        }
        return new HostShare(s.longValue("MEM_USAGE", 0), s.longValue("CPU_USAGE", 0), s.longValue("TOTAL_MEM", 0),
                s.longValue("TOTAL_CPU", 0), s.longValue("MAX_MEM", 0), s.longValue("MAX_CPU", 0),
                s.integer("RUNNING_VMS", 0), s.integer("VMS_THREAD", 1), disk, pci, numa);
    }

    // ------------------------------------------------------------------ value semantics

    @Override
    public boolean equals(Object o) {
        return o == this || (o instanceof HostShare h && memUsage == h.memUsage && cpuUsage == h.cpuUsage
                && totalMem == h.totalMem && totalCpu == h.totalCpu && maxMem == h.maxMem && maxCpu == h.maxCpu
                && runningVms == h.runningVms && vmsThread == h.vmsThread && disk.equals(h.disk)
                && pciDevices.equals(h.pciDevices) && numaNodes.equals(h.numaNodes));
    }

    @Override
    public int hashCode() {
        return Objects.hash(memUsage, cpuUsage, totalMem, totalCpu, maxMem, maxCpu, runningVms, vmsThread, disk,
                pciDevices, numaNodes);
    }

    @Override
    public String toString() {
        return "HostShare[cpu " + cpuUsage + "/" + maxCpu + "/" + totalCpu + ", mem " + memUsage + "/" + maxMem + "/"
                + totalMem + ", vms " + runningVms + ", pci " + pciDevices.size() + ", numa " + numaNodes.size() + "]";
    }
}
