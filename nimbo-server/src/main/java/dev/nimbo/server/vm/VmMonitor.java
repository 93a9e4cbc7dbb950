package dev.nimbo.server.vm;

import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.MonitoringStore;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.vm.LcmState;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmMonitoring;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.core.vm.VmStateSync;
import dev.nimbo.core.vm.VmmDriver;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import dev.nimbo.server.api.ApiContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Monitors running VMs through their hosts' virtualization drivers once per interval: one poll per host for
 * all its RUNNING VMs, then one controller action per round that sets each VM's MONITORING and LAST_POLL
 * (VMs that stopped running meanwhile are skipped), and moves the VMs whose hypervisor reports another state
 * than theirs ({@link VmStateSync}: a domain gone, paused, crashed or running again). Every record also goes to
 * the VM monitoring history (the {@code vm_monitoring} table) for {@code one.vm.monitoring} and {@code one.vmpool.monitoring}, expired after
 * {@code monitorExpiration} and dropped when the VM is done. Thread-safe; its timer thread only reads published
 * state, writes the history and submits actions.
 */
public final class VmMonitor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VmMonitor.class);

    private final ApiContext ctx;
    private final Map<String, VmmDriver> vmms;
    private final VmSettings settings;
    private final MonitoringStore history;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon(true).name("nimbo-vm-monitor").unstarted(r));
    private volatile boolean closed;

    VmMonitor(ApiContext ctx, Map<String, VmmDriver> vmms, VmSettings settings, MonitoringStore history) {
        this.ctx = ctx;
        this.vmms = vmms;
        this.settings = settings;
        this.history = history;
    }

    void start() {
        long ms = settings.monitorInterval().toMillis();
        if (ms > 0) {
            timer.scheduleWithFixedDelay(this::safeRound, ms, ms, TimeUnit.MILLISECONDS);
        }
        long expiry = Math.max(1000, Math.min(settings.monitorExpiration().toMillis() / 10, 600_000));
        timer.scheduleWithFixedDelay(this::expire, expiry, expiry, TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        closed = true;
        timer.shutdownNow();
        try {
            if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("VM monitoring did not stop within 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        history.close();
    }

    private void expire() {
        try {
            int n = history.expire(ctx.now() - settings.monitorExpiration().toSeconds());
            if (n > 0) {
                log.debug("expired {} VM monitoring records", n);
            }
        } catch (RuntimeException e) {
            log.warn("could not expire VM monitoring history: {}", e.getMessage());
        }
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

    /**
     * Polls every running VM once; completes when the samples are stored and the VMs whose hypervisor state
     * differs from theirs have moved ({@link VmStateSync}). Where the driver reports states, powered-off, suspended
     * and UNKNOWN VMs are asked about too (only their state counts), so a VM started again behind Nimbo's back is
     * found.
     */
    public CompletableFuture<Void> round() {
        Map<Integer, List<VirtualMachine>> byHost = new HashMap<>();
        Map<Integer, VirtualMachine> polled = new HashMap<>();
        Map<Integer, Boolean> reportsState = new HashMap<>();
        for (PoolObject o : ctx.view().list(ObjectType.VM)) {
            VirtualMachine vm = (VirtualMachine) o;
            boolean running = vm.state() == VmState.ACTIVE && vm.lcmState() == LcmState.RUNNING;
            if (vm.hostId() < 0 || !VmStateSync.watched(vm.phase())
                    || (!running && !reportsState.computeIfAbsent(vm.hostId(), this::reportsState))) {
                continue;
            }
            byHost.computeIfAbsent(vm.hostId(), h -> new ArrayList<>()).add(vm);
            polled.put(vm.id(), vm);
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
            Map<Integer, String> states = new HashMap<>();
            for (CompletableFuture<Map<Integer, Map<String, String>>> p : polls) {
                p.join().forEach((id, values) -> {
                    VirtualMachine was = polled.get(id);
                    if (was == null) {
                        return;
                    }
                    String state = values.get(VmStateSync.STATE);
                    if (state != null && VmStateSync.opFor(was.phase(), state) != null) {
                        states.put(id, state);
                    } else if (was.state() == VmState.ACTIVE && was.lcmState() == LcmState.RUNNING) {
                        samples.put(id, VmMonitoring.of(id, now, values));
                    }
                });
            }
            log.debug("VM monitoring: {} VMs polled, {} samples, states to apply {}", polled.size(), samples.size(),
                    states);
            if ((samples.isEmpty() && states.isEmpty()) || closed) {
                return CompletableFuture.completedFuture(null);
            }
            record(samples);
            return ctx.controller().submit(tx -> {
                for (Map.Entry<Integer, VmMonitoring> e : samples.entrySet()) {
                    VirtualMachine vm = (VirtualMachine) tx.get(ObjectType.VM, e.getKey());
                    if (vm != null && vm.state() == VmState.ACTIVE && vm.lcmState() == LcmState.RUNNING) {
                        tx.put(vm.toBuilder().monitoring(e.getValue(), now).build());
                    }
                }
                states.forEach((id, state) -> {
                    if (VmStateSync.apply(tx, polled.get(id), state) != null) {
                        log.info("VM {}: its hypervisor reports it {}: now {}", id, state,
                                ((VirtualMachine) tx.get(ObjectType.VM, id)).phase().text());
                    }
                });
                return null;
            }).thenApply(x -> null);
        });
    }

    /** Whether the host's driver reports VM states (only then are VMs that do not run asked about). */
    private boolean reportsState(int hostId) {
        VmmDriver d = ctx.view().get(ObjectType.HOST, hostId) instanceof Host h ? vmms.get(h.vmMad()) : null;
        return d != null && d.reportsState();
    }

    private void record(Map<Integer, VmMonitoring> samples) {
        List<MonitoringStore.Entry> entries = new ArrayList<>(samples.size());
        samples.forEach((id, m) -> {
            XmlWriter w = new XmlWriter();
            m.writeXml(w);
            entries.add(new MonitoringStore.Entry(id, m.timestamp(), w.toString()));
        });
        try {
            history.append(entries);
        } catch (RuntimeException e) {
            log.warn("could not write VM monitoring history: {}", e.getMessage());
        }
    }

    /** The VM's stored records, oldest first (its last MONITORING when none are stored). */
    public List<VmMonitoring> records(VirtualMachine vm) {
        List<VmMonitoring> out = new ArrayList<>();
        for (MonitoringStore.Entry e : history.of(vm.id())) {
            out.add(VmMonitoring.fromXml(XmlNode.parse(e.body())));
        }
        if (out.isEmpty() && !vm.monitoring().isEmpty()) {
            out.add(vm.monitoring());
        }
        return out;
    }

    /** The MONITORING_DATA of the VMs {@code ids} accepts: 0 seconds the newest record each, -1 all, N the last N. */
    public String document(int seconds, IntPredicate ids) {
        return MonitoringStore.document(seconds == 0 ? history.latest(ids)
                : history.since(seconds < 0 ? -1 : ctx.now() - seconds, ids));
    }

    /** Drops a VM's records (it is done), on the monitor's thread: callers may be on the controller's path. */
    public void forget(int vmId) {
        if (closed) {
            return;
        }
        try {
            timer.execute(() -> {
                try {
                    history.delete(vmId);
                } catch (RuntimeException e) {
                    log.warn("could not drop the monitoring history of VM {}: {}", vmId, e.getMessage());
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // the daemon is stopping: the records expire with age
        }
    }
}
