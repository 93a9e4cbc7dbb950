package dev.nimbo.server.vm;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmSchedActions;
import dev.nimbo.core.vm.VmSnapshots;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.server.api.ApiContext;
import java.time.ZoneId;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs VMs' scheduled actions when their TIME comes: once per interval it looks at the VMs that have any, and
 * for each due action runs it as its owner would (no permission check: the owner scheduled it), marking the
 * action DONE (or its next TIME) in the same controller action; an action the VM's state refuses is marked with
 * the refusal as MESSAGE instead. Thread-safe; its timer thread only reads published state and submits actions.
 */
final class VmScheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(VmScheduler.class);

    private final ApiContext ctx;
    private final VmLifecycle lifecycle;
    private final VmSettings settings;
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon(true).name("nimbo-vm-sched").unstarted(r));

    VmScheduler(ApiContext ctx, VmLifecycle lifecycle, VmSettings settings) {
        this.ctx = ctx;
        this.lifecycle = lifecycle;
        this.settings = settings;
    }

    void start() {
        long ms = settings.schedInterval().toMillis();
        if (ms > 0) {
            timer.scheduleWithFixedDelay(this::round, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    void round() {
        try {
            long now = ctx.now();
            for (PoolObject o : ctx.view().list(ObjectType.VM)) {
                VirtualMachine vm = (VirtualMachine) o;
                if (vm.schedActions().isEmpty() || vm.state() == VmState.DONE) {
                    continue;
                }
                for (VectorAttribute sa : VmSchedActions.due(vm.vmTemplate(), now)) {
                    run(vm.id(), Integer.parseInt(sa.get("ID").strip()));
                }
            }
        } catch (RuntimeException e) {
            log.warn("scheduled actions round failed: {}", e.toString());
        }
    }

    private void run(int vmId, int saId) {
        String key = vmId + "/" + saId;
        if (!running.add(key)) {
            return; // the previous attempt is still being recorded
        }
        ctx.controller().submit(tx -> {
            VirtualMachine vm = (VirtualMachine) tx.get(ObjectType.VM, vmId);
            VectorAttribute sa = vm == null ? null : VmSchedActions.find(vm.vmTemplate(), saId);
            if (sa == null || VmSchedActions.due(dev.nimbo.core.template.Template.EMPTY.add(sa), tx.now()).isEmpty()) {
                return null;
            }
            String action = sa.get("ACTION");
            VmTransitions.Requester owner = new VmTransitions.Requester(vm.uid(), vm.gid(), -1);
            VmTransitions.Applied a;
            if (action.equals("snapshot-create")) {
                if (!dev.nimbo.core.vm.VmStateMachine.allowed(vm.phase(), VmOp.SNAPSHOT_CREATE)) {
                    throw dev.nimbo.core.error.ApiException.action(dev.nimbo.core.vm.VmStateMachine.refusal(
                            VmOp.SNAPSHOT_CREATE, vmId, vm.phase()), vmId);
                }
                tx.put(vm.toBuilder().vmTemplate(VmSnapshots.create(vm.vmTemplate(), VmSnapshots.nextId(vm.vmTemplate()),
                        sa.get("ARGS"), tx.now())).build());
                a = VmTransitions.applyOp(tx, vmId, VmOp.SNAPSHOT_CREATE, owner, null);
            } else if (action.equals("backup")) {
                // as oned's scheduler: run with oneadmin's rights, so owners back up their VMs this way
                int[] args = dev.nimbo.core.vm.VmBackups.scheduledArgs(sa.get("ARGS"));
                a = dev.nimbo.core.vm.VmBackups.start(tx, vmId, args[0], args[1] == 1, owner, (v, d) -> { });
            } else {
                a = VmTransitions.applyOp(tx, vmId, VmOp.ofActionWord(action), owner, null);
            }
            mark(tx, vmId, saId, null);
            return lifecycle.stamp(a);
        }).whenComplete((work, err) -> {
            if (err == null) {
                running.remove(key);
                lifecycle.dispatch(work);
                return;
            }
            String message = VmLifecycle.reason(err);
            ctx.controller().submit(tx -> {
                mark(tx, vmId, saId, message);
                return null;
            }).whenComplete((v, e) -> running.remove(key));
        });
    }

    private static void mark(dev.nimbo.core.state.Transaction tx, int vmId, int saId, String error) {
        VirtualMachine vm = (VirtualMachine) tx.get(ObjectType.VM, vmId);
        VectorAttribute sa = vm == null ? null : VmSchedActions.find(vm.vmTemplate(), saId);
        if (sa == null) {
            return;
        }
        VectorAttribute after = VmSchedActions.afterRun(sa, tx.now(), error, ZoneId.systemDefault());
        tx.put(vm.toBuilder().vmTemplate(VmSchedActions.replace(vm.vmTemplate(), saId, after)).build());
    }
}
