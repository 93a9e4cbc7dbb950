package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.VmStateMachine.Effect;
import dev.nimbo.core.vm.VmStateMachine.Step;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Applies life-cycle steps inside a transaction: one call moves the VM to its next phase and, in the same
 * transaction, writes its history, moves its capacity between hosts, charges or releases its quotas and, when
 * it is DONE, gives back its images and leases. What a VM holds is derived from its phase
 * ({@link VmStateMachine#holdsHost}, {@link VmStateMachine#runningQuota}, {@link VmStateMachine#holdsResources}),
 * so every transition charges exactly the difference. The driver operation the new phase waits for is returned,
 * for the caller to start once the transaction is durable. Controller thread only; pure apart from the
 * transaction.
 */
public final class VmTransitions {
    private static final DateTimeFormatter ERROR_TIME = DateTimeFormatter.ofPattern("EEE MMM d HH:mm:ss yyyy",
            Locale.ROOT);

    private VmTransitions() {
    }

    /** Who asked (written on history records); {@link #SYSTEM} for driver results and recovery at start. */
    public record Requester(int uid, int gid, int requestId) {
        public static final Requester SYSTEM = new Requester(-1, -1, -1);
    }

    /** Where a deploy puts the VM: host, system datastore and its transfer driver; whether capacity is enforced. */
    public record Placement(int hostId, int dsId, String tmMad, boolean enforce) {
    }

    /**
     * The VM after a step and the work it left: the driver operation the VM now waits for (null when none) in
     * phase {@code at}, and a clean-up to start without waiting (null when none). {@code changed} is false when
     * the step did nothing (e.g. terminate of a DONE VM).
     */
    public record Applied(VirtualMachine vm, Phase at, DriverOp driver, DriverOp detached, boolean changed) {
    }

    /**
     * Stores a new VM (PENDING or HOLD, no history) and charges what its phase holds: VMS, CPU, MEMORY,
     * SYSTEM_DISK_SIZE and the RUNNING_* counters, refused with AUTHORIZATION (naming {@code requesterUid}) when
     * a limit of its owner or group would be passed. Images and leases are taken before, by
     * {@link VmResources#acquire}.
     */
    public static VirtualMachine create(Transaction tx, VirtualMachine vm, int requesterUid) {
        VmQuotas.charge(tx, requesterUid, vm.uid(), vm.gid(), VmQuotas.held(vm, vm.phase()), true);
        tx.put(vm);
        return vm;
    }

    /**
     * Runs a user op on VM {@code vmId}: refused with ACTION (the state named, as oned words it) when the op is
     * not allowed in the VM's phase; a deploy needs a placement. Deploys, resumes and delete-recreates check the
     * running quotas they take back; every other charge is counted without a limit check (the usage exists).
     * The caller has authorized the op.
     */
    public static Applied applyOp(Transaction tx, int vmId, VmOp op, Requester who, Placement placement) {
        VirtualMachine vm = tx.require(ObjectType.VM, vmId);
        History last = vm.lastHistory();
        Step s = VmStateMachine.step(vm.phase(), op, last == null ? VmAction.NONE : last.action())
                .orElseThrow(() -> ApiException.action(VmStateMachine.refusal(op, vmId, vm.phase()), vmId));
        if (s.has(Effect.NEW_PLACEMENT) && placement == null) {
            throw new IllegalArgumentException("deploy without a placement");
        }
        boolean check = op == VmOp.DEPLOY || op == VmOp.RESUME || op == VmOp.RECOVER_DELETE_RECREATE;
        return transition(tx, vm, s, who, s.has(Effect.NEW_PLACEMENT) ? placement : null, check, null);
    }

    /**
     * Applies the result of the driver operation that ran while VM {@code vmId} was in {@code at}. Returns null
     * (nothing staged) when the VM is gone or no longer in that phase: the result is stale. A failure's message
     * goes to USER_TEMPLATE/ERROR with the time, as oned records it; a success clears it.
     */
    public static Applied applyResult(Transaction tx, int vmId, Phase at, DriverOp op, boolean success, String message) {
        return applyResult(tx, vmId, at, op, success, message, null);
    }

    /** As {@link #applyResult(Transaction, int, Phase, DriverOp, boolean, String)}; a deploy's success names the domain. */
    public static Applied applyResult(Transaction tx, int vmId, Phase at, DriverOp op, boolean success, String message,
                                      String deployId) {
        VirtualMachine vm = (VirtualMachine) tx.get(ObjectType.VM, vmId);
        if (vm == null || !vm.phase().equals(at)) {
            return null;
        }
        History lastRecord = vm.lastHistory();
        Step s = VmStateMachine.onResult(at, success, lastRecord == null ? VmAction.NONE : lastRecord.action())
                .orElse(null);
        if (s == null) {
            return null;
        }
        String error = success ? null : "Error executing " + (op.kind() == DriverOp.Kind.TM ? "TM" : "VMM")
                + " action " + op.text() + (message == null || message.isBlank() ? "" : ": " + message);
        if (success && deployId != null && !deployId.isBlank() && !deployId.equals(vm.deployId())) {
            vm = vm.toBuilder().deployId(deployId).build();
        }
        return transition(tx, vm, s, Requester.SYSTEM, null, false, error);
    }

    private static Applied transition(Transaction tx, VirtualMachine vm, Step s, Requester who, Placement placement,
                                      boolean checkQuota, String error) {
        long now = tx.now();
        Phase before = vm.phase();
        Phase after = s.to();
        VirtualMachine.Builder b = vm.toBuilder();

        // -------- history
        boolean migration = placement != null && VmStateMachine.holdsHost(before);
        if (placement != null) {
            Host h = tx.require(ObjectType.HOST, placement.hostId());
            if (migration && s.record() != null) {
                b.lastHistory(b.lastHistory().withAction(s.record(), who.uid(), who.gid(), who.requestId()));
            }
            b.addHistory(History.start(vm.id(), vm.history().size(), h.id(), h.name(), h.clusterId(), h.vmMad(),
                    placement.tmMad(), placement.dsId(), now));
            b.vmTemplate(VmDefinition.sorted(b.vmTemplate().with("TM_MAD_SYSTEM", placement.tmMad())));
            b.vmTemplate(graphicsPort(tx, vm, h.clusterId(), b.vmTemplate(), migration, s.record()));
        }
        if (s.has(Effect.REVERT_PLACEMENT) && b.history().size() >= 2) {
            List<History> hs = new ArrayList<>(b.history());
            History failed = hs.get(hs.size() - 1);
            History source = hs.get(hs.size() - 2);
            hs.set(hs.size() - 2, close(source, now));
            hs.set(hs.size() - 1, close(failed, now));
            hs.add(source.copyAs(failed.seq() + 1, now));
            b.history(hs);
        }
        if (s.has(Effect.NEXT_RECORD) && b.lastHistory() != null) {
            History cur = b.lastHistory();
            b.lastHistory(close(cur, now));
            b.addHistory(cur.copyAsNext(now));
        }
        boolean closeCopy = s.has(Effect.CLOSE_COPY_RECORD) && b.lastHistory() != null;
        if (closeCopy) {
            History cur = b.lastHistory();
            b.lastHistory(close(cur.withAction(s.record(), who.uid(), who.gid(), who.requestId()), now));
            b.addHistory(cur.copyAsNext(now));
        }
        History last = b.lastHistory();
        if (last != null) {
            if (s.record() != null && !closeCopy) {
                last = last.withAction(s.record(), who.uid(), who.gid(), who.requestId());
            }
            if (s.has(Effect.CLEAR_ACTION)) {
                last = last.withInternalAction(VmAction.NONE);
            }
            boolean fresh = placement != null || s.has(Effect.NEXT_RECORD) || s.has(Effect.REVERT_PLACEMENT)
                    || closeCopy;
            b.lastHistory(times(last, fresh ? Phase.of(VmState.PENDING) : before, after, now));
            // the previous placement of a migration ends once the VM has left it
            if (b.history().size() >= 2 && !VmStateMachine.holdsPreviousHost(after)) {
                List<History> hs = new ArrayList<>(b.history());
                History prev = hs.get(hs.size() - 2);
                if (prev.etime() == 0) {
                    hs.set(hs.size() - 2, close(prev, now));
                    b.history(hs);
                }
            }
        }

        // -------- the VM itself
        b.phase(after);
        if (s.has(Effect.RESCHED_ON)) {
            b.resched(true);
        }
        if (s.has(Effect.RESCHED_OFF)) {
            b.resched(false);
        }
        if (s.has(Effect.RESUBMIT)) {
            b.deployId("");
        }
        boolean leavesCluster = (after.is(VmState.DONE) || after.is(VmState.UNDEPLOYED)) && !after.equals(before);
        if (s.has(Effect.RESUBMIT) || leavesCluster) {
            b.vmTemplate(VncPorts.release(b.vmTemplate()));
        }
        if (s.has(Effect.SNAPSHOT_SUCCEEDED)) {
            b.vmTemplate(VmSnapshots.succeeded(b.vmTemplate()));
        }
        if (s.has(Effect.SNAPSHOT_FAILED)) {
            b.vmTemplate(VmSnapshots.failed(b.vmTemplate()));
        }
        if (s.has(Effect.HOTPLUG_SUCCEEDED)) {
            VmBackups.afterAttach(vm, b); // before the hot-plug marks go: an attached disk restarts the chain
        }
        if (s.has(Effect.HOTPLUG_SUCCEEDED) || s.has(Effect.HOTPLUG_FAILED)) {
            b.vmTemplate(VmHotplug.settle(tx, vm, b.vmTemplate(), s.has(Effect.HOTPLUG_SUCCEEDED), now));
        }
        if (s.has(Effect.DISK_SNAPSHOT_SUCCEEDED) || s.has(Effect.DISK_SNAPSHOT_FAILED)) {
            VmDiskSnapshots.settle(tx, vm, b, before, s.has(Effect.DISK_SNAPSHOT_SUCCEEDED));
        }
        if (s.has(Effect.DISK_RESIZE_SUCCEEDED) || s.has(Effect.DISK_RESIZE_FAILED)) {
            VmDiskResize.settle(tx, vm, b, s.has(Effect.DISK_RESIZE_SUCCEEDED));
        }
        if (s.has(Effect.HOT_RESIZE_SUCCEEDED) || s.has(Effect.HOT_RESIZE_FAILED)) {
            settleHotResize(tx, vm, b, s.has(Effect.HOT_RESIZE_SUCCEEDED));
        }
        if (s.has(Effect.SAVEAS_SUCCEEDED) || s.has(Effect.SAVEAS_FAILED)) {
            VmDiskSaveas.settle(tx, b, s.has(Effect.SAVEAS_SUCCEEDED), error);
        }
        if (s.has(Effect.BACKUP_SUCCEEDED) || s.has(Effect.BACKUP_FAILED)) {
            VmBackups.settle(tx, vm, b, s.has(Effect.BACKUP_SUCCEEDED));
        }
        if (s.has(Effect.RESTORE_SUCCEEDED) || s.has(Effect.RESTORE_FAILED)) {
            VmBackups.restored(tx, vm, b, s.has(Effect.RESTORE_SUCCEEDED));
        }
        if (after.is(VmState.DONE) && !before.is(VmState.DONE)) {
            VmDiskSaveas.settle(tx, b, false, "The VM saving the disk ended");
            if (before.isActive(LcmState.BACKUP) || before.isActive(LcmState.BACKUP_POWEROFF)) {
                VmBackups.settle(tx, vm, b, false); // the reservation of a backup cut short goes back
            }
            VmSecurityGroups.release(tx, vm);
            b.etime(now);
        }
        if (error != null) {
            b.userTemplate(b.userTemplate().with("ERROR", ERROR_TIME.format(Instant.ofEpochSecond(now)
                    .atZone(ZoneId.systemDefault())) + " : " + error));
        } else if (s.driver() != null || !after.equals(before)) {
            if (b.userTemplate().get("ERROR") != null && !after.lcm().isFailure()) {
                b.userTemplate(b.userTemplate().without("ERROR"));
            }
        }
        VirtualMachine next = b.build();

        // -------- host capacity
        Set<Integer> heldBefore = heldHosts(vm);
        Set<Integer> heldAfter = heldHosts(next);
        for (int hid : heldBefore) {
            Host h = heldAfter.contains(hid) ? null : (Host) tx.get(ObjectType.HOST, hid);
            if (h != null) {
                Host freed = VmPci.freeHostDevices(HostCapacity.remove(h, vm.id(), HostCapacity.Demand.of(vm)), vm.id());
                // a migration's source is freed by the placement it has there, not the target's NUMA_NODEs
                tx.put(dev.nimbo.core.epa.Epa.release(freed, vm.id(), dev.nimbo.core.epa.Epa.onHost(vm.vmTemplate(), hid)));
            }
        }
        for (int hid : heldAfter) {
            Host h = heldBefore.contains(hid) ? null : (Host) tx.get(ObjectType.HOST, hid);
            if (h != null) {
                HostCapacity.Demand d = HostCapacity.Demand.of(next);
                if (placement != null && placement.enforce()) {
                    String misfit = HostCapacity.misfit(h, d);
                    if (misfit != null) {
                        throw ApiException.action("VM [" + vm.id() + "] does not fit in HOST [" + h.id() + "]. "
                                + misfit, vm.id());
                    }
                }
                Host added = HostCapacity.add(h, vm.id(), d);
                if (placement != null) {
                    // a new placement takes its PCI devices and pinned CPUs, hugepages, NUMA memory here, in the
                    // same action as the deploy: the single writer is what keeps two VMs off the same core or VF
                    for (int source : heldAfter) {
                        if (source != hid && heldBefore.contains(source)) {
                            next = next.toBuilder().vmTemplate(VmDefinition.sorted(
                                    dev.nimbo.core.epa.Epa.keepSource(next.vmTemplate(), source))).build();
                        }
                    }
                    try {
                        dev.nimbo.core.epa.Epa.Acquired a = dev.nimbo.core.epa.Epa.acquire(added, vm.id(),
                                next.vmTemplate());
                        added = a.host();
                        if (a.vmTemplate() != next.vmTemplate()) {
                            next = next.toBuilder().vmTemplate(VmDefinition.sorted(a.vmTemplate())).build();
                        }
                    } catch (dev.nimbo.core.epa.EpaException e) {
                        throw ApiException.action("VM [" + vm.id() + "] does not fit in HOST [" + h.id() + "]. "
                                + e.getMessage(), vm.id());
                    }
                }
                tx.put(added);
            }
        }

        Template settled = dev.nimbo.core.epa.Epa.settleSource(next.vmTemplate(), heldAfter);
        if (settled != next.vmTemplate()) {
            next = next.toBuilder().vmTemplate(VmDefinition.sorted(settled)).build();
        }

        // -------- quotas
        boolean runningBefore = VmStateMachine.runningQuota(before);
        boolean runningAfter = VmStateMachine.runningQuota(after);
        if (runningBefore && !runningAfter) {
            VmQuotas.release(tx, vm.uid(), vm.gid(), VmQuotas.running(vm));
        } else if (!runningBefore && runningAfter) {
            VmQuotas.charge(tx, who.uid() < 0 ? vm.uid() : who.uid(), vm.uid(), vm.gid(), VmQuotas.running(next),
                    checkQuota);
        }
        if (VmStateMachine.holdsResources(before) && !VmStateMachine.holdsResources(after)) {
            VmQuotas.release(tx, vm.uid(), vm.gid(), VmQuotas.base(vm));
            VmResources.release(tx, next, now);
        }

        boolean changed = !next.phase().equals(before) || s.driver() != null || s.detached() != null
                || s.record() != null || !s.effects().isEmpty() || error != null;
        if (changed) {
            tx.put(next);
        }
        return new Applied(changed ? next : vm, after, s.driver(), s.detached(), changed);
    }

    /**
     * The template with the VNC port the VM has in cluster {@code clusterId} (see {@link VncPorts}): a deploy takes
     * one (a STOPPED VM coming back keeps its own when it is still free); a migration within the cluster keeps it;
     * one to another cluster keeps it when free there, else a cold migration takes a new one and a live one is
     * refused.
     */
    private static Template graphicsPort(Transaction tx, VirtualMachine vm, int clusterId, Template t,
                                         boolean migration, VmAction action) {
        if (!migration) {
            return VncPorts.assign(tx, vm.id(), clusterId, t);
        }
        if (vm.lastHistory() == null || vm.lastHistory().cid() == clusterId) {
            return t;
        }
        try {
            return VncPorts.assign(tx, vm.id(), clusterId, t);
        } catch (ApiException taken) {
            if (action == VmAction.LIVE_MIGRATE) {
                throw taken;
            }
            return VncPorts.assign(tx, vm.id(), clusterId, VncPorts.release(t));
        }
    }

    /**
     * Resizes a VM: CPU, VCPU and MEMORY (0 or negative keeps the current value). Quotas move by the difference
     * (increases checked against the owner's limits) and a placed VM's host usage too (refused when
     * {@code enforce} and the host has no room). A VM that is not running (INIT, PENDING, HOLD, UNDEPLOYED,
     * CLONING*, POWEROFF) just takes the new size, a powered-off one with a new history record (action RESIZE,
     * as oned's close_cp_history). A RUNNING VM is resized by its hypervisor: it keeps the old size in RESIZE and
     * goes to HOTPLUG_RESIZE until the driver answers (a failure puts everything back); pinned VMs are refused,
     * and asking for the size it has changes nothing. Other states get ACTION naming the state.
     */
    public static Applied resize(Transaction tx, int vmId, float cpu, int vcpu, long memoryMb, boolean enforce,
                                 Requester who) {
        VirtualMachine vm = tx.require(ObjectType.VM, vmId);
        Phase p = vm.phase();
        boolean cold = switch (p.state()) {
            case INIT, PENDING, HOLD, UNDEPLOYED, CLONING, CLONING_FAILURE, POWEROFF -> true;
            default -> false;
        };
        boolean live = p.isActive(LcmState.RUNNING);
        if (!cold && !live) {
            throw ApiException.action("Cannot resize a VM in state " + p.text(), vmId);
        }
        if (live && pinned(vm)) {
            throw ApiException.action("Cannot resize a pinned VM", vmId);
        }
        String oldVcpu = vm.vmTemplate().get("VCPU");
        String vcpuText = vcpu > 0 ? Integer.toString(vcpu) : oldVcpu;
        // a pinned VM has a whole physical CPU per virtual one
        float ncpu = pinned(vm) && vcpuText != null ? Float.parseFloat(vcpuText) : cpu > 0 ? cpu : vm.cpu();
        long nmem = memoryMb > 0 ? memoryMb : vm.memoryMb();
        if (live && ncpu == vm.cpu() && nmem == vm.memoryMb() && java.util.Objects.equals(vcpuText, oldVcpu)) {
            return new Applied(vm, p, null, null, false); // nothing to resize
        }
        if (live) {
            // the hypervisor cannot grow a running VM past the room it was started with: refused before it tries
            long vcpuMax = VmSchedActions.longOr(vm.vmTemplate().get("VCPU_MAX"), 0);
            if (vcpuMax > 0 && vcpuText != null && Long.parseLong(vcpuText.strip()) > vcpuMax) {
                throw ApiException.action("Cannot resize a running VM above VCPU_MAX (" + vcpuMax + ")", vmId);
            }
            long memoryMax = VmSchedActions.longOr(vm.vmTemplate().get("MEMORY_MAX"), 0);
            if (memoryMax > 0 && nmem > memoryMax) {
                throw ApiException.action("Cannot resize a running VM above MEMORY_MAX (" + memoryMax + ")", vmId);
            }
        }
        Template t = vm.vmTemplate().with("CPU", formatCpu(ncpu)).with("MEMORY", Long.toString(nmem));
        if (vcpuText != null) {
            t = t.with("VCPU", vcpuText);
        }
        if (live) {
            t = t.without("RESIZE").add(new VectorAttribute("RESIZE", List.of(
                    new SingleAttribute("CPU", formatCpu(vm.cpu())),
                    new SingleAttribute("MEMORY", Long.toString(vm.memoryMb())),
                    new SingleAttribute("VCPU", oldVcpu == null ? "1" : oldVcpu))));
        }
        VirtualMachine.Builder b = vm.toBuilder().vmTemplate(VmDefinition.sorted(t));
        long now = tx.now();
        if (p.is(VmState.POWEROFF) && b.lastHistory() != null) {
            History cur = b.lastHistory();
            b.lastHistory(close(cur.withAction(VmAction.RESIZE, who.uid(), who.gid(), who.requestId()), now));
            b.addHistory(cur.copyAs(cur.seq() + 1, now).withInternalAction(VmAction.NONE));
        }
        VirtualMachine next = b.build();
        // quotas: base always, running when the phase counts as running
        quotaDelta(tx, who, vm, next, false, true);
        if (VmStateMachine.runningQuota(p)) {
            quotaDelta(tx, who, vm, next, true, true);
        }
        moveHostUsage(tx, vm, next, enforce);
        tx.put(next);
        if (live) {
            return applyOp(tx, vmId, VmOp.HOT_RESIZE, who, null);
        }
        return new Applied(next, p, null, null, true);
    }

    /** A placed VM's host usage moved from {@code vm}'s size to {@code next}'s; ACTION when enforced and full. */
    private static void moveHostUsage(Transaction tx, VirtualMachine vm, VirtualMachine next, boolean enforce) {
        for (int hid : heldHosts(vm)) {
            Host h = (Host) tx.get(ObjectType.HOST, hid);
            if (h == null) {
                continue;
            }
            Host freed = HostCapacity.remove(h, vm.id(), HostCapacity.Demand.of(vm));
            HostCapacity.Demand d = HostCapacity.Demand.of(next);
            String misfit = enforce ? HostCapacity.misfit(freed, d) : null;
            if (misfit != null) {
                throw ApiException.action("VM [" + vm.id() + "] does not fit in HOST [" + hid + "]. " + misfit,
                        vm.id());
            }
            tx.put(HostCapacity.add(freed, vm.id(), d));
        }
    }

    /**
     * The hot resize's answer: a success forgets the old size; a failure gives the VM back the size kept in
     * RESIZE, with its quotas and host usage (no limit checked: that usage existed before).
     */
    private static void settleHotResize(Transaction tx, VirtualMachine vm, VirtualMachine.Builder b, boolean ok) {
        List<VectorAttribute> kept = b.vmTemplate().vectors("RESIZE");
        Template t = b.vmTemplate().without("RESIZE");
        if (!ok && !kept.isEmpty()) {
            VectorAttribute old = kept.get(0);
            t = t.with("CPU", old.get("CPU")).with("MEMORY", old.get("MEMORY")).with("VCPU", old.get("VCPU"));
            VirtualMachine reverted = vm.toBuilder().vmTemplate(t).build();
            quotaDelta(tx, Requester.SYSTEM, vm, reverted, false, false);
            quotaDelta(tx, Requester.SYSTEM, vm, reverted, true, false);
            moveHostUsage(tx, vm, reverted, false);
        }
        b.vmTemplate(VmDefinition.sorted(t));
    }

    /** Whether the VM's virtual CPUs are pinned to physical ones (TOPOLOGY PIN_POLICY other than NONE). */
    static boolean pinned(VirtualMachine vm) {
        List<VectorAttribute> topo = vm.vmTemplate().vectors("TOPOLOGY");
        String policy = topo.isEmpty() ? null : topo.get(0).get("PIN_POLICY");
        return policy != null && !policy.isBlank() && !policy.strip().equalsIgnoreCase("NONE");
    }

    private static String formatCpu(float cpu) {
        return cpu == Math.rint(cpu) ? Long.toString((long) cpu) : Float.toString(cpu);
    }

    /** Charges what grows (checked) and releases what shrinks, of the CPU/MEMORY or RUNNING_CPU/RUNNING_MEMORY quotas. */
    private static void quotaDelta(Transaction tx, Requester who, VirtualMachine vm, VirtualMachine next,
                                   boolean running, boolean check) {
        float dcpu = next.cpu() - vm.cpu();
        long dmem = next.memoryMb() - vm.memoryMb();
        dev.nimbo.core.quota.Usage up = running
                ? dev.nimbo.core.quota.Usage.vmRunning(0, Math.max(0, dcpu), Math.max(0, dmem))
                : dev.nimbo.core.quota.Usage.vm(0, Math.max(0, dcpu), Math.max(0, dmem), 0, false);
        dev.nimbo.core.quota.Usage down = running
                ? dev.nimbo.core.quota.Usage.vmRunning(0, Math.max(0, -dcpu), Math.max(0, -dmem))
                : dev.nimbo.core.quota.Usage.vm(0, Math.max(0, -dcpu), Math.max(0, -dmem), 0, false);
        VmQuotas.release(tx, vm.uid(), vm.gid(), down);
        VmQuotas.charge(tx, who.uid() < 0 ? vm.uid() : who.uid(), vm.uid(), vm.gid(), up, check);
    }

    /**
     * The driver operation the VM waits for in its phase, or null: {@link VmStateMachine#driverFor} knowing the
     * VM (a hot-plug snapshot's operation is in its template).
     */
    public static DriverOp driverFor(VirtualMachine vm) {
        if (vm.state() == VmState.ACTIVE && vm.lcmState() == LcmState.HOTPLUG_SNAPSHOT) {
            return VmSnapshots.pendingOp(vm.vmTemplate());
        }
        if (vm.state() == VmState.ACTIVE && switch (vm.lcmState()) {
            case HOTPLUG, HOTPLUG_NIC, HOTPLUG_NIC_POWEROFF, HOTPLUG_PROLOG_POWEROFF, HOTPLUG_EPILOG_POWEROFF -> true;
            default -> false;
        }) {
            return VmHotplug.pendingOp(vm);
        }
        History last = vm.lastHistory();
        return VmStateMachine.driverFor(vm.phase(), last == null ? VmAction.NONE : last.action());
    }

    /**
     * The hosts whose capacity the VM holds in its phase: its current placement's host, and during a migration
     * away from a running placement also the previous one's.
     */
    public static Set<Integer> heldHosts(VirtualMachine vm) {
        Set<Integer> out = new TreeSet<>();
        Phase p = vm.phase();
        if (VmStateMachine.holdsHost(p) && vm.hostId() >= 0) {
            out.add(vm.hostId());
        }
        if (VmStateMachine.holdsPreviousHost(p) && vm.history().size() >= 2) {
            out.add(vm.history().get(vm.history().size() - 2).hid());
        }
        return out;
    }

    /** A record ending now: end time, and any phase still open ends too. */
    static History close(History h, long now) {
        return h.withTimes(h.stime(), h.etime() == 0 ? now : h.etime(), h.pstime(),
                h.pstime() != 0 && h.petime() == 0 ? now : h.petime(), h.rstime(),
                h.rstime() != 0 && h.retime() == 0 ? now : h.retime(), h.estime(),
                h.estime() != 0 && h.eetime() == 0 ? now : h.eetime());
    }

    /**
     * The record's phase times after moving from {@code before} to {@code after}: a phase (prolog, running,
     * epilog) starts when entered and ends when left; the record ends when the VM leaves the host.
     */
    static History times(History h, Phase before, Phase after, long now) {
        long ps = h.pstime();
        long pe = h.petime();
        long rs = h.rstime();
        long re = h.retime();
        long es = h.estime();
        long ee = h.eetime();
        boolean pb = VmStateMachine.prologPhase(before);
        boolean pa = VmStateMachine.prologPhase(after);
        if (pa && !pb) {
            ps = ps == 0 ? now : ps;
            pe = 0;
        } else if (pb && !pa) {
            pe = now;
        }
        boolean rb = VmStateMachine.runningPhase(before);
        boolean ra = VmStateMachine.runningPhase(after);
        if (ra && !rb) {
            if (rs == 0 || re != 0) {
                rs = now;
            }
            re = 0;
        } else if (rb && !ra) {
            re = now;
        }
        boolean eb = VmStateMachine.epilogPhase(before);
        boolean ea = VmStateMachine.epilogPhase(after);
        if (ea && !eb) {
            es = es == 0 ? now : es;
            ee = 0;
        } else if (eb && !ea) {
            ee = now;
        }
        History out = h.withTimes(h.stime(), h.etime(), ps, pe, rs, re, es, ee);
        if (!VmStateMachine.holdsHost(after) && h.etime() == 0) {
            out = close(out, now);
        }
        return out;
    }
}
