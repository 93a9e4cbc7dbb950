package dev.nimbo.drivers.kvm;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.vm.DriverException;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.DriverRequest;
import dev.nimbo.core.vm.DriverResult;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmmDriver;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * The {@code kvm} virtualization driver on the front-end: every operation becomes one {@code vmm} request to the
 * host's agent, which drives libvirt/QEMU there. The VM's template travels with the request (the agent builds the
 * domain from it); the answer carries the domain name. Thread-safe and stateless.
 */
public final class KvmVmm implements VmmDriver {
    public static final String NAME = "kvm";

    private final AgentLink link;

    public KvmVmm(AgentLink link) {
        this.link = link;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletableFuture<DriverResult> execute(DriverRequest r) {
        if (r.op().kind() != DriverOp.Kind.VMM) {
            return CompletableFuture.failedFuture(new DriverException("kvm VMM: " + r.op().text()
                    + " is not a virtualization operation"));
        }
        Map<String, String> a = new TreeMap<>();
        a.put("action", r.op().text());
        a.put("vm_id", Integer.toString(r.vmId()));
        a.put("ds_id", Integer.toString(r.dsId()));
        a.put("deploy_id", r.deployId() == null ? "" : r.deployId());
        a.put("template", r.vm().vmTemplate().toText());
        return link.request(r.hostId(), Ops.VMM, a, null).handle((f, err) -> {
            if (err != null) {
                throw new DriverException("kvm: " + AgentLinks.reason(err), err);
            }
            if (!f.succeeded()) {
                throw new DriverException(f.attr("message", r.op().text() + " failed"));
            }
            return new DriverResult(f.attr("deploy_id"), f.attr("info", ""));
        });
    }

    @Override
    public CompletableFuture<Map<Integer, Map<String, String>>> poll(int hostId, String hostname, Template hostTemplate,
                                                                    List<VirtualMachine> vms) {
        String ids = vms.stream().map(v -> Integer.toString(v.id())).collect(Collectors.joining(","));
        return link.request(hostId, Ops.POLL, Map.of("vms", ids), null).thenApply(f -> {
            if (!f.succeeded()) {
                throw new DriverException("kvm poll: " + f.attr("message", "failed"));
            }
            return MonitoringCodec.vmsFromXml(new String(f.body(), StandardCharsets.UTF_8));
        });
    }
}
