package dev.nimbo.core.sched;

import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.epa.NumaState;
import dev.nimbo.core.expr.Attributes;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostShare;
import dev.nimbo.core.host.HostState;
import dev.nimbo.core.host.PciDevice;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One host as a scheduling cycle sees it: the published version, plus what the cycle has already planned on it
 * (CPU, memory, VMs, pinned cores, devices), so the next VM of the same cycle sees the host as it will be. As
 * {@link Attributes} it answers names the way OpenNebula's scheduler looks them up: the host's TEMPLATE first, then
 * HOST_SHARE (with the planned usage), HOST_SHARE/DATASTORES, MONITORING/CAPACITY and SYSTEM, the host's own
 * elements (ID, NAME, STATE, CLUSTER_ID, CLUSTER, IM_MAD, VM_MAD), and last its cluster's TEMPLATE; plus
 * FREE_CPU/FREE_MEM (capacity left after the planned usage) and CURRENT_VMS (multi-valued: the VM IDs on it).
 * Owned by one cycle's thread.
 */
public final class HostSlot implements Attributes {
    private final Host host;
    private final Map<String, String> fixed;
    private final Map<String, List<String>> repeated;
    private long cpuUsage;
    private long memUsage;
    private int runningVms;
    private final Set<Integer> vms;
    private NumaState numa;
    private List<PciDevice> pci;

    public HostSlot(Host host, Cluster cluster) {
        this.host = host;
        HostShare s = host.share();
        this.cpuUsage = s.cpuUsage();
        this.memUsage = s.memUsage();
        this.runningVms = s.runningVms();
        this.vms = new HashSet<>(host.vms());
        this.pci = s.pciDevices();
        Map<String, String> m = new HashMap<>();
        Map<String, List<String>> rep = new HashMap<>();
        // lowest priority first: later puts win, as the first route that has the name wins in oned
        if (cluster != null) {
            putAll(m, rep, cluster.template());
        }
        m.put("ID", Integer.toString(host.id()));
        m.put("NAME", host.name());
        m.put("STATE", Integer.toString(host.state().code()));
        m.put("CLUSTER_ID", Integer.toString(host.clusterId()));
        m.put("CLUSTER", host.clusterName());
        m.put("IM_MAD", host.imMad());
        m.put("VM_MAD", host.vmMad());
        if (host.monitoring() != null) {
            m.putAll(host.monitoring().system());
            m.putAll(host.monitoring().capacity());
        }
        m.put("DISK_USAGE", Long.toString(s.disk().diskUsage()));
        m.put("FREE_DISK", Long.toString(s.disk().freeDisk()));
        m.put("MAX_DISK", Long.toString(s.disk().maxDisk()));
        m.put("USED_DISK", Long.toString(s.disk().usedDisk()));
        m.put("TOTAL_MEM", Long.toString(s.totalMem()));
        m.put("TOTAL_CPU", Long.toString(s.totalCpu()));
        m.put("MAX_MEM", Long.toString(s.maxMem()));
        m.put("MAX_CPU", Long.toString(s.maxCpu()));
        m.put("VMS_THREAD", Integer.toString(s.vmsThread()));
        putAll(m, rep, host.template());
        this.fixed = m;
        this.repeated = rep;
    }

    private static void putAll(Map<String, String> m, Map<String, List<String>> rep, Template t) {
        for (Attribute a : t.attributes()) {
            if (a instanceof SingleAttribute s) {
                if (m.containsKey(s.name()) && rep != null) {
                    rep.computeIfAbsent(s.name(), k -> new ArrayList<>(List.of(m.get(k)))).add(s.value());
                }
                m.put(s.name(), s.value());
            }
        }
    }

    public Host host() {
        return host;
    }

    public int id() {
        return host.id();
    }

    /** Hosts the scheduler may use: monitored (ON) and not disabled, offline or in error. */
    public boolean usable() {
        return host.state() == HostState.MONITORED || host.state() == HostState.MONITORING_MONITORED;
    }

    public long freeCpu() {
        return host.share().maxCpu() - cpuUsage;
    }

    public long freeMem() {
        return host.share().maxMem() - memUsage;
    }

    public int runningVms() {
        return runningVms;
    }

    public Set<Integer> vms() {
        return vms;
    }

    public List<PciDevice> pci() {
        return pci;
    }

    /** The host's NUMA nodes with this cycle's plans, parsed on first use (only EPA VMs need them). */
    public NumaState numa() {
        if (numa == null) {
            numa = NumaState.of(host.share().numaNodes(), host.share().vmsThread());
        }
        return numa;
    }

    /** Records that the cycle placed a VM here: its demand, its devices, its NUMA share (already applied). */
    public void take(int vmId, long cpu, long memKb, List<PciDevice> devicesAfter) {
        cpuUsage += cpu;
        memUsage += memKb;
        runningVms++;
        vms.add(vmId);
        if (devicesAfter != null) {
            pci = devicesAfter;
        }
    }

    // ------------------------------------------------------------------ Attributes

    @Override
    public String get(String name) {
        switch (name) {
            case "CPU_USAGE":
                return Long.toString(cpuUsage);
            case "MEM_USAGE":
                return Long.toString(memUsage);
            case "RUNNING_VMS":
                return Integer.toString(runningVms);
            case "FREE_CPU_ALLOCATABLE":
                return Long.toString(freeCpu());
            case "FREE_MEM_ALLOCATABLE":
                return Long.toString(freeMem());
            default:
                break;
        }
        String v = fixed.get(name);
        if (v == null && name.equals("FREE_MEM")) {
            return Long.toString(freeMem());
        }
        return v;
    }

    @Override
    public double number(String name) {
        return switch (name) {
            case "CPU_USAGE" -> cpuUsage;
            case "MEM_USAGE" -> memUsage;
            case "RUNNING_VMS" -> runningVms;
            case "FREE_CPU_ALLOCATABLE" -> freeCpu();
            default -> Attributes.super.number(name);
        };
    }

    @Override
    public List<String> all(String name) {
        if (name.equals("CURRENT_VMS")) {
            List<String> out = new ArrayList<>(vms.size());
            for (int vm : vms) {
                out.add(Integer.toString(vm));
            }
            return out;
        }
        List<String> r = repeated.get(name);
        return r != null ? r : Attributes.super.all(name);
    }
}
