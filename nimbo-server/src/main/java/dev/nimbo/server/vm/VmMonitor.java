package dev.nimbo.server.vm;

import dev.nimbo.core.host.Host;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.vm.LcmState;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmMonitoring;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.core.vm.VmmDriver;
import dev.nimbo.server.api.ApiContext;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Monitors running VMs through their hosts' virtualization drivers once per interval: one poll per host for
 * all its RUNNING VMs, then one controller action per round that sets each VM's MONITORING and LAST_POLL
 * (VMs that stopped running meanwhile are skipped). The last {@code monitorKeep} records of each VM are kept in
 * memory for {@code one.vm.monitoring} and {@code one.vmpool.monitoring}; they do not survive a restart.
 * Thread-safe; its timer thread only reads published state and submits actions.
 */
public final class VmMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VmMonitor.class);

    private final ApiContext ctx;
    private final Map<String, VmmDriver> vmms;
    private final VmSettings settings;
    private final Map<Integer, Deque<VmMonitoring>> history = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon(true).name("nimbo-vm-monitor").unstarted(r));
    private volatile boolean closed;

    VmMonitor(ApiContext ctx, Map<String, VmmDriver> vmms, VmSettings settings) {
        this.ctx = ctx;
        this.vmms = vmms;
        this.settings = settings;
    }

    void start() {
        long ms = settings.monitorInterval().toMillis();
        if (ms > 0) {
            timer.scheduleWithFixedDelay(this::safeRound, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
    }

    private void safeRound() {
        try {
            round().get(settings.driverTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            if (!closed) {
                log.warn("VM monitoring round failed: {}", VmLifecycle.reason(e));
            }
        }
    }

    /** Polls every running VM once; completes when the samples are stored. */
    public CompletableFuture<Void> round() {
        Map<Integer, List<VirtualMachine>> byHost = new HashMap<>();
        for (PoolObject o : ctx.view().list(ObjectType.VM)) {
            VirtualMachine vm = (VirtualMachine) o;
            if (vm.state() == VmState.ACTIVE && vm.lcmState() == LcmState.RUNNING && vm.hostId() >= 0) {
                byHost.computeIfAbsent(vm.hostId(), h -> new ArrayList<>()).add(vm);
            }
        }
        List<CompletableFuture<Map<Integer, Map<String, String>>>> polls = new ArrayList<>();
        for (Map.Entry<Integer, List<VirtualMachine>> e : byHost.entrySet()) {
            Host host = (Host) ctx.view().get(ObjectType.HOST, e.getKey());
            if (host == null) {
                continue;
            }
            VmmDriver d = vmms.get(host.vmMad());
            if (d == null) {
                continue;
            }
            try {
                polls.add(d.poll(host.id(), host.name(), host.template(), e.getValue())
                        .orTimeout(settings.driverTimeout().toMillis(), TimeUnit.MILLISECONDS)
                        .exceptionally(err -> {
                            log.debug("VM monitoring of host {} failed: {}", host.id(), VmLifecycle.reason(err));
                            return Map.of();
                        }));
            } catch (RuntimeException err) {
                log.debug("VM monitoring of host {} failed: {}", host.id(), err.getMessage());
            }
        }
        return CompletableFuture.allOf(polls.toArray(CompletableFuture[]::new)).thenCompose(v -> {
            long now = ctx.now();
            Map<Integer, VmMonitoring> samples = new HashMap<>();
            for (CompletableFuture<Map<Integer, Map<String, String>>> p : polls) {
                p.join().forEach((id, values) -> samples.put(id, VmMonitoring.of(id, now, values)));
            }
            if (samples.isEmpty() || closed) {
                return CompletableFuture.completedFuture(null);
            }
            samples.forEach(this::remember);
            return ctx.controller().submit(tx -> {
                for (Map.Entry<Integer, VmMonitoring> e : samples.entrySet()) {
                    VirtualMachine vm = (VirtualMachine) tx.get(ObjectType.VM, e.getKey());
                    if (vm != null && vm.state() == VmState.ACTIVE && vm.lcmState() == LcmState.RUNNING) {
                        tx.put(vm.toBuilder().monitoring(e.getValue(), now).build());
                    }
                }
                return null;
            }).thenApply(x -> null);
        });
    }

    private void remember(int vmId, VmMonitoring m) {
        Deque<VmMonitoring> d = history.computeIfAbsent(vmId, id -> new ArrayDeque<>());
        synchronized (d) {
            d.addLast(m);
            while (d.size() > Math.max(1, settings.monitorKeep())) {
                d.removeFirst();
            }
        }
    }

    /** The VM's kept records, oldest first (its last MONITORING when none were kept in this run). */
    public List<VmMonitoring> records(VirtualMachine vm) {
        Deque<VmMonitoring> d = history.get(vm.id());
        if (d == null) {
            return vm.monitoring().isEmpty() ? List.of() : List.of(vm.monitoring());
        }
        synchronized (d) {
            return List.copyOf(d);
        }
    }

    /** Drops a VM's records (it is DONE). */
    public void forget(int vmId) {
        history.remove(vmId);
    }
}
