package dev.nimbo.server.vm;

import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.MonitoringStore;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.DriverRequest;
import dev.nimbo.core.vm.DriverResult;
import dev.nimbo.core.vm.History;
import dev.nimbo.core.vm.Phase;
import dev.nimbo.core.vm.TransferDriver;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmDriverQueue;
import dev.nimbo.core.vm.VmStateMachine;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.core.vm.VmmDriver;
import dev.nimbo.drivers.tm.DummyTm;
import dev.nimbo.drivers.kvm.KvmTm;
import dev.nimbo.drivers.kvm.KvmVmm;
import dev.nimbo.drivers.vmm.DummyVmm;
import dev.nimbo.server.api.ApiContext;
import dev.nimbo.store.JdbcMonitoringStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives VMs through their life cycle (and runs their scheduled actions, {@link VmScheduler}). API actions stage a step ({@link VmTransitions}) in one controller action
 * and hand the {@link VmTransitions.Applied} result here once it is durable; this starts the driver operation
 * the VM now waits for (one at a time per VM, with a timeout, through a {@link VmDriverQueue}), and turns the
 * driver's answer into one more controller action that moves the VM on (to its next phase, and maybe the next
 * operation) or to the *_FAILURE phase. Answers that arrive for an operation that was superseded, or for a VM
 * that has moved on, change nothing.
 *
 * <p>At start, VMs found in a phase that waits for a driver (a previous nimbod stopped or crashed mid-operation)
 * get that operation issued again ({@code NIMBO_VM_RESTART_POLICY=resume}, the default: the dummy drivers and
 * real ones are idempotent per operation), or are failed cleanly as if the driver had failed
 * ({@code NIMBO_VM_RESTART_POLICY=fail}). No VM stays in a transient phase.
 *
 * <p>One per daemon, found by its controller ({@link #of}). Thread-safe: driver callbacks arrive on driver
 * threads and only submit controller actions.
 */
public final class VmLifecycle implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VmLifecycle.class);
    private static final Map<Controller, VmLifecycle> RUNNING = new ConcurrentHashMap<>();

    /** The message a VM failed by a restart shows in its ERROR attribute. */
    static final String RESTART_MESSAGE = "the operation was interrupted by a restart of nimbod";

    private final ApiContext ctx;
    private final Map<String, VmmDriver> vmms;
    private final Map<String, TransferDriver> tms;
    private final VmDriverQueue queue;
    private final VmSettings settings;
    private final VmMonitor monitor;
    private final VmScheduler scheduler;
    private final VmBackupRunner backups;
    private volatile boolean closed;
    /** The update_sg chain of each VM whose security groups are being applied (see applySecurityGroups). */
    private final Map<Integer, CompletableFuture<?>> sgUpdates = new ConcurrentHashMap<>();

    VmLifecycle(ApiContext ctx, List<VmmDriver> vmmList, List<TransferDriver> tmList, VmSettings settings,
                MonitoringStore monitoringHistory) {
        this.ctx = ctx;
        Map<String, VmmDriver> v = new TreeMap<>();
        vmmList.forEach(d -> v.put(d.name(), d));
        Map<String, TransferDriver> t = new TreeMap<>();
        tmList.forEach(d -> t.put(d.name(), d));
        this.vmms = Map.copyOf(v);
        this.tms = Map.copyOf(t);
        this.settings = settings;
        this.queue = new VmDriverQueue(settings.driverTimeout());
        this.monitor = new VmMonitor(ctx, this.vmms, settings, monitoringHistory);
        this.scheduler = new VmScheduler(ctx, this, settings);
        this.backups = new VmBackupRunner(ctx, t.get(KvmTm.NAME) instanceof KvmTm k ? k : null);
    }

    /** Starts the life cycle of a daemon: resumes or fails interrupted operations, then monitors VMs. */
    public static VmLifecycle start(ApiContext ctx) {
        return RUNNING.computeIfAbsent(ctx.controller(), c -> {
            dev.nimbo.drivers.kvm.AgentLink agents = dev.nimbo.server.agent.AgentHub.linkOf(ctx);
            java.util.function.IntFunction<String> imageSource = id ->
                    ctx.view().get(ObjectType.IMAGE, id) instanceof dev.nimbo.core.image.Image img ? img.source() : null;
            java.util.function.IntFunction<String> dsPath = id ->
                    ctx.view().get(ObjectType.DATASTORE, id) instanceof dev.nimbo.core.datastore.Datastore ds
                            ? ds.basePath() : null;
            KvmTm kvmTm = new KvmTm(agents, imageSource, dsPath, java.time.Duration.ofSeconds(120),
                    hostId -> cachePeers(ctx, hostId),
                    imageId -> dev.nimbo.drivers.ds.StagedImages.of(ctx.config().dataDir(), imageId));
            VmLifecycle l = new VmLifecycle(ctx, List.of(new DummyVmm(), new KvmVmm(agents, kvmTm)),
                    List.of(new DummyTm(), kvmTm), VmSettings.fromEnvironment(),
                    JdbcMonitoringStore.open(ctx.config().effectiveDbUrl(), JdbcMonitoringStore.Kind.VMS));
            l.recover();
            l.monitor.start();
            l.scheduler.start();
            return l;
        });
    }

    /** The other hosts of a host's cluster that serve their image cache (their agents report CACHE_ENDPOINT). */
    static List<KvmTm.Peer> cachePeers(ApiContext ctx, int hostId) {
        if (!(ctx.view().get(ObjectType.HOST, hostId) instanceof Host self)) {
            return List.of();
        }
        List<KvmTm.Peer> out = new ArrayList<>();
        for (PoolObject o : ctx.view().list(ObjectType.HOST)) {
            Host h = (Host) o;
            String endpoint = h.template().get("CACHE_ENDPOINT");
            if (h.id() != hostId && h.clusterId() == self.clusterId() && endpoint != null && !endpoint.isBlank()) {
                out.add(new KvmTm.Peer(h.id(), endpoint.strip()));
            }
        }
        return out;
    }

    /** The daemon's life cycle (started on first use if the daemon did not start it). */
    public static VmLifecycle of(ApiContext ctx) {
        VmLifecycle l = RUNNING.get(ctx.controller());
        return l != null ? l : start(ctx);
    }

    /** Stops the life cycle of a daemon (before its controller closes); operations in flight are abandoned. */
    public static void stop(Controller controller) {
        VmLifecycle l = RUNNING.remove(controller);
        if (l != null) {
            l.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        monitor.close();
        scheduler.close();
    }

    public VmMonitor monitor() {
        return monitor;
    }

    private ObjectsView view() {
        return ctx.view();
    }

    // ------------------------------------------------------------------ dispatch

    /** A committed step and the stamp it took: the driver work to start once it is durable. */
    public record Work(VmTransitions.Applied applied, long stamp) {
        public VirtualMachine vm() {
            return applied.vm();
        }
    }

    /**
     * Marks a step as the VM's latest: call inside the controller action that stages it, so that of two steps
     * the one committed last decides which driver operation counts (see {@link VmDriverQueue}). Null for null.
     */
    public Work stamp(VmTransitions.Applied a) {
        if (a == null) {
            return null;
        }
        return new Work(a, a.changed() ? queue.stamp(a.vm().id()) : -1);
    }

    /**
     * Starts the driver work a committed step left: the operation the VM now waits for, and a clean-up that
     * nobody waits for. Call after the step's action is durable.
     */
    public void dispatch(Work w) {
        if (w == null || closed) {
            return;
        }
        VmTransitions.Applied a = w.applied();
        if (a.vm().state() == dev.nimbo.core.vm.VmState.DONE) {
            monitor.forget(a.vm().id());
        }
        if (a.detached() != null) {
            submit(a.vm(), -1, a.at(), a.detached(), false);
        }
        if (a.driver() != null) {
            submit(a.vm(), w.stamp(), a.at(), a.driver(), true);
        } else if (w.stamp() >= 0) {
            queue.forget(a.vm().id(), w.stamp());
        }
    }

    /**
     * A running VM's security groups changed (attachsg, detachsg, one.secgroup.commit): its host applies the rules
     * of its template again (update_sg). No phase change and nothing waits for it: the answer moves the VM to the
     * groups' updated (or error) VMs; on a failure the guest keeps its previous filters. Call after the change is
     * durable.
     */
    public void applySecurityGroups(int vmId) {
        if (closed) {
            return;
        }
        // one after the other per VM, each with the VM as it is when it starts: the last one applies the last rules
        CompletableFuture<?>[] mine = new CompletableFuture<?>[1];
        sgUpdates.compute(vmId, (id, previous) -> {
            CompletableFuture<?> before = previous == null ? CompletableFuture.completedFuture(null) : previous;
            mine[0] = before.handle((r, e) -> null).thenCompose(x -> updateSg(vmId));
            return mine[0];
        });
        mine[0].whenComplete((r, e) -> sgUpdates.remove(vmId, mine[0]));
    }

    private CompletableFuture<?> updateSg(int vmId) {
        if (closed || !(view().get(ObjectType.VM, vmId) instanceof VirtualMachine vm)
                || !vm.phase().isActive(dev.nimbo.core.vm.LcmState.RUNNING)) {
            return CompletableFuture.completedFuture(null);
        }
        return call(vm, DriverOp.UPDATE_SG).handle((r, e) -> {
            if (e != null) {
                log.warn("VM {}: update_sg failed: {}", vmId, reason(e));
            }
            if (!closed) {
                // the groups list the VM as up to date, or in error (as oned's UPDATED_VMS / ERROR_VMS)
                ctx.controller().submit(tx -> {
                    dev.nimbo.core.vm.VmSecurityGroups.recordUpdate(tx, vmId, e == null);
                    return null;
                });
            }
            return null;
        });
    }

    private void submit(VirtualMachine vm, long stamp, Phase at, DriverOp op, boolean tracked) {
        queue.submit(vm.id(), stamp, at, op, tracked, t -> call(vm, op), this::onOutcome);
    }

    /** Starts one driver operation for the VM as it is now (its last placement names host and drivers). */
    private CompletableFuture<DriverResult> call(VirtualMachine version, DriverOp op) {
        VirtualMachine vm = (VirtualMachine) view().get(ObjectType.VM, version.id());
        if (vm == null) {
            vm = version;
        }
        if (VmBackupRunner.handles(op)) {
            return backups.call(vm, op); // the backup datastore's driver does it, wherever the VM runs
        }
        History h = vm.lastHistory();
        if (h == null) {
            return CompletableFuture.failedFuture(new dev.nimbo.core.vm.DriverException("the VM has no placement"));
        }
        String target = "";
        if (VmStateMachine.holdsPreviousHost(vm.phase()) && op.kind() == DriverOp.Kind.VMM) {
            // saving for a migration, or migrating live: the work runs on the source host
            target = h.hostname();
            h = vm.history().get(vm.history().size() - 2);
        }
        Host host = (Host) view().get(ObjectType.HOST, h.hid());
        DriverRequest req = new DriverRequest(op, vm, h.hid(), h.hostname(), host == null ? null : host.template(),
                h.dsId(), target);
        String vmMad = host != null ? host.vmMad() : h.vmMad();
        if (op.kind() == DriverOp.Kind.VMM) {
            VmmDriver d = vmms.get(vmMad);
            if (d == null) {
                return CompletableFuture.failedFuture(new dev.nimbo.core.vm.DriverException(
                        "no virtualization driver \"" + vmMad + "\" in this nimbod"));
            }
            return d.execute(req);
        }
        // a simulated host has no disks to move, whatever its system datastore's TM_MAD says
        // kvm hosts get their disks through their agent (a local system datastore on each host)
        String tmMad = DummyVmm.NAME.equals(vmMad) ? DummyTm.NAME : KvmVmm.NAME.equals(vmMad) ? KvmTm.NAME : h.tmMad();
        TransferDriver d = tms.get(tmMad);
        if (d == null) {
            return CompletableFuture.failedFuture(new dev.nimbo.core.vm.DriverException(
                    "no transfer driver \"" + tmMad + "\" in this nimbod"));
        }
        return d.execute(req);
    }

    private void onOutcome(VmDriverQueue.Ticket t, DriverResult r, Throwable failure) {
        if (closed) {
            return;
        }
        if (!t.tracked()) {
            if (failure != null) {
                log.warn("VM {}: clean-up {} failed: {}", t.vmId(), t.op().text(), reason(failure));
            }
            return;
        }
        boolean success = failure == null;
        if (!success) {
            log.info("VM {}: {} failed: {}", t.vmId(), t.op().text(), reason(failure));
        }
        String message = success ? null : reason(failure);
        String deployId = success && r != null ? r.deployId() : null;
        // a disk copied out: the datastore driver registers the image it was saved into once this is durable
        int savedImage = -1;
        if (success && t.op() == DriverOp.CPDS && view().get(ObjectType.VM, t.vmId()) instanceof VirtualMachine v) {
            savedImage = dev.nimbo.core.vm.VmDiskSaveas.pendingImage(v.vmTemplate());
        }
        int registered = savedImage;
        VmBackupRunner.Outcome backup = t.op() == DriverOp.BACKUP
                ? new VmBackupRunner.Outcome(t.vmId(), t.at(), success, r) : null;
        ctx.controller().submit(tx -> {
            if (!queue.isCurrent(t)) {
                return null; // superseded by a newer step for this VM
            }
            if (backup != null) {
                backup.before(tx); // the driver's answer noted on the VM, for the step to record
            }
            Work w = stamp(VmTransitions.applyResult(tx, t.vmId(), t.at(), t.op(), success, message, deployId));
            if (backup != null && w != null) {
                backup.after(tx);
            }
            return w;
        }).whenComplete((work, err) -> {
            if (err != null) {
                log.error("VM {}: could not record the result of {}: {}", t.vmId(), t.op().text(), reason(err));
                return;
            }
            if (work != null) {
                dispatch(work);
                if (registered >= 0) {
                    dev.nimbo.server.storage.StorageManager.of(ctx).register(registered);
                }
                if (backup != null) {
                    backups.afterBackup(backup);
                }
            } else {
                queue.forget(t.vmId(), t.seq());
                if (registered >= 0) {
                    dev.nimbo.server.storage.StorageManager.of(ctx).dropStaged(registered);
                }
                if (backup != null && success) {
                    backups.discard(r); // a backup nobody records (cancelled, recovered): its bytes go
                }
            }
        });
    }

    /**
     * Stops the driver operation of a VM in {@code at} and fails it with {@code message} (one.vm.backupcancel):
     * the VM goes where a failure leads, and the operation's late answer is dropped. False when the VM is no
     * longer in that phase.
     */
    public boolean cancel(int vmId, Phase at, String message) {
        VirtualMachine vm = (VirtualMachine) view().get(ObjectType.VM, vmId);
        if (vm == null || !vm.phase().equals(at)) {
            return false;
        }
        DriverOp op = VmTransitions.driverFor(vm);
        Work w = ctx.controller().execute(tx -> stamp(VmTransitions.applyResult(tx, vmId, at, op, false, message)));
        if (w == null) {
            return false;
        }
        queue.cancelRunning(vmId);
        dispatch(w);
        return true;
    }

    static String reason(Throwable e) {
        while (e instanceof CompletionException && e.getCause() != null) {
            e = e.getCause();
        }
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }

    // ------------------------------------------------------------------ restart

    /** VMs left waiting for a driver by a previous run: issue the operation again, or fail it cleanly. */
    void recover() {
        int resumed = 0;
        int failed = 0;
        for (PoolObject o : view().list(ObjectType.VM)) {
            VirtualMachine vm = (VirtualMachine) o;
            Phase p = vm.phase();
            if (!VmStateMachine.transientPhase(p)) {
                continue;
            }
            DriverOp op = VmTransitions.driverFor(vm);
            if (settings.failOnRestart()) {
                dispatch(ctx.controller().execute(tx ->
                        stamp(VmTransitions.applyResult(tx, vm.id(), p, op, false, RESTART_MESSAGE))));
                failed++;
            } else {
                dispatch(new Work(new VmTransitions.Applied(vm, p, op, null, true), queue.stamp(vm.id())));
                resumed++;
            }
        }
        if (resumed + failed > 0) {
            log.info("VMs interrupted by the previous run: {} operations issued again, {} failed", resumed, failed);
        }
    }

    /** VMs with driver operations queued or running (for tests and metrics). */
    public int busyVms() {
        return queue.busyVms();
    }

    List<String> vmmNames() {
        return new ArrayList<>(vmms.keySet());
    }
}
