package dev.nimbo.core.vm;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A virtualization driver (a host's VM_MAD): starts, saves, restores, stops and cleans up domains, and reports
 * their monitoring. Every call returns at once; the future completes with the outcome (a
 * {@link DriverException} for a failure). Callers run at most one operation per VM at a time and bound each
 * with a timeout (see {@link VmDriverQueue}), so implementations need not. Implementations are thread-safe.
 */
public interface VmmDriver {

    /** The VM_MAD name hosts use to pick this driver, e.g. "dummy" or "kvm". */
    String name();

    /** Runs DEPLOY, RESTORE, SHUTDOWN, CANCEL, SAVE, REBOOT, RESET or CLEANUP. */
    CompletableFuture<DriverResult> execute(DriverRequest request);

    /**
     * Monitoring of the given VMs running on one host: per VM ID, attributes as vm.xsd's MONITORING names them
     * (CPU, MEMORY in KB, NETRX, NETTX, DISKRDBYTES, DISKWRBYTES, DISKRDIOPS, DISKWRIOPS). VMs the hypervisor
     * does not know are left out.
     */
    CompletableFuture<Map<Integer, Map<String, String>>> poll(int hostId, String hostname,
                                                             dev.nimbo.core.template.Template hostTemplate,
                                                             List<VirtualMachine> vms);

    /**
     * Whether {@link #poll} reports each VM's hypervisor state ({@link VmStateSync#STATE}, including VMs it does
     * not find) so that monitoring moves VMs that changed behind the front-end's back; such drivers are also asked
     * about powered-off, suspended and UNKNOWN VMs.
     */
    default boolean reportsState() {
        return false;
    }
}
