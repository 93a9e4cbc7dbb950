package dev.nimbo.core.vm;

import dev.nimbo.core.template.Template;

/**
 * One driver operation for one VM, with what the driver needs to know: the VM version it acts on (template,
 * DEPLOY_ID, placement in its last history record), the host the operation runs on, with its name and template
 * (drivers read their settings there, e.g. the dummy driver's failure injection), the system datastore, and for
 * a live migration the destination host's name ({@code targetHostname}, empty otherwise). Immutable.
 */
public record DriverRequest(DriverOp op, VirtualMachine vm, int hostId, String hostname, Template hostTemplate,
                            int dsId, String targetHostname) {

    public DriverRequest {
        hostname = hostname == null ? "" : hostname;
        hostTemplate = hostTemplate == null ? Template.EMPTY : hostTemplate;
        targetHostname = targetHostname == null ? "" : targetHostname;
    }

    public DriverRequest(DriverOp op, VirtualMachine vm, int hostId, String hostname, Template hostTemplate, int dsId) {
        this(op, vm, hostId, hostname, hostTemplate, dsId, "");
    }

    public int vmId() {
        return vm.id();
    }

    public String deployId() {
        return vm.deployId();
    }
}
