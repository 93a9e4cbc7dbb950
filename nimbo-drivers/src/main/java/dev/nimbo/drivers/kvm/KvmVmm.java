package dev.nimbo.drivers.kvm;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.DriverException;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.DriverRequest;
import dev.nimbo.core.vm.DriverResult;
import dev.nimbo.core.vm.History;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmmDriver;
import dev.nimbo.drivers.agent.Frame;
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
    private final KvmTm tm;

    /** tm: stages a hot-plugged disk on the host before it is attached. */
    public KvmVmm(AgentLink link, KvmTm tm) {
        this.link = link;
        this.tm = tm;
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
        if (r.op() == DriverOp.ATTACH_DISK) {
            // the disk's file must be on the host first: stage it (image transfer, clone) off the caller's thread
            return CompletableFuture.supplyAsync(() -> {
                VectorAttribute d = attaching(r);
                try {
                    tm.stageDisk(r, d);
                } catch (java.io.IOException e) {
                    throw new DriverException("kvm: staging disk " + d.get("DISK_ID") + ": " + e.getMessage(), e);
                }
                return d;
            }, task -> Thread.ofVirtual().name("kvm-attach-" + r.vmId()).start(task)).thenCompose(d -> vmm(r));
        }
        if (!r.targetHostname().isEmpty()) {
            // a migration leaves this host: refused before the guest is touched when the target cannot take it
            History target = r.vm().lastHistory();
            if (!link.connected(target.hid())) {
                return CompletableFuture.failedFuture(new DriverException("kvm: cannot migrate VM " + r.vmId()
                        + " to host " + target.hostname() + ": its agent is not connected"));
            }
            if (r.op() == DriverOp.MIGRATE) {
                return CompletableFuture.supplyAsync(() -> migrateLive(r, target),
                        task -> Thread.ofVirtual().name("kvm-migrate-" + r.vmId()).start(task));
            }
        }
        return vmm(r);
    }

    /**
     * Live migration: the target host's VM directory prepared (disks, kernel, context) and its networks (the VN
     * drivers' pre: bridges, VLAN/VXLAN devices, OVS bridges), then the source agent
     * has libvirt move the running domain there (qemu+tcp to the target host's libvirtd, its name being its
     * address), copying the disks' own data on the way; the target's filters follow (post) and the source's networks
     * and files go once the domain runs on the target. A failure cleans the target and leaves the VM running where it
     * was.
     */
    private DriverResult migrateLive(DriverRequest r, History target) {
        DriverRequest at = new DriverRequest(DriverOp.PROLOG, r.vm(), target.hid(), target.hostname(), null,
                target.dsId());
        Map<String, String> vm = new TreeMap<>(Map.of("vm_id", Integer.toString(r.vmId())));
        try {
            if (runsOn(target.hid(), r.vmId())) {
                // done before a front-end restart issued it again: preparing the target now would wipe its disks
                return finishLive(r, target, vm);
            }
            tm.prepareLiveTarget(at, r.hostId(), r.dsId());
            vm.put("ds_id", Integer.toString(target.dsId()));
            String targetDir = tm.call(target.hid(), Ops.VM_DIR, vm, null, "the VM's directory on the target")
                    .attr("path", "");
            networkStep(target.hid(), r, target.dsId(), "network_pre");
            Map<String, String> a = new TreeMap<>();
            a.put("action", r.op().text());
            a.put("vm_id", Integer.toString(r.vmId()));
            a.put("ds_id", Integer.toString(r.dsId()));
            a.put("target_uri", "qemu+tcp://" + r.targetHostname() + "/system");
            a.put("target_address", r.targetHostname());
            a.put("target_dir", targetDir);
            tm.call(r.hostId(), Ops.VMM, a, null, "live migration to " + r.targetHostname());
        } catch (java.io.IOException | RuntimeException e) {
            vm.put("ds_id", Integer.toString(target.dsId()));
            vm.put("unless_running", "yes");
            try {
                if (!runsOn(target.hid(), r.vmId())) {
                    networkStep(target.hid(), r, target.dsId(), "network_clean");
                }
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            try {
                tm.call(target.hid(), Ops.VM_CLEAN, vm, null, "clean-up on the target");
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e instanceof DriverException d ? d : new DriverException("kvm migrate: " + e.getMessage(), e);
        }
        return finishLive(r, target, vm);
    }

    /** One network step of a live migration on a host: its VN drivers' pre, post or clean for every NIC. */
    private void networkStep(int hostId, DriverRequest r, int dsId, String step) {
        Map<String, String> a = new TreeMap<>();
        a.put("action", step);
        a.put("vm_id", Integer.toString(r.vmId()));
        a.put("ds_id", Integer.toString(dsId));
        a.put("template", r.vm().vmTemplate().toText());
        tm.call(hostId, Ops.VMM, a, null, step.replace('_', ' ') + " of VM " + r.vmId());
    }

    /**
     * The VM runs on its new host: its filters applied there (post), the old host's networks (filters, bridges no
     * other guest uses) and files go.
     */
    private DriverResult finishLive(DriverRequest r, History target, Map<String, String> vm) {
        vm.put("ds_id", Integer.toString(r.dsId()));
        vm.remove("unless_running");
        // the guest runs on the target whatever these steps answer: a failure is logged, not a failed migration
        try {
            networkStep(target.hid(), r, target.dsId(), "network_post");
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(KvmVmm.class).error("VM {}: its filters on host {} failed: {}",
                    r.vmId(), target.hostname(), e.getMessage());
        }
        try {
            networkStep(r.hostId(), r, r.dsId(), "network_clean");
        } catch (RuntimeException e) {
            org.slf4j.LoggerFactory.getLogger(KvmVmm.class).warn("VM {}: {}", r.vmId(), e.getMessage());
        }
        try {
            tm.call(r.hostId(), Ops.VM_CLEAN, vm, null, "clean-up on the source");
        } catch (RuntimeException e) {
            // the VM runs on its new host: leftovers on the old one do not fail the migration
            org.slf4j.LoggerFactory.getLogger(KvmVmm.class).warn("VM {}: {}", r.vmId(), e.getMessage());
        }
        return new DriverResult(r.deployId(), "");
    }

    /** Whether the host's libvirt runs the VM's domain now. */
    private boolean runsOn(int hostId, int vmId) {
        Frame f = tm.call(hostId, Ops.POLL, Map.of("vms", Integer.toString(vmId)), null, "poll of the target");
        // a poll names every VM asked about, those without a domain as POWEROFF: only a running one is there
        Map<String, String> seen = MonitoringCodec.vmsFromXml(new String(f.body(), StandardCharsets.UTF_8)).get(vmId);
        return seen != null && "RUNNING".equalsIgnoreCase(seen.getOrDefault(dev.nimbo.core.vm.VmStateSync.STATE, "RUNNING"));
    }

    private static VectorAttribute attaching(DriverRequest r) {
        for (VectorAttribute d : r.vm().vmTemplate().vectors("DISK")) {
            if ("YES".equalsIgnoreCase(d.get("ATTACH"))) {
                return d;
            }
        }
        throw new DriverException("kvm: no DISK marked ATTACH in VM " + r.vmId());
    }

    private CompletableFuture<DriverResult> vmm(DriverRequest r) {
        Map<String, String> a = new TreeMap<>();
        a.put("action", r.op().text());
        a.put("vm_id", Integer.toString(r.vmId()));
        a.put("ds_id", Integer.toString(r.dsId()));
        a.put("deploy_id", r.deployId() == null ? "" : r.deployId());
        a.put("template", r.vm().vmTemplate().toText());
        // an operation in flight when an edge site's link drops completes once the agent is back; a clean-up is
        // best effort (a VM recreated elsewhere after its host failed must not wait for that host)
        return AgentLinks.patiently(link, r.hostId(), r.op() == DriverOp.CLEANUP ? java.time.Duration.ZERO
                : AgentLinks.reconnectWait(), r.op().text() + " of VM " + r.vmId(),
                () -> link.request(r.hostId(), Ops.VMM, a, null)).handle((f, err) -> {
            if (err != null) {
                throw new DriverException("kvm: " + AgentLinks.reason(err), err);
            }
            if (!f.succeeded()) {
                throw new DriverException(f.attr("message", r.op().text() + " failed"));
            }
            return new DriverResult(f.attr("deploy_id"), f.attr("info", ""));
        });
    }

    /** The agent reports every asked VM's domain state, POWEROFF for one it has no domain of. */
    @Override
    public boolean reportsState() {
        return true;
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
