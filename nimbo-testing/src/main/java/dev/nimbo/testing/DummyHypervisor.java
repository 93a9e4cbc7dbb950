package dev.nimbo.testing;

import dev.nimbo.agent.AgentHandler;
import dev.nimbo.agent.host.HostProbe;
import dev.nimbo.agent.libvirt.LibvirtVmm;
import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.agent.store.HostStore;
import dev.nimbo.drivers.agent.Frame;
import dev.nimbo.drivers.kvm.MonitoringCodec;
import dev.nimbo.drivers.kvm.Ops;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * An agent's request handler with a simulated hypervisor: VM operations only change a set of "running domains"
 * (deploy adds, shutdown/cancel/save remove), polls report those, the host's monitoring is this machine's real
 * probe; file transfers and disk preparation are the real agent's (its {@link HostStore}), so image transfers
 * cross the link for real. Lets one machine run many edge VMs without QEMU. Thread-safe.
 */
public final class DummyHypervisor implements Function<Frame, Frame> {
    private final HostProbe probe;
    private final AgentHandler files;
    private final Set<Integer> running = ConcurrentHashMap.newKeySet();

    public DummyHypervisor(Path data) {
        HostStore store = new HostStore(data);
        this.probe = new HostProbe(Path.of("/proc"), Path.of("/sys"), data, List.of());
        // the libvirt side is never reached: VMM, POLL and MONITOR are answered here
        this.files = new AgentHandler(probe, store, new LibvirtVmm(new Virsh("test:///default"), store, "qemu",
                Duration.ofSeconds(1)));
    }

    /** The host's monitoring record now (for monitoring buffered while cut off). */
    public String sample() {
        return dev.nimbo.agent.NimboAgent.sample(probe, "kvm");
    }

    /** A domain stops on the host (as if its guest powered itself off). */
    public void stop(int vmId) {
        running.remove(vmId);
    }

    public int running() {
        return running.size();
    }

    @Override
    public Frame apply(Frame f) {
        try {
            return switch (f.attr("op", "")) {
                case Ops.MONITOR -> f.ok(Map.of(), MonitoringCodec.hostToXml(probe.probe("kvm",
                        Map.of("KVM_DOMAIN_TYPE", "dummy"))).getBytes(StandardCharsets.UTF_8));
                case Ops.POLL -> {
                    Map<Integer, Map<String, String>> out = new LinkedHashMap<>();
                    for (String id : f.attr("vms", "").split(",")) {
                        if (!id.isBlank() && running.contains(Integer.parseInt(id.strip()))) {
                            out.put(Integer.parseInt(id.strip()), Map.of("CPU", "1.00", "MEMORY", "1024",
                                    "STATE", "RUNNING"));
                        }
                    }
                    yield f.ok(Map.of(), MonitoringCodec.vmsToXml(out).getBytes(StandardCharsets.UTF_8));
                }
                case Ops.VMM -> {
                    int id = Integer.parseInt(f.attr("vm_id", "-1"));
                    switch (f.attr("action", "")) {
                        case "deploy", "restore" -> running.add(id);
                        case "shutdown", "cancel", "save" -> running.remove(id);
                        default -> {
                            // reboot, snapshots, hot-plug: nothing to simulate
                        }
                    }
                    yield f.ok("deploy".equals(f.attr("action")) ? Map.of("deploy_id", "one-" + id) : Map.of(), null);
                }
                default -> files.apply(f);
            };
        } catch (IOException | RuntimeException e) {
            return f.failed(String.valueOf(e.getMessage()));
        }
    }
}
