package dev.nimbo.core.host;

import dev.nimbo.core.template.Template;
import java.util.List;

/**
 * What one monitoring of a host found, as an information driver reports it: attributes for the host's
 * TEMPLATE (HYPERVISOR, ARCH, MODELNAME, CPUSPEED, HOSTNAME, TOTALCPU, TOTALMEMORY and any free-form ones
 * the scheduler may match), the capacity totals (CPU in hundredths, memory in KB), the local disk, the NUMA
 * topology and PCI devices, and the monitoring record of the moment. Immutable.
 */
public record HostMonitoring(Template attributes, long totalCpu, long totalMemKb, HostShare.Disk disk,
                             List<NumaNode> numaNodes, List<PciDevice> pciDevices, MonitoringSample sample) {

    public HostMonitoring {
        attributes = attributes == null ? Template.EMPTY : attributes;
        disk = disk == null ? HostShare.Disk.EMPTY : disk;
        numaNodes = List.copyOf(numaNodes);
        pciDevices = List.copyOf(pciDevices);
    }
}
