package dev.nimbo.server.edge;

import dev.nimbo.core.host.Host;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.LcmState;
import dev.nimbo.core.vm.Phase;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.drivers.agent.Frame;
import dev.nimbo.drivers.kvm.AgentLink;
import dev.nimbo.drivers.kvm.KvmVmm;
import dev.nimbo.drivers.kvm.MonitoringCodec;
import dev.nimbo.drivers.kvm.Ops;
import dev.nimbo.server.api.ApiContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the front-end's view of a host back in line when its agent reconnects (an edge site's link returned, the
 * agent or the front-end restarted): the host is monitored at once (back to MONITORED), and its VMs are polled in
 * one request. A VM the front-end has RUNNING whose domain is no longer on the host (stopped there while nobody
 * could see it) is recorded as powered off, through the state machine (poweroff-hard confirmed at once: the poll
 * already proved the domain gone), so its host capacity and history stay right. VMs that are still running are
 * left alone; operations that were in flight complete by themselves (the kvm drivers wait for the agent).
 *
 * <p>Kept apart from the regular VM monitoring on purpose: it runs once per reconnection, on a virtual thread;
 * the state change is one controller action. Thread-safe. {@link #reconciled} counts completed reconciliations
 * (tests, benchmark).
 */
public final class EdgeReconciler {
    private static final Logger log = LoggerFactory.getLogger(EdgeReconciler.class);
    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(60);

    private final ApiContext ctx;
    private final AgentLink link;
    private final IntConsumer monitorNow;
    private final Map<Integer, Long> lastMs = new java.util.concurrent.ConcurrentHashMap<>();

    public EdgeReconciler(ApiContext ctx, AgentLink link, IntConsumer monitorNow) {
        this.ctx = ctx;
        this.link = link;
        this.monitorNow = monitorNow;
    }

    /** Called when a host's agent opened a session: reconciles it off the caller's thread. */
    public void reconnected(int hostId) {
        monitorNow.accept(hostId);
        Thread.ofVirtual().name("edge-reconcile-" + hostId).start(() -> {
            try {
                reconcile(hostId);
            } catch (RuntimeException e) {
                log.warn("host {}: reconciliation after reconnection failed: {}", hostId, e.toString());
            }
        });
    }

    /** How long the last reconciliation of a host took (poll and state changes), -1 if none ran. */
    public long lastMillis(int hostId) {
        return lastMs.getOrDefault(hostId, -1L);
    }

    void reconcile(int hostId) {
        long t0 = System.nanoTime();
        if (!(ctx.view().get(ObjectType.HOST, hostId) instanceof Host h) || !KvmVmm.NAME.equals(h.vmMad())) {
            return;
        }
        Map<Integer, VirtualMachine> running = new HashMap<>();
        for (PoolObject o : ctx.view().list(ObjectType.VM)) {
            VirtualMachine vm = (VirtualMachine) o;
            if (vm.hostId() == hostId && isRunning(vm)) {
                running.put(vm.id(), vm);
            }
        }
        if (running.isEmpty()) {
            lastMs.put(hostId, (System.nanoTime() - t0) / 1_000_000);
            return;
        }
        String ids = running.keySet().stream().map(String::valueOf).collect(Collectors.joining(","));
        Frame answer = link.request(hostId, Ops.POLL, Map.of("vms", ids), null)
                .orTimeout(POLL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
        if (!answer.succeeded()) {
            log.warn("host {}: poll after reconnection failed: {}", hostId, answer.attr("message", "?"));
            return;
        }
        Set<Integer> onHost = MonitoringCodec.vmsFromXml(new String(answer.body(), StandardCharsets.UTF_8)).keySet();
        List<VirtualMachine> gone = running.values().stream().filter(vm -> !onHost.contains(vm.id())).toList();
        if (!gone.isEmpty()) {
            ctx.controller().execute(tx -> {
                for (VirtualMachine seen : gone) {
                    // only if nothing happened to it since the poll was sent
                    if (tx.get(ObjectType.VM, seen.id()) instanceof VirtualMachine now && isRunning(now)
                            && sameRun(seen, now)) {
                        VmTransitions.applyOp(tx, now.id(), VmOp.POWEROFF_HARD, VmTransitions.Requester.SYSTEM, null);
                        VmTransitions.applyResult(tx, now.id(), Phase.active(LcmState.SHUTDOWN_POWEROFF),
                                DriverOp.CANCEL, true, null);
                    }
                }
                return null;
            });
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        lastMs.put(hostId, ms);
        log.info("host {} reconnected: {} VMs still running, {} found powered off (now POWEROFF), reconciled in {} ms",
                hostId, running.size() - gone.size(), gone.size(), ms);
    }

    private static boolean isRunning(VirtualMachine vm) {
        return vm.state() == VmState.ACTIVE && vm.lcmState() == LcmState.RUNNING;
    }

    private static boolean sameRun(VirtualMachine a, VirtualMachine b) {
        return a.lastHistory() != null && b.lastHistory() != null && a.lastHistory().seq() == b.lastHistory().seq()
                && java.util.Objects.equals(a.deployId(), b.deployId());
    }
}
