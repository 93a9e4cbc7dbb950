package dev.nimbo.core.vm;

import dev.nimbo.core.template.Template;

/**
 * One driver operation for one VM, with what the driver needs to know: the VM version it acts on (template,
 * DEPLOY_ID, placement in its last history record), the host's name and template (drivers read their settings
 * there, e.g. the dummy driver's failure injection), and the system datastore. Immutable.
 */
public record DriverRequest(DriverOp op, VirtualMachine vm, int hostId, String hostname, Template hostTemplate,
                            int dsId) {

    public DriverRequest {
        hostname = hostname == null ? "" : hostname;
        hostTemplate = hostTemplate == null ? Template.EMPTY : hostTemplate;
    }

    public int vmId() {
        return vm.id();
    }

    public String deployId() {
        return vm.deployId();
    }
}
