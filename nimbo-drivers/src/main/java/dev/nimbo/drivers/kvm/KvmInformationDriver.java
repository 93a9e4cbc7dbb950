package dev.nimbo.drivers.kvm;

import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostMonitoring;
import dev.nimbo.core.host.InformationDriver;
import dev.nimbo.core.host.MonitoringException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code kvm} information driver: asks the host's agent to probe the host (/proc, /sys, libvirt) over the
 * agent channel, telling it which VMs the front-end placed there (running domains besides those are reported as
 * wilds: TEMPLATE/VM vectors with VM_NAME and DEPLOY_ID). A host whose agent is not connected fails its monitoring with the reason (so it goes to ERROR)
 * and nothing else happens to it or its VMs. Thread-safe and stateless.
 */
public final class KvmInformationDriver implements InformationDriver {
    public static final String NAME = "kvm";

    private final AgentLink link;

    public KvmInformationDriver(AgentLink link) {
        this.link = link;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletableFuture<HostMonitoring> monitor(Host host) {
        if (!link.connected(host.id())) {
            return CompletableFuture.failedFuture(new MonitoringException("the host's agent is not connected"
                    + (host.template().get("AGENT_TOKEN") != null ? " (not enrolled yet: run nimbo-agent with the"
                    + " host's AGENT_TOKEN)" : "")));
        }
        // the VMs the front-end has here: any other running domain is a wild the host reports
        String known = host.vms().stream().sorted().map(String::valueOf).collect(java.util.stream.Collectors.joining(","));
        return link.request(host.id(), Ops.MONITOR, Map.of("vms", known), null).thenApply(f -> {
            if (!f.succeeded()) {
                throw new MonitoringException("agent: " + f.attr("message", "monitoring failed"));
            }
            return MonitoringCodec.hostFromXml(new String(f.body(), StandardCharsets.UTF_8));
        });
    }
}
