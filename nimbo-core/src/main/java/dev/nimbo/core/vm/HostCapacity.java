package dev.nimbo.core.vm;

import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostShare;
import dev.nimbo.core.obj.IdSet;

/**
 * What a VM takes on its host (HOST_SHARE CPU_USAGE in hundredths of a CPU, MEM_USAGE in KB, one RUNNING_VMS
 * slot and its ID in the host's VMS), added and removed as pure functions on host versions, and oned's
 * capacity test for deploys that enforce it. Used on the controller thread by {@link VmTransitions}.
 */
public final class HostCapacity {
    private HostCapacity() {
    }

    /** A VM's demand: CPU in hundredths of a physical CPU, memory in KB. */
    public record Demand(long cpu, long memKb) {
        public static Demand of(VirtualMachine vm) {
            return new Demand(Math.round(vm.cpu() * 100.0), vm.memoryMb() * 1024);
        }
    }

    /** The host with the VM's demand added and the VM listed (adding a listed VM changes nothing). */
    public static Host add(Host h, int vmId, Demand d) {
        if (h.vms().contains(vmId)) {
            return h;
        }
        HostShare s = h.share();
        HostShare n = new HostShare(s.memUsage() + d.memKb(), s.cpuUsage() + d.cpu(), s.totalMem(), s.totalCpu(),
                s.maxMem(), s.maxCpu(), s.runningVms() + 1, s.vmsThread(), s.disk(), s.pciDevices(), s.numaNodes());
        return h.withShare(n).withVms(IdSet.with(h.vms(), vmId));
    }

    /** The host with the VM's demand removed (removing an unlisted VM changes nothing; usage stops at 0). */
    public static Host remove(Host h, int vmId, Demand d) {
        if (!h.vms().contains(vmId)) {
            return h;
        }
        HostShare s = h.share();
        HostShare n = new HostShare(Math.max(0, s.memUsage() - d.memKb()), Math.max(0, s.cpuUsage() - d.cpu()),
                s.totalMem(), s.totalCpu(), s.maxMem(), s.maxCpu(), Math.max(0, s.runningVms() - 1), s.vmsThread(),
                s.disk(), s.pciDevices(), s.numaNodes());
        return h.withShare(n).withVms(IdSet.without(h.vms(), vmId));
    }

    /**
     * Null when the demand fits in what the host has left (MAX_CPU - CPU_USAGE, MAX_MEM - MEM_USAGE), else
     * oned's reason, e.g. "Not enough CPU: 200/100".
     */
    public static String misfit(Host h, Demand d) {
        HostShare s = h.share();
        long freeCpu = s.maxCpu() - s.cpuUsage();
        long freeMem = s.maxMem() - s.memUsage();
        if (freeCpu < d.cpu()) {
            return "Not enough CPU: " + d.cpu() + "/" + freeCpu;
        }
        if (freeMem < d.memKb()) {
            return "Not enough memory: " + d.memKb() + "/" + freeMem;
        }
        return null;
    }
}
