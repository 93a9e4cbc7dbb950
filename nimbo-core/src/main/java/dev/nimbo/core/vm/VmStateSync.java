package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.Transaction;
import java.util.Locale;

/**
 * The VM state a hypervisor reports (a poll's {@code STATE}) against the state the front-end holds, as oned's
 * InformationManager and LifeCycleManager reconcile them: a RUNNING (or UNKNOWN) VM whose domain is gone or shut
 * off goes to POWEROFF, one found paused to SUSPENDED, a crashed one (FAILURE) from RUNNING to UNKNOWN; a powered
 * off, suspended or UNKNOWN VM found running is RUNNING again. Drivers that report no STATE (the dummy one) never
 * move a VM. Stateless; {@link #apply} runs on the controller's thread.
 */
public final class VmStateSync {
    /** The poll attribute with the hypervisor's state: RUNNING, PAUSED (or SUSPENDED), POWEROFF, FAILURE. */
    public static final String STATE = "STATE";

    private VmStateSync() {
    }

    /** Whether VMs in this phase are asked about (their hypervisor state may move them). */
    public static boolean watched(Phase p) {
        return p.isActive(LcmState.RUNNING) || p.isActive(LcmState.UNKNOWN) || p.is(VmState.POWEROFF)
                || p.is(VmState.SUSPENDED);
    }

    /** The op a reported state means for a VM in {@code p}, or null when the two agree (or it means nothing). */
    public static VmOp opFor(Phase p, String reported) {
        VmOp op = switch (reported.strip().toUpperCase(Locale.ROOT)) {
            case "RUNNING" -> VmOp.MONITOR_POWERON;
            case "POWEROFF" -> VmOp.MONITOR_POWEROFF;
            case "PAUSED", "SUSPENDED" -> VmOp.MONITOR_SUSPEND;
            case "FAILURE" -> VmOp.MONITOR_DONE;
            default -> null;
        };
        return op != null && VmStateMachine.allowed(p, op) ? op : null;
    }

    /**
     * Moves the VM as the reported state says, unless it changed since it was polled ({@code polled}: the VM as
     * it was when the poll was sent; a user op or a driver result since then wins). Returns the step applied, or
     * null when nothing changed.
     */
    public static VmTransitions.Applied apply(Transaction tx, VirtualMachine polled, String reported) {
        if (!(tx.get(ObjectType.VM, polled.id()) instanceof VirtualMachine now) || !now.phase().equals(polled.phase())
                || now.history().size() != polled.history().size()) {
            return null;
        }
        VmOp op = opFor(now.phase(), reported);
        if (op == null) {
            return null;
        }
        try {
            return VmTransitions.applyOp(tx, now.id(), op, VmTransitions.Requester.SYSTEM, null);
        } catch (ApiException e) {
            return null; // not allowed (any more): the VM keeps its state
        }
    }
}
