package dev.nimbo.core.vm;

import static dev.nimbo.core.vm.LcmState.BOOT;
import static dev.nimbo.core.vm.LcmState.BOOT_FAILURE;
import static dev.nimbo.core.vm.LcmState.BOOT_POWEROFF;
import static dev.nimbo.core.vm.LcmState.BOOT_STOPPED;
import static dev.nimbo.core.vm.LcmState.BOOT_STOPPED_FAILURE;
import static dev.nimbo.core.vm.LcmState.BOOT_SUSPENDED;
import static dev.nimbo.core.vm.LcmState.BOOT_UNDEPLOY;
import static dev.nimbo.core.vm.LcmState.BOOT_UNDEPLOY_FAILURE;
import static dev.nimbo.core.vm.LcmState.BOOT_UNKNOWN;
import static dev.nimbo.core.vm.LcmState.CLEANUP_DELETE;
import static dev.nimbo.core.vm.LcmState.CLEANUP_RESUBMIT;
import static dev.nimbo.core.vm.LcmState.EPILOG;
import static dev.nimbo.core.vm.LcmState.EPILOG_FAILURE;
import static dev.nimbo.core.vm.LcmState.EPILOG_STOP;
import static dev.nimbo.core.vm.LcmState.EPILOG_STOP_FAILURE;
import static dev.nimbo.core.vm.LcmState.EPILOG_UNDEPLOY;
import static dev.nimbo.core.vm.LcmState.EPILOG_UNDEPLOY_FAILURE;
import static dev.nimbo.core.vm.LcmState.LCM_INIT;
import static dev.nimbo.core.vm.LcmState.PROLOG;
import static dev.nimbo.core.vm.LcmState.PROLOG_FAILURE;
import static dev.nimbo.core.vm.LcmState.PROLOG_RESUME;
import static dev.nimbo.core.vm.LcmState.PROLOG_RESUME_FAILURE;
import static dev.nimbo.core.vm.LcmState.PROLOG_UNDEPLOY;
import static dev.nimbo.core.vm.LcmState.PROLOG_UNDEPLOY_FAILURE;
import static dev.nimbo.core.vm.LcmState.RUNNING;
import static dev.nimbo.core.vm.LcmState.SAVE_STOP;
import static dev.nimbo.core.vm.LcmState.SAVE_SUSPEND;
import static dev.nimbo.core.vm.LcmState.SHUTDOWN;
import static dev.nimbo.core.vm.LcmState.SHUTDOWN_POWEROFF;
import static dev.nimbo.core.vm.LcmState.SHUTDOWN_UNDEPLOY;
import static dev.nimbo.core.vm.LcmState.UNKNOWN;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * OpenNebula's VM life cycle as tables, pure functions only. Three tables say everything:
 * <ul>
 *   <li>{@link #step(Phase, VmOp, VmAction)}: for each user op, the phases it is legal in, the phase it enters
 *       and the driver operation it starts (or none). Anything not in the table is refused with
 *       {@link #refusal} naming the current state, as oned words it.</li>
 *   <li>{@link #onResult(Phase, boolean)}: for each phase a driver operation runs in (a transient phase), the
 *       phase a success and a failure lead to, and the next operation, if any: PROLOG → BOOT → RUNNING, or
 *       PROLOG_FAILURE / BOOT_FAILURE waiting for {@code recover}.</li>
 *   <li>{@link #driverFor(Phase, VmAction)}: the operation in flight in each transient phase, so a retry or a
 *       daemon restart can issue it again.</li>
 * </ul>
 * What a VM holds follows from its phase alone ({@link #holdsHost}, {@link #runningQuota},
 * {@link #holdsResources}); the caller charges and releases the difference on every transition, so the
 * bookkeeping cannot drift from the states. Disk operations (snapshots, resize, save-as) and live updates
 * (updateconf, updatenic) end where they started whatever the driver answers, as in oned; what they keep or undo
 * is in the VM's template ({@link VmDiskSnapshots}, {@link VmDiskResize}, {@link VmDiskSaveas}, {@link VmHotplug}).
 * Backups (BACKUP, BACKUP_POWEROFF) and in-place restores (RESTORE) end where they started too
 * ({@link VmBackups}). Hot resize and save-as of undeployed or stopped VMs are not in the tables yet: ops in those
 * phases are refused. Thread-safe (immutable tables).
 */
public final class VmStateMachine {

    /** Side effects of a step beyond the phase change; the caller applies them with the phase. */
    public enum Effect {
        /** Deploy: a new placement record on the host the caller chose. */
        NEW_PLACEMENT,
        /** Resume from poweroff or suspend: the current record ends and a copy of it starts now. */
        NEXT_RECORD,
        /** The current record's ACTION is cleared (the VM is running again). */
        CLEAR_ACTION,
        RESCHED_ON,
        RESCHED_OFF,
        /** Back to PENDING for a new placement: the hypervisor's DEPLOY_ID is forgotten. */
        RESUBMIT,
        /** A migration failed: the VM is back on its previous placement, copied into a new record. */
        REVERT_PLACEMENT,
        /** The active system snapshot's operation succeeded (see {@link VmSnapshots}). */
        SNAPSHOT_SUCCEEDED,
        /** The active system snapshot's operation failed. */
        SNAPSHOT_FAILED,
        /** The pending hot-plug (NIC or disk, attach or detach) succeeded (see {@link VmHotplug}). */
        HOTPLUG_SUCCEEDED,
        /** The pending hot-plug failed. */
        HOTPLUG_FAILED,
        /** The pending disk snapshot operation succeeded (see {@link VmDiskSnapshots}). */
        DISK_SNAPSHOT_SUCCEEDED,
        /** The pending disk snapshot operation failed: the VM is back where it was, nothing kept. */
        DISK_SNAPSHOT_FAILED,
        /**
         * The current record ends with the step's action and a copy of it starts now (oned's close_cp_history):
         * operations on a placed VM that do not move it.
         */
        CLOSE_COPY_RECORD,
        /** A hot resize succeeded: the old size kept in RESIZE is forgotten. */
        HOT_RESIZE_SUCCEEDED,
        /** A hot resize failed: the VM, its quotas and its host go back to the size kept in RESIZE. */
        HOT_RESIZE_FAILED,
        /** The pending disk resize succeeded (see {@link VmDiskResize}). */
        DISK_RESIZE_SUCCEEDED,
        /** The pending disk resize failed: the disk has its previous size again. */
        DISK_RESIZE_FAILED,
        /** The pending disk save succeeded (see {@link VmDiskSaveas}). */
        SAVEAS_SUCCEEDED,
        /** The pending disk save failed: its image goes to ERROR. */
        SAVEAS_FAILED,
        /** The backup succeeded: its image is created or grows an increment (see {@link VmBackups}). */
        BACKUP_SUCCEEDED,
        /** The backup failed or was cancelled: the quota it reserved is given back. */
        BACKUP_FAILED,
        /** The disks were restored from a backup: snapshots are gone and the increment chain restarts. */
        RESTORE_SUCCEEDED,
        /** The restore failed: the disks' restore markers go, nothing else changes. */
        RESTORE_FAILED
    }

    /**
     * What an op or a driver result does: the phase entered ({@code to} equal to the current phase means the
     * phase does not change), the driver operation to start and wait for (or null), a clean-up to start without
     * waiting (or null), the action written on the current history record (or null) and other effects.
     */
    public record Step(Phase to, DriverOp driver, DriverOp detached, VmAction record, Set<Effect> effects) {
        public Step {
            effects = effects.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(effects));
        }

        public boolean has(Effect e) {
            return effects.contains(e);
        }

        Step withRecord(VmAction a) {
            return new Step(to, driver, detached, a, effects);
        }
    }

    /** Every phase a VM can be in: each non-ACTIVE state (with LCM_INIT), and ACTIVE with each LCM state. */
    public static final List<Phase> ALL_PHASES;

    private static final Map<VmOp, Map<Phase, Step>> ACTIONS = new EnumMap<>(VmOp.class);
    private static final Map<LcmState, Step> ON_SUCCESS = new EnumMap<>(LcmState.class);
    private static final Map<LcmState, Step> ON_FAILURE = new EnumMap<>(LcmState.class);
    private static final Map<LcmState, DriverOp> IN_FLIGHT = new EnumMap<>(LcmState.class);
    private static final Map<LcmState, LcmState> FAILURE_BASE = new EnumMap<>(LcmState.class);
    /** The ACTIVE *_FAILURE phases a terminate turns into a delete. */
    private static final Set<LcmState> TERMINABLE_FAILURES = EnumSet.of(BOOT_FAILURE, LcmState.BOOT_MIGRATE_FAILURE,
            LcmState.PROLOG_MIGRATE_FAILURE, PROLOG_FAILURE, EPILOG_FAILURE, EPILOG_STOP_FAILURE,
            EPILOG_UNDEPLOY_FAILURE, LcmState.PROLOG_MIGRATE_POWEROFF_FAILURE,
            LcmState.PROLOG_MIGRATE_SUSPEND_FAILURE, BOOT_UNDEPLOY_FAILURE, BOOT_STOPPED_FAILURE,
            PROLOG_RESUME_FAILURE, PROLOG_UNDEPLOY_FAILURE, LcmState.PROLOG_MIGRATE_UNKNOWN_FAILURE);
    /** ACTIVE phases that do not count against RUNNING_* quotas (the VM is powered off or suspended underneath). */
    private static final Set<LcmState> NOT_RUNNING_QUOTA = EnumSet.of(LcmState.HOTPLUG_SAVEAS_POWEROFF,
            LcmState.HOTPLUG_SAVEAS_SUSPENDED, LcmState.DISK_SNAPSHOT_POWEROFF, LcmState.DISK_SNAPSHOT_REVERT_POWEROFF,
            LcmState.DISK_SNAPSHOT_DELETE_POWEROFF, LcmState.DISK_SNAPSHOT_SUSPENDED,
            LcmState.DISK_SNAPSHOT_DELETE_SUSPENDED, LcmState.DISK_RESIZE_POWEROFF, LcmState.DISK_RESIZE_UNDEPLOYED,
            LcmState.HOTPLUG_NIC_POWEROFF, LcmState.HOTPLUG_SAVEAS_UNDEPLOYED, LcmState.HOTPLUG_SAVEAS_STOPPED,
            LcmState.HOTPLUG_PROLOG_POWEROFF, LcmState.HOTPLUG_EPILOG_POWEROFF, LcmState.BACKUP_POWEROFF,
            LcmState.RESTORE);

    private static final Set<LcmState> DISK_OP_PHASES = EnumSet.of(LcmState.DISK_SNAPSHOT,
            LcmState.DISK_SNAPSHOT_POWEROFF, LcmState.DISK_SNAPSHOT_SUSPENDED, LcmState.DISK_SNAPSHOT_REVERT_POWEROFF,
            LcmState.DISK_SNAPSHOT_DELETE, LcmState.DISK_SNAPSHOT_DELETE_POWEROFF,
            LcmState.DISK_SNAPSHOT_DELETE_SUSPENDED, LcmState.DISK_RESIZE, LcmState.DISK_RESIZE_POWEROFF,
            LcmState.DISK_RESIZE_UNDEPLOYED, LcmState.HOTPLUG_SAVEAS, LcmState.HOTPLUG_SAVEAS_POWEROFF,
            LcmState.HOTPLUG_SAVEAS_SUSPENDED, LcmState.BACKUP, LcmState.BACKUP_POWEROFF, LcmState.RESTORE);
    /** ACTIVE phases of a VM that has no host: it works on the disks an undeploy or a stop left. */
    private static final Set<LcmState> HOSTLESS = EnumSet.of(LcmState.DISK_RESIZE_UNDEPLOYED,
            LcmState.HOTPLUG_SAVEAS_UNDEPLOYED, LcmState.HOTPLUG_SAVEAS_STOPPED);

    private static final Set<LcmState> PROLOGS = EnumSet.of(PROLOG, PROLOG_RESUME, PROLOG_UNDEPLOY,
            LcmState.PROLOG_MIGRATE, LcmState.PROLOG_MIGRATE_POWEROFF, LcmState.PROLOG_MIGRATE_SUSPEND,
            LcmState.PROLOG_MIGRATE_UNKNOWN);
    private static final Set<LcmState> EPILOGS = EnumSet.of(EPILOG, EPILOG_STOP, EPILOG_UNDEPLOY);

    static {
        List<Phase> all = new ArrayList<>();
        for (VmState s : VmState.values()) {
            if (s != VmState.ACTIVE) {
                all.add(Phase.of(s));
            }
        }
        for (LcmState l : LcmState.values()) {
            all.add(Phase.active(l));
        }
        ALL_PHASES = List.copyOf(all);

        Phase pending = Phase.of(VmState.PENDING);
        Phase hold = Phase.of(VmState.HOLD);
        Phase stopped = Phase.of(VmState.STOPPED);
        Phase undeployed = Phase.of(VmState.UNDEPLOYED);
        Phase suspended = Phase.of(VmState.SUSPENDED);
        Phase poweroff = Phase.of(VmState.POWEROFF);
        Phase done = Phase.of(VmState.DONE);
        Phase init = Phase.of(VmState.INIT);
        Phase cloning = Phase.of(VmState.CLONING);
        Phase cloningFailure = Phase.of(VmState.CLONING_FAILURE);
        Phase running = Phase.active(RUNNING);
        Phase unknown = Phase.active(UNKNOWN);

        // ---------------------------------------------------------------- user ops
        // deploy: the scheduler or an admin placed the VM; PROLOG becomes PROLOG_RESUME / PROLOG_UNDEPLOY when the
        // previous placement ended in stop / undeploy (see step()).
        rule(VmOp.DEPLOY, go(Phase.active(PROLOG), DriverOp.PROLOG, Effect.NEW_PLACEMENT).withRecord(null),
                pending, hold);
        rule(VmOp.DEPLOY, go(Phase.active(PROLOG_RESUME), DriverOp.PROLOG_RESUME, Effect.NEW_PLACEMENT), stopped);
        rule(VmOp.DEPLOY, go(Phase.active(PROLOG_UNDEPLOY), DriverOp.PROLOG_RESUME, Effect.NEW_PLACEMENT),
                undeployed);

        for (VmOp op : List.of(VmOp.TERMINATE, VmOp.TERMINATE_HARD)) {
            boolean hard = op == VmOp.TERMINATE_HARD;
            rule(op, go(Phase.active(SHUTDOWN), hard ? DriverOp.CANCEL : DriverOp.SHUTDOWN, Effect.RESCHED_OFF)
                    .withRecord(op.action()), running, unknown);
            if (hard) {
                rule(op, go(Phase.active(SHUTDOWN), DriverOp.CANCEL).withRecord(op.action()), Phase.active(SHUTDOWN));
            }
            rule(op, go(Phase.active(EPILOG), DriverOp.EPILOG).withRecord(VmAction.TERMINATE), suspended, poweroff,
                    stopped, undeployed);
            rule(op, go(done, null), init, pending, hold, cloning, cloningFailure);
            rule(op, stay(done), done);
            for (LcmState f : TERMINABLE_FAILURES) {
                rule(op, new Step(done, null, DriverOp.CLEANUP, VmAction.DELETE, Set.of(Effect.RESCHED_OFF)),
                        Phase.active(f));
            }
        }
        for (VmOp op : List.of(VmOp.UNDEPLOY, VmOp.UNDEPLOY_HARD)) {
            boolean hard = op == VmOp.UNDEPLOY_HARD;
            rule(op, go(Phase.active(SHUTDOWN_UNDEPLOY), hard ? DriverOp.CANCEL : DriverOp.SHUTDOWN,
                    Effect.RESCHED_OFF).withRecord(op.action()), running, unknown);
            if (hard) {
                rule(op, go(Phase.active(SHUTDOWN_UNDEPLOY), DriverOp.CANCEL).withRecord(op.action()),
                        Phase.active(SHUTDOWN_UNDEPLOY));
            }
            rule(op, go(Phase.active(EPILOG_UNDEPLOY), DriverOp.EPILOG_STOP).withRecord(VmAction.UNDEPLOY), poweroff);
        }
        for (VmOp op : List.of(VmOp.POWEROFF, VmOp.POWEROFF_HARD)) {
            boolean hard = op == VmOp.POWEROFF_HARD;
            rule(op, go(Phase.active(SHUTDOWN_POWEROFF), hard ? DriverOp.CANCEL : DriverOp.SHUTDOWN,
                    Effect.RESCHED_OFF).withRecord(op.action()), running, unknown);
            if (hard) {
                rule(op, go(Phase.active(SHUTDOWN_POWEROFF), DriverOp.CANCEL).withRecord(op.action()),
                        Phase.active(SHUTDOWN_POWEROFF));
            }
        }
        rule(VmOp.REBOOT, go(running, DriverOp.REBOOT, Effect.RESCHED_OFF), running);
        rule(VmOp.REBOOT_HARD, go(running, DriverOp.RESET, Effect.RESCHED_OFF), running);
        rule(VmOp.HOLD, go(hold, null), pending);
        rule(VmOp.RELEASE, go(pending, null), hold);
        rule(VmOp.STOP, go(Phase.active(SAVE_STOP), DriverOp.SAVE, Effect.RESCHED_OFF).withRecord(VmAction.STOP),
                running);
        rule(VmOp.STOP, go(Phase.active(EPILOG_STOP), DriverOp.EPILOG_STOP).withRecord(VmAction.STOP), suspended);
        rule(VmOp.SUSPEND, go(Phase.active(SAVE_SUSPEND), DriverOp.SAVE, Effect.RESCHED_OFF)
                .withRecord(VmAction.SUSPEND), running);
        rule(VmOp.RESUME, go(pending, null), stopped, undeployed);
        rule(VmOp.RESUME, go(Phase.active(BOOT_SUSPENDED), DriverOp.RESTORE, Effect.NEXT_RECORD)
                .withRecord(VmAction.RESUME), suspended);
        rule(VmOp.RESUME, go(Phase.active(BOOT_POWEROFF), DriverOp.DEPLOY, Effect.NEXT_RECORD)
                .withRecord(VmAction.RESUME), poweroff);
        rule(VmOp.RESUME, go(Phase.active(BOOT_UNKNOWN), DriverOp.DEPLOY), unknown);
        rule(VmOp.RESCHED, go(null, null, Effect.RESCHED_ON), poweroff, running, unknown);
        rule(VmOp.UNRESCHED, go(null, null, Effect.RESCHED_OFF), poweroff, running, unknown);

        // migrations: a new placement on the target host; a running VM keeps its source host until it has left it
        rule(VmOp.MIGRATE, go(Phase.active(LcmState.SAVE_MIGRATE), DriverOp.SAVE, Effect.NEW_PLACEMENT,
                Effect.RESCHED_OFF).withRecord(VmAction.MIGRATE), running);
        rule(VmOp.POFF_MIGRATE, go(Phase.active(LcmState.SAVE_MIGRATE), DriverOp.SHUTDOWN, Effect.NEW_PLACEMENT,
                Effect.RESCHED_OFF).withRecord(VmAction.POFF_MIGRATE), running);
        rule(VmOp.POFF_HARD_MIGRATE, go(Phase.active(LcmState.SAVE_MIGRATE), DriverOp.CANCEL, Effect.NEW_PLACEMENT,
                Effect.RESCHED_OFF).withRecord(VmAction.POFF_HARD_MIGRATE), running);
        rule(VmOp.LIVE_MIGRATE, go(Phase.active(LcmState.MIGRATE), DriverOp.MIGRATE, Effect.NEW_PLACEMENT,
                Effect.RESCHED_OFF).withRecord(VmAction.LIVE_MIGRATE), running);
        for (VmOp op : List.of(VmOp.MIGRATE, VmOp.POFF_MIGRATE, VmOp.POFF_HARD_MIGRATE)) {
            rule(op, go(Phase.active(LcmState.PROLOG_MIGRATE_POWEROFF), DriverOp.PROLOG_MIGRATE, Effect.NEW_PLACEMENT)
                    .withRecord(VmAction.MIGRATE), poweroff);
            rule(op, go(Phase.active(LcmState.PROLOG_MIGRATE_SUSPEND), DriverOp.PROLOG_MIGRATE, Effect.NEW_PLACEMENT)
                    .withRecord(VmAction.MIGRATE), suspended);
            rule(op, go(Phase.active(LcmState.PROLOG_MIGRATE_UNKNOWN), DriverOp.PROLOG_MIGRATE, Effect.NEW_PLACEMENT,
                    Effect.RESCHED_OFF).withRecord(VmAction.MIGRATE), unknown);
        }

        Phase hotplugSnapshot = Phase.active(LcmState.HOTPLUG_SNAPSHOT);
        rule(VmOp.SNAPSHOT_CREATE, go(hotplugSnapshot, DriverOp.SNAPSHOT_CREATE, Effect.RESCHED_OFF), running);
        rule(VmOp.SNAPSHOT_REVERT, go(hotplugSnapshot, DriverOp.SNAPSHOT_REVERT, Effect.RESCHED_OFF), running);
        rule(VmOp.SNAPSHOT_DELETE, go(hotplugSnapshot, DriverOp.SNAPSHOT_DELETE, Effect.RESCHED_OFF), running);

        Phase hotplug = Phase.active(LcmState.HOTPLUG);
        Phase hotplugNic = Phase.active(LcmState.HOTPLUG_NIC);
        Phase hotplugNicOff = Phase.active(LcmState.HOTPLUG_NIC_POWEROFF);
        rule(VmOp.NIC_ATTACH, go(hotplugNic, DriverOp.ATTACH_NIC, Effect.RESCHED_OFF), running);
        rule(VmOp.NIC_ATTACH, go(hotplugNicOff, DriverOp.ATTACH_NIC), poweroff);
        rule(VmOp.NIC_DETACH, go(hotplugNic, DriverOp.DETACH_NIC, Effect.RESCHED_OFF), running);
        rule(VmOp.NIC_DETACH, go(hotplugNicOff, DriverOp.DETACH_NIC), poweroff);
        rule(VmOp.DISK_ATTACH, go(hotplug, DriverOp.ATTACH_DISK, Effect.RESCHED_OFF), running);
        rule(VmOp.DISK_ATTACH, go(Phase.active(LcmState.HOTPLUG_PROLOG_POWEROFF), DriverOp.PROLOG_DISK), poweroff);
        rule(VmOp.DISK_DETACH, go(hotplug, DriverOp.DETACH_DISK, Effect.RESCHED_OFF), running);
        rule(VmOp.DISK_DETACH, go(Phase.active(LcmState.HOTPLUG_EPILOG_POWEROFF), DriverOp.EPILOG_DISK), poweroff);

        // disk snapshots: by the hypervisor while running, on the files while powered off or suspended
        Phase diskSnap = Phase.active(LcmState.DISK_SNAPSHOT);
        Phase diskSnapOff = Phase.active(LcmState.DISK_SNAPSHOT_POWEROFF);
        Phase diskSnapSusp = Phase.active(LcmState.DISK_SNAPSHOT_SUSPENDED);
        Phase diskRevertOff = Phase.active(LcmState.DISK_SNAPSHOT_REVERT_POWEROFF);
        Phase diskDelete = Phase.active(LcmState.DISK_SNAPSHOT_DELETE);
        Phase diskDeleteOff = Phase.active(LcmState.DISK_SNAPSHOT_DELETE_POWEROFF);
        Phase diskDeleteSusp = Phase.active(LcmState.DISK_SNAPSHOT_DELETE_SUSPENDED);
        VmAction dsc = VmAction.DISK_SNAPSHOT_CREATE;
        rule(VmOp.DISK_SNAPSHOT_CREATE, go(diskSnap, DriverOp.DISK_SNAPSHOT_CREATE, Effect.CLOSE_COPY_RECORD,
                Effect.RESCHED_OFF).withRecord(dsc), running);
        rule(VmOp.DISK_SNAPSHOT_CREATE, go(diskSnapOff, DriverOp.SNAP_CREATE, Effect.CLOSE_COPY_RECORD)
                .withRecord(dsc), poweroff);
        rule(VmOp.DISK_SNAPSHOT_CREATE, go(diskSnapSusp, DriverOp.SNAP_CREATE, Effect.CLOSE_COPY_RECORD)
                .withRecord(dsc), suspended);
        rule(VmOp.DISK_SNAPSHOT_REVERT, go(diskRevertOff, DriverOp.SNAP_REVERT, Effect.CLOSE_COPY_RECORD)
                .withRecord(VmAction.DISK_SNAPSHOT_REVERT), poweroff);
        VmAction dsd = VmAction.DISK_SNAPSHOT_DELETE;
        rule(VmOp.DISK_SNAPSHOT_DELETE, go(diskDelete, DriverOp.SNAP_DELETE, Effect.CLOSE_COPY_RECORD,
                Effect.RESCHED_OFF).withRecord(dsd), running);
        rule(VmOp.DISK_SNAPSHOT_DELETE, go(diskDeleteOff, DriverOp.SNAP_DELETE, Effect.CLOSE_COPY_RECORD)
                .withRecord(dsd), poweroff);
        rule(VmOp.DISK_SNAPSHOT_DELETE, go(diskDeleteSusp, DriverOp.SNAP_DELETE, Effect.CLOSE_COPY_RECORD)
                .withRecord(dsd), suspended);

        // disk resize: by the hypervisor while running, on the file while powered off or undeployed
        rule(VmOp.DISK_RESIZE, go(Phase.active(LcmState.DISK_RESIZE), DriverOp.DISK_RESIZE, Effect.CLOSE_COPY_RECORD,
                Effect.RESCHED_OFF).withRecord(VmAction.DISK_RESIZE), running);
        rule(VmOp.DISK_RESIZE, go(Phase.active(LcmState.DISK_RESIZE_POWEROFF), DriverOp.RESIZE,
                Effect.CLOSE_COPY_RECORD).withRecord(VmAction.DISK_RESIZE), poweroff);
        rule(VmOp.DISK_RESIZE, go(Phase.active(LcmState.DISK_RESIZE_UNDEPLOYED), DriverOp.RESIZE), undeployed);

        // updateconf of a running VM whose CONTEXT changed: the hypervisor is told through HOTPLUG
        rule(VmOp.UPDATECONF, go(Phase.active(LcmState.HOTPLUG), DriverOp.UPDATE_CONF, Effect.RESCHED_OFF), running);

        // updatenic of a running VM: the hypervisor applies the NIC's new QoS through HOTPLUG_NIC
        rule(VmOp.NIC_UPDATE, go(Phase.active(LcmState.HOTPLUG_NIC), DriverOp.UPDATE_NIC, Effect.CLOSE_COPY_RECORD)
                .withRecord(VmAction.NIC_UPDATE), running);

        // hot resize of a running VM: the hypervisor changes CPU/VCPU/MEMORY through HOTPLUG_RESIZE
        rule(VmOp.HOT_RESIZE, go(Phase.active(LcmState.HOTPLUG_RESIZE), DriverOp.RESIZE_VM, Effect.CLOSE_COPY_RECORD,
                Effect.RESCHED_OFF).withRecord(VmAction.RESIZE), running);

        // disk save-as: the transfer driver copies the disk out, the VM stays as it was underneath
        rule(VmOp.DISK_SAVEAS, go(Phase.active(LcmState.HOTPLUG_SAVEAS), DriverOp.CPDS, Effect.RESCHED_OFF), running);
        rule(VmOp.DISK_SAVEAS, go(Phase.active(LcmState.HOTPLUG_SAVEAS_POWEROFF), DriverOp.CPDS), poweroff);
        rule(VmOp.DISK_SAVEAS, go(Phase.active(LcmState.HOTPLUG_SAVEAS_SUSPENDED), DriverOp.CPDS), suspended);

        // backups: the disks are copied out while the VM runs or stays off; restore overwrites them while off
        rule(VmOp.BACKUP, go(Phase.active(LcmState.BACKUP), DriverOp.BACKUP, Effect.CLOSE_COPY_RECORD,
                Effect.RESCHED_OFF).withRecord(VmAction.BACKUP), running);
        rule(VmOp.BACKUP, go(Phase.active(LcmState.BACKUP_POWEROFF), DriverOp.BACKUP, Effect.CLOSE_COPY_RECORD)
                .withRecord(VmAction.BACKUP), poweroff);
        rule(VmOp.RESTORE, go(Phase.active(LcmState.RESTORE), DriverOp.DISK_RESTORE, Effect.CLOSE_COPY_RECORD)
                .withRecord(VmAction.RESTORE), poweroff);

        // monitoring found the domain otherwise than the VM's state says (oned's trigger_monitor_*): no driver runs
        rule(VmOp.MONITOR_POWEROFF, go(poweroff, null, Effect.RESCHED_OFF).withRecord(VmAction.MONITOR), running,
                unknown);
        rule(VmOp.MONITOR_SUSPEND, go(suspended, null, Effect.RESCHED_OFF).withRecord(VmAction.MONITOR), running,
                unknown);
        rule(VmOp.MONITOR_DONE, go(unknown, null, Effect.RESCHED_OFF), running);
        rule(VmOp.MONITOR_POWERON, go(running, null, Effect.NEXT_RECORD, Effect.CLEAR_ACTION), poweroff, suspended);
        rule(VmOp.MONITOR_POWERON, go(running, null), unknown);

        // ---------------------------------------------------------------- driver results
        result(PROLOG, go(Phase.active(BOOT), DriverOp.DEPLOY), go(Phase.active(PROLOG_FAILURE), null));
        result(PROLOG_RESUME, go(Phase.active(BOOT_STOPPED), DriverOp.RESTORE),
                go(Phase.active(PROLOG_RESUME_FAILURE), null));
        result(PROLOG_UNDEPLOY, go(Phase.active(BOOT_UNDEPLOY), DriverOp.DEPLOY),
                go(Phase.active(PROLOG_UNDEPLOY_FAILURE), null));
        Step toRunning = go(running, null, Effect.CLEAR_ACTION);
        result(BOOT, toRunning, go(Phase.active(BOOT_FAILURE), null));
        result(BOOT_UNKNOWN, toRunning, go(unknown, null));
        result(BOOT_POWEROFF, toRunning, go(poweroff, null));
        result(BOOT_SUSPENDED, toRunning, go(suspended, null));
        result(BOOT_STOPPED, toRunning, go(Phase.active(BOOT_STOPPED_FAILURE), null));
        result(BOOT_UNDEPLOY, toRunning, go(Phase.active(BOOT_UNDEPLOY_FAILURE), null));
        result(SHUTDOWN, go(Phase.active(EPILOG), DriverOp.EPILOG), toRunning);
        result(SHUTDOWN_POWEROFF, go(poweroff, null), toRunning);
        result(SHUTDOWN_UNDEPLOY, go(Phase.active(EPILOG_UNDEPLOY), DriverOp.EPILOG_STOP), toRunning);
        result(SAVE_STOP, go(Phase.active(EPILOG_STOP), DriverOp.EPILOG_STOP), toRunning);
        result(SAVE_SUSPEND, go(suspended, null), toRunning);
        result(EPILOG, go(done, null), go(Phase.active(EPILOG_FAILURE), null));
        result(EPILOG_STOP, go(stopped, null), go(Phase.active(EPILOG_STOP_FAILURE), null));
        result(EPILOG_UNDEPLOY, go(undeployed, null), go(Phase.active(EPILOG_UNDEPLOY_FAILURE), null));
        result(CLEANUP_RESUBMIT, go(pending, null, Effect.RESUBMIT), go(pending, null, Effect.RESUBMIT));
        Step revert = go(running, null, Effect.REVERT_PLACEMENT, Effect.CLEAR_ACTION);
        // PROLOG_MIGRATE's success boots by restore, or by deploy after a power-off migration (see onResult)
        result(LcmState.SAVE_MIGRATE, go(Phase.active(LcmState.PROLOG_MIGRATE), DriverOp.PROLOG_MIGRATE), revert);
        result(LcmState.MIGRATE, go(running, null, Effect.CLEAR_ACTION), revert);
        result(LcmState.PROLOG_MIGRATE, go(Phase.active(LcmState.BOOT_MIGRATE), DriverOp.RESTORE),
                go(Phase.active(LcmState.PROLOG_MIGRATE_FAILURE), null));
        result(LcmState.PROLOG_MIGRATE_POWEROFF, go(poweroff, null),
                go(Phase.active(LcmState.PROLOG_MIGRATE_POWEROFF_FAILURE), null));
        result(LcmState.PROLOG_MIGRATE_SUSPEND, go(suspended, null),
                go(Phase.active(LcmState.PROLOG_MIGRATE_SUSPEND_FAILURE), null));
        result(LcmState.PROLOG_MIGRATE_UNKNOWN, go(Phase.active(BOOT), DriverOp.DEPLOY),
                go(Phase.active(LcmState.PROLOG_MIGRATE_UNKNOWN_FAILURE), null));
        result(LcmState.BOOT_MIGRATE, toRunning, go(Phase.active(LcmState.BOOT_MIGRATE_FAILURE), null));
        result(LcmState.HOTPLUG_SNAPSHOT, go(running, null, Effect.SNAPSHOT_SUCCEEDED),
                go(running, null, Effect.SNAPSHOT_FAILED));
        for (LcmState l : List.of(LcmState.HOTPLUG, LcmState.HOTPLUG_NIC)) {
            result(l, go(running, null, Effect.HOTPLUG_SUCCEEDED), go(running, null, Effect.HOTPLUG_FAILED));
        }
        for (LcmState l : List.of(LcmState.HOTPLUG_NIC_POWEROFF, LcmState.HOTPLUG_PROLOG_POWEROFF,
                LcmState.HOTPLUG_EPILOG_POWEROFF)) {
            result(l, go(poweroff, null, Effect.HOTPLUG_SUCCEEDED), go(poweroff, null, Effect.HOTPLUG_FAILED));
        }

        // a disk snapshot operation ends back where it started, kept (success) or undone (failure), as oned
        for (LcmState l : List.of(LcmState.DISK_SNAPSHOT, LcmState.DISK_SNAPSHOT_DELETE)) {
            result(l, go(running, null, Effect.DISK_SNAPSHOT_SUCCEEDED), go(running, null, Effect.DISK_SNAPSHOT_FAILED));
        }
        for (LcmState l : List.of(LcmState.DISK_SNAPSHOT_POWEROFF, LcmState.DISK_SNAPSHOT_REVERT_POWEROFF,
                LcmState.DISK_SNAPSHOT_DELETE_POWEROFF)) {
            result(l, go(poweroff, null, Effect.DISK_SNAPSHOT_SUCCEEDED),
                    go(poweroff, null, Effect.DISK_SNAPSHOT_FAILED));
        }
        for (LcmState l : List.of(LcmState.DISK_SNAPSHOT_SUSPENDED, LcmState.DISK_SNAPSHOT_DELETE_SUSPENDED)) {
            result(l, go(suspended, null, Effect.DISK_SNAPSHOT_SUCCEEDED),
                    go(suspended, null, Effect.DISK_SNAPSHOT_FAILED));
        }
        result(LcmState.DISK_RESIZE, go(running, null, Effect.DISK_RESIZE_SUCCEEDED),
                go(running, null, Effect.DISK_RESIZE_FAILED));
        result(LcmState.DISK_RESIZE_POWEROFF, go(poweroff, null, Effect.DISK_RESIZE_SUCCEEDED),
                go(poweroff, null, Effect.DISK_RESIZE_FAILED));
        result(LcmState.DISK_RESIZE_UNDEPLOYED, go(undeployed, null, Effect.DISK_RESIZE_SUCCEEDED),
                go(undeployed, null, Effect.DISK_RESIZE_FAILED));
        result(LcmState.HOTPLUG_SAVEAS, go(running, null, Effect.SAVEAS_SUCCEEDED),
                go(running, null, Effect.SAVEAS_FAILED));
        result(LcmState.HOTPLUG_SAVEAS_POWEROFF, go(poweroff, null, Effect.SAVEAS_SUCCEEDED),
                go(poweroff, null, Effect.SAVEAS_FAILED));
        result(LcmState.HOTPLUG_SAVEAS_SUSPENDED, go(suspended, null, Effect.SAVEAS_SUCCEEDED),
                go(suspended, null, Effect.SAVEAS_FAILED));
        result(LcmState.HOTPLUG_RESIZE, go(running, null, Effect.HOT_RESIZE_SUCCEEDED),
                go(running, null, Effect.HOT_RESIZE_FAILED));
        IN_FLIGHT.put(LcmState.HOTPLUG_RESIZE, DriverOp.RESIZE_VM);
        result(LcmState.BACKUP, go(running, null, Effect.BACKUP_SUCCEEDED), go(running, null, Effect.BACKUP_FAILED));
        result(LcmState.BACKUP_POWEROFF, go(poweroff, null, Effect.BACKUP_SUCCEEDED),
                go(poweroff, null, Effect.BACKUP_FAILED));
        result(LcmState.RESTORE, go(poweroff, null, Effect.RESTORE_SUCCEEDED),
                go(poweroff, null, Effect.RESTORE_FAILED));
        IN_FLIGHT.put(LcmState.BACKUP, DriverOp.BACKUP);
        IN_FLIGHT.put(LcmState.BACKUP_POWEROFF, DriverOp.BACKUP);
        IN_FLIGHT.put(LcmState.RESTORE, DriverOp.DISK_RESTORE);
        IN_FLIGHT.put(LcmState.HOTPLUG_SAVEAS, DriverOp.CPDS);
        IN_FLIGHT.put(LcmState.HOTPLUG_SAVEAS_POWEROFF, DriverOp.CPDS);
        IN_FLIGHT.put(LcmState.HOTPLUG_SAVEAS_SUSPENDED, DriverOp.CPDS);
        IN_FLIGHT.put(LcmState.DISK_RESIZE, DriverOp.DISK_RESIZE);
        IN_FLIGHT.put(LcmState.DISK_RESIZE_POWEROFF, DriverOp.RESIZE);
        IN_FLIGHT.put(LcmState.DISK_RESIZE_UNDEPLOYED, DriverOp.RESIZE);
        IN_FLIGHT.put(LcmState.DISK_SNAPSHOT, DriverOp.DISK_SNAPSHOT_CREATE);
        IN_FLIGHT.put(LcmState.DISK_SNAPSHOT_POWEROFF, DriverOp.SNAP_CREATE);
        IN_FLIGHT.put(LcmState.DISK_SNAPSHOT_SUSPENDED, DriverOp.SNAP_CREATE);
        IN_FLIGHT.put(LcmState.DISK_SNAPSHOT_REVERT_POWEROFF, DriverOp.SNAP_REVERT);
        IN_FLIGHT.put(LcmState.DISK_SNAPSHOT_DELETE, DriverOp.SNAP_DELETE);
        IN_FLIGHT.put(LcmState.DISK_SNAPSHOT_DELETE_POWEROFF, DriverOp.SNAP_DELETE);
        IN_FLIGHT.put(LcmState.DISK_SNAPSHOT_DELETE_SUSPENDED, DriverOp.SNAP_DELETE);
        IN_FLIGHT.put(PROLOG, DriverOp.PROLOG);
        IN_FLIGHT.put(PROLOG_RESUME, DriverOp.PROLOG_RESUME);
        IN_FLIGHT.put(PROLOG_UNDEPLOY, DriverOp.PROLOG_RESUME);
        IN_FLIGHT.put(BOOT, DriverOp.DEPLOY);
        IN_FLIGHT.put(BOOT_UNKNOWN, DriverOp.DEPLOY);
        IN_FLIGHT.put(BOOT_POWEROFF, DriverOp.DEPLOY);
        IN_FLIGHT.put(BOOT_UNDEPLOY, DriverOp.DEPLOY);
        IN_FLIGHT.put(BOOT_SUSPENDED, DriverOp.RESTORE);
        IN_FLIGHT.put(BOOT_STOPPED, DriverOp.RESTORE);
        IN_FLIGHT.put(SHUTDOWN, DriverOp.SHUTDOWN);
        IN_FLIGHT.put(SHUTDOWN_POWEROFF, DriverOp.SHUTDOWN);
        IN_FLIGHT.put(SHUTDOWN_UNDEPLOY, DriverOp.SHUTDOWN);
        IN_FLIGHT.put(SAVE_STOP, DriverOp.SAVE);
        IN_FLIGHT.put(SAVE_SUSPEND, DriverOp.SAVE);
        IN_FLIGHT.put(EPILOG, DriverOp.EPILOG);
        IN_FLIGHT.put(EPILOG_STOP, DriverOp.EPILOG_STOP);
        IN_FLIGHT.put(EPILOG_UNDEPLOY, DriverOp.EPILOG_STOP);
        IN_FLIGHT.put(CLEANUP_RESUBMIT, DriverOp.CLEANUP);
        IN_FLIGHT.put(LcmState.SAVE_MIGRATE, DriverOp.SAVE);
        IN_FLIGHT.put(LcmState.MIGRATE, DriverOp.MIGRATE);
        IN_FLIGHT.put(LcmState.PROLOG_MIGRATE, DriverOp.PROLOG_MIGRATE);
        IN_FLIGHT.put(LcmState.PROLOG_MIGRATE_POWEROFF, DriverOp.PROLOG_MIGRATE);
        IN_FLIGHT.put(LcmState.PROLOG_MIGRATE_SUSPEND, DriverOp.PROLOG_MIGRATE);
        IN_FLIGHT.put(LcmState.PROLOG_MIGRATE_UNKNOWN, DriverOp.PROLOG_MIGRATE);
        IN_FLIGHT.put(LcmState.BOOT_MIGRATE, DriverOp.RESTORE);
        // which snapshot operation runs is in the VM's template: see VmTransitions.driverFor
        IN_FLIGHT.put(LcmState.HOTPLUG_SNAPSHOT, DriverOp.SNAPSHOT_CREATE);
        // likewise for hot-plugs: which vector is attached or detached is marked in the template (VmHotplug)
        IN_FLIGHT.put(LcmState.HOTPLUG, DriverOp.ATTACH_DISK);
        IN_FLIGHT.put(LcmState.HOTPLUG_NIC, DriverOp.ATTACH_NIC);
        IN_FLIGHT.put(LcmState.HOTPLUG_NIC_POWEROFF, DriverOp.ATTACH_NIC);
        IN_FLIGHT.put(LcmState.HOTPLUG_PROLOG_POWEROFF, DriverOp.PROLOG_DISK);
        IN_FLIGHT.put(LcmState.HOTPLUG_EPILOG_POWEROFF, DriverOp.EPILOG_DISK);

        FAILURE_BASE.put(PROLOG_FAILURE, PROLOG);
        FAILURE_BASE.put(PROLOG_RESUME_FAILURE, PROLOG_RESUME);
        FAILURE_BASE.put(PROLOG_UNDEPLOY_FAILURE, PROLOG_UNDEPLOY);
        FAILURE_BASE.put(BOOT_FAILURE, BOOT);
        FAILURE_BASE.put(BOOT_STOPPED_FAILURE, BOOT_STOPPED);
        FAILURE_BASE.put(BOOT_UNDEPLOY_FAILURE, BOOT_UNDEPLOY);
        FAILURE_BASE.put(EPILOG_FAILURE, EPILOG);
        FAILURE_BASE.put(EPILOG_STOP_FAILURE, EPILOG_STOP);
        FAILURE_BASE.put(EPILOG_UNDEPLOY_FAILURE, EPILOG_UNDEPLOY);
        FAILURE_BASE.put(LcmState.BOOT_MIGRATE_FAILURE, LcmState.BOOT_MIGRATE);
        FAILURE_BASE.put(LcmState.PROLOG_MIGRATE_FAILURE, LcmState.PROLOG_MIGRATE);
        FAILURE_BASE.put(LcmState.PROLOG_MIGRATE_POWEROFF_FAILURE, LcmState.PROLOG_MIGRATE_POWEROFF);
        FAILURE_BASE.put(LcmState.PROLOG_MIGRATE_SUSPEND_FAILURE, LcmState.PROLOG_MIGRATE_SUSPEND);
        FAILURE_BASE.put(LcmState.PROLOG_MIGRATE_UNKNOWN_FAILURE, LcmState.PROLOG_MIGRATE_UNKNOWN);

        // ---------------------------------------------------------------- recover
        for (LcmState l : LcmState.values()) {
            Phase p = Phase.active(l);
            Step success;
            Step failure;
            Step retry;
            if (l == LCM_INIT || l == RUNNING) {
                success = stay(p);
                failure = stay(p);
                retry = stay(p);
            } else if (l == UNKNOWN) {
                success = go(running, null);
                failure = go(running, null);
                retry = stay(p);
            } else if (l == CLEANUP_DELETE) {
                success = go(done, null);
                failure = go(done, null);
                retry = stay(p);
            } else if (l == CLEANUP_RESUBMIT) {
                success = go(pending, null, Effect.RESUBMIT);
                failure = success;
                retry = go(p, DriverOp.CLEANUP);
            } else if (l == LcmState.HOTPLUG_SNAPSHOT || l == LcmState.HOTPLUG || l == LcmState.HOTPLUG_NIC
                    || l == LcmState.HOTPLUG_NIC_POWEROFF || l == LcmState.HOTPLUG_PROLOG_POWEROFF
                    || l == LcmState.HOTPLUG_EPILOG_POWEROFF || DISK_OP_PHASES.contains(l)) {
                success = ON_SUCCESS.get(l);
                failure = ON_FAILURE.get(l);
                retry = stay(p); // as oned: a snapshot operation is not retried, it is recovered
            } else if (ON_SUCCESS.containsKey(l)) {
                success = ON_SUCCESS.get(l);
                failure = ON_FAILURE.get(l);
                retry = null; // the in-flight operation again: depends on the record's action (driverFor)
            } else if (FAILURE_BASE.containsKey(l)) {
                LcmState base = FAILURE_BASE.get(l);
                success = ON_SUCCESS.get(base);
                failure = stay(p);
                retry = null;
            } else {
                continue; // hot resize, save-as of undeployed/stopped VMs: not yet supported
            }
            rule(VmOp.RECOVER_SUCCESS, success, p);
            rule(VmOp.RECOVER_FAILURE, failure, p);
            if (retry != null) {
                rule(VmOp.RECOVER_RETRY, retry, p);
            } else {
                rule(VmOp.RECOVER_RETRY, go(Phase.active(FAILURE_BASE.getOrDefault(l, l)), null), p);
            }
        }
        rule(VmOp.RECOVER_SUCCESS, go(pending, null), cloningFailure);
        rule(VmOp.RECOVER_FAILURE, stay(cloningFailure), cloningFailure);

        rule(VmOp.RECOVER_DELETE, stay(done), done);
        rule(VmOp.RECOVER_DELETE, go(done, null), init, pending, hold, cloning, cloningFailure);
        rule(VmOp.RECOVER_DELETE, new Step(done, null, DriverOp.EPILOG_DELETE, null, Set.of()), stopped, undeployed,
                suspended, poweroff);
        for (LcmState l : LcmState.values()) {
            rule(VmOp.RECOVER_DELETE, new Step(done, null, DriverOp.CLEANUP, VmAction.DELETE, Set.of(Effect.RESCHED_OFF)),
                    Phase.active(l));
        }

        rule(VmOp.RECOVER_DELETE_RECREATE, stay(init), init);
        rule(VmOp.RECOVER_DELETE_RECREATE, stay(pending), pending);
        rule(VmOp.RECOVER_DELETE_RECREATE, stay(cloning), cloning);
        rule(VmOp.RECOVER_DELETE_RECREATE, stay(cloningFailure), cloningFailure);
        rule(VmOp.RECOVER_DELETE_RECREATE, go(pending, null, Effect.RESUBMIT).withRecord(VmAction.DELETE_RECREATE),
                stopped, undeployed, hold);
        Step cleanup = new Step(Phase.active(CLEANUP_RESUBMIT), DriverOp.CLEANUP, null, VmAction.DELETE_RECREATE,
                Set.of(Effect.RESCHED_OFF));
        rule(VmOp.RECOVER_DELETE_RECREATE, cleanup, poweroff, suspended);
        for (LcmState l : LcmState.values()) {
            if (l == CLEANUP_RESUBMIT) {
                rule(VmOp.RECOVER_DELETE_RECREATE, go(pending, null, Effect.RESUBMIT), Phase.active(l));
            } else if (l != CLEANUP_DELETE) {
                rule(VmOp.RECOVER_DELETE_RECREATE, cleanup, Phase.active(l));
            }
        }
    }

    private VmStateMachine() {
    }

    private static Step go(Phase to, DriverOp driver, Effect... effects) {
        return new Step(to, driver, null, null, effects.length == 0 ? Set.of() : EnumSet.of(effects[0], effects));
    }

    private static Step stay(Phase p) {
        return new Step(p, null, null, null, Set.of());
    }

    private static void rule(VmOp op, Step step, Phase... from) {
        Map<Phase, Step> m = ACTIONS.computeIfAbsent(op, o -> new HashMap<>());
        for (Phase p : from) {
            Step s = step.to() == null ? new Step(p, step.driver(), step.detached(), step.record(), step.effects()) : step;
            if (m.putIfAbsent(p, s) != null) {
                throw new IllegalStateException("two rules for " + op + " in " + p);
            }
        }
    }

    private static void result(LcmState at, Step success, Step failure) {
        ON_SUCCESS.put(at, success);
        ON_FAILURE.put(at, failure);
    }

    // ------------------------------------------------------------------ queries

    /**
     * What {@code op} does in {@code from}, or empty when it is not allowed there. {@code lastAction} is the
     * ACTION of the VM's current history record (NONE without one): a deploy after a stop or an undeploy copies
     * the saved disks back (PROLOG_RESUME / PROLOG_UNDEPLOY), and a retry re-issues a hard or soft shutdown as
     * it was asked.
     */
    public static Optional<Step> step(Phase from, VmOp op, VmAction lastAction) {
        Step s = ACTIONS.getOrDefault(op, Map.of()).get(from);
        if (s == null) {
            return Optional.empty();
        }
        if (op == VmOp.DEPLOY && s.to().isActive(PROLOG)) {
            if (lastAction == VmAction.STOP) {
                s = new Step(Phase.active(PROLOG_RESUME), DriverOp.PROLOG_RESUME, null, null, s.effects());
            } else if (lastAction == VmAction.UNDEPLOY || lastAction == VmAction.UNDEPLOY_HARD) {
                s = new Step(Phase.active(PROLOG_UNDEPLOY), DriverOp.PROLOG_RESUME, null, null, s.effects());
            }
        }
        if (op == VmOp.RECOVER_SUCCESS && s.to().isActive(LcmState.BOOT_MIGRATE) && powerOffMigration(lastAction)) {
            s = new Step(Phase.active(BOOT), DriverOp.DEPLOY, null, null, s.effects());
        }
        if (op == VmOp.RECOVER_RETRY && s.driver() == null && driverFor(s.to(), lastAction) != null) {
            s = new Step(s.to(), driverFor(s.to(), lastAction), null, null, s.effects());
        }
        return Optional.of(s);
    }

    /** Whether {@code op} is allowed in {@code from} (whatever the history says). */
    public static boolean allowed(Phase from, VmOp op) {
        return ACTIONS.getOrDefault(op, Map.of()).containsKey(from);
    }

    /**
     * What the result of the driver operation running in {@code at} does; empty when no operation runs there
     * (a late result for a phase the VM has left is dropped by the caller, who compares phases).
     */
    public static Optional<Step> onResult(Phase at, boolean success) {
        return onResult(at, success, VmAction.NONE);
    }

    /**
     * As {@link #onResult(Phase, boolean)}, knowing the ACTION of the VM's current history record: after a
     * power-off migration the disks' arrival boots the VM afresh (BOOT, deploy) instead of restoring it.
     */
    public static Optional<Step> onResult(Phase at, boolean success, VmAction lastAction) {
        if (at.state() != VmState.ACTIVE) {
            return Optional.empty();
        }
        if (at.lcm() == RUNNING) {
            return Optional.of(stay(at)); // reboot / reset: the VM stays RUNNING whatever happened
        }
        Step s = (success ? ON_SUCCESS : ON_FAILURE).get(at.lcm());
        if (s != null && success && at.lcm() == LcmState.PROLOG_MIGRATE && powerOffMigration(lastAction)) {
            s = new Step(Phase.active(BOOT), DriverOp.DEPLOY, null, null, s.effects());
        }
        return Optional.ofNullable(s);
    }

    private static boolean powerOffMigration(VmAction a) {
        return a == VmAction.POFF_MIGRATE || a == VmAction.POFF_HARD_MIGRATE;
    }

    /**
     * The driver operation in flight in a transient phase, or null in a stable one (RUNNING, UNKNOWN, a
     * *_FAILURE, or any non-ACTIVE state). Shutdowns asked "hard" are cancels.
     */
    public static DriverOp driverFor(Phase p, VmAction lastAction) {
        if (p.state() != VmState.ACTIVE) {
            return null;
        }
        DriverOp op = IN_FLIGHT.get(p.lcm());
        if (op == DriverOp.SHUTDOWN && lastAction != null && lastAction.text().endsWith("-hard")) {
            return DriverOp.CANCEL;
        }
        if (p.lcm() == LcmState.SAVE_MIGRATE && lastAction == VmAction.POFF_MIGRATE) {
            return DriverOp.SHUTDOWN;
        }
        if (p.lcm() == LcmState.SAVE_MIGRATE && lastAction == VmAction.POFF_HARD_MIGRATE) {
            return DriverOp.CANCEL;
        }
        if (p.lcm() == LcmState.BOOT_MIGRATE && powerOffMigration(lastAction)) {
            return DriverOp.DEPLOY;
        }
        return op;
    }

    /** Whether the phase waits for a driver operation. */
    public static boolean transientPhase(Phase p) {
        return p.state() == VmState.ACTIVE && IN_FLIGHT.containsKey(p.lcm());
    }

    /** The phase a *_FAILURE phase retries or recovers from, or null. */
    public static LcmState failureBase(LcmState failure) {
        return FAILURE_BASE.get(failure);
    }

    /**
     * The error a refused op gets, as oned words it (the current state named in it): e.g.
     * {@code Error performing action "poweroff": This action is not available for state PENDING}.
     */
    public static String refusal(VmOp op, int vmId, Phase from) {
        String state = from.text();
        return switch (op) {
            case DEPLOY -> "Deploy action is not available for state " + state;
            case MIGRATE, LIVE_MIGRATE, POFF_MIGRATE, POFF_HARD_MIGRATE -> "Migrate action is not available for state "
                    + state;
            case SNAPSHOT_CREATE -> "Could not create a new snapshot for VM " + vmId + ", wrong state " + state + ".";
            case SNAPSHOT_REVERT -> "Could not revert VM " + vmId + " to a snapshot, wrong state " + state + ".";
            case SNAPSHOT_DELETE -> "Could not delete a snapshot of VM " + vmId + ", wrong state " + state + ".";
            case NIC_ATTACH -> "Could not add a new NIC to VM " + vmId + ", wrong state " + state + ".";
            case NIC_DETACH -> "Could not detach NIC from VM " + vmId + ", wrong state " + state + ".";
            case DISK_ATTACH -> "Could not attach a new disk to VM " + vmId + ", wrong state " + state + ".";
            case DISK_DETACH -> "Could not detach disk from VM " + vmId + ", wrong state " + state + ".";
            case NIC_UPDATE -> "Could not update NIC of VM " + vmId + ", wrong state " + state + ".";
            case UPDATECONF -> "Could not perform live updateconf for " + vmId + ", wrong state " + state + ".";
            case DISK_SAVEAS -> "VM has to be RUNNING, POWEROFF or SUSPENDED to save disks. Current state: " + state
                    + ".";
            case DISK_RESIZE -> "Could not resize disk for VM " + vmId + ", wrong state " + state + ".";
            case HOT_RESIZE -> "Cannot resize a VM in state " + state;
            case BACKUP -> "Could not create a new backup for VM " + vmId + ", wrong state " + state + ".";
            case RESTORE -> "Could not restore VM, it must be in poweroff (state " + state + ").";
            case DISK_SNAPSHOT_CREATE -> "Could not create a new snapshot for VM " + vmId + ", wrong state " + state
                    + ".";
            case DISK_SNAPSHOT_REVERT -> "Could not revert to disk snapshot for VM " + vmId + ", wrong state "
                    + state + ".";
            case DISK_SNAPSHOT_DELETE -> "Could not delete disk snapshot from VM " + vmId + ", wrong state " + state
                    + ".";
            case TERMINATE, TERMINATE_HARD -> "Error performing action \"" + op.text() + "\": Could not terminate VM "
                    + vmId + ", wrong state " + state + ".";
            case RECOVER_SUCCESS, RECOVER_FAILURE -> "Could not perform a recover operation on VM " + vmId
                    + ", wrong state " + state + ".";
            case RECOVER_RETRY -> "Could not perform a retry on VM " + vmId + ", wrong state " + state + ".";
            case RECOVER_DELETE_RECREATE -> from.is(VmState.DONE)
                    ? "Cannot delete-recreate a VM already in DONE state"
                    : "Could not delete-recreate VM " + vmId + ", wrong state " + state + ".";
            case RECOVER_DELETE -> "Could not delete VM " + vmId + ", wrong state " + state + ".";
            default -> "Error performing action \"" + op.text() + "\": This action is not available for state " + state;
        };
    }

    // ------------------------------------------------------------------ what a phase holds

    /**
     * Whether a VM in this phase takes capacity on its host (CPU, memory, a RUNNING_VMS slot, a place in the
     * host's VMS): from the prolog of a placement until its epilog ends, and while powered off or suspended.
     */
    public static boolean holdsHost(Phase p) {
        return switch (p.state()) {
            case POWEROFF, SUSPENDED -> true;
            case ACTIVE -> p.lcm() != LCM_INIT && p.lcm() != CLEANUP_RESUBMIT && p.lcm() != CLEANUP_DELETE
                    && !HOSTLESS.contains(p.lcm());
            default -> false;
        };
    }

    /**
     * Whether a VM in this phase also still holds its previous placement's host: while a running VM is being
     * saved for, or live-migrated to, its new host.
     */
    public static boolean holdsPreviousHost(Phase p) {
        return p.state() == VmState.ACTIVE && (p.lcm() == LcmState.SAVE_MIGRATE || p.lcm() == LcmState.MIGRATE);
    }

    /** Whether the VM counts against RUNNING_VMS/RUNNING_CPU/RUNNING_MEMORY quotas (oned's is_running_quota). */
    public static boolean runningQuota(Phase p) {
        return switch (p.state()) {
            case PENDING, HOLD, CLONING, CLONING_FAILURE -> true;
            case ACTIVE -> !NOT_RUNNING_QUOTA.contains(p.lcm());
            default -> false;
        };
    }

    /** Disks are being copied in: a history record's prolog phase (PSTIME..PETIME). */
    public static boolean prologPhase(Phase p) {
        return p.state() == VmState.ACTIVE && PROLOGS.contains(p.lcm());
    }

    /** Disks are being copied out: a history record's epilog phase (ESTIME..EETIME). */
    public static boolean epilogPhase(Phase p) {
        return p.state() == VmState.ACTIVE && EPILOGS.contains(p.lcm());
    }

    /**
     * The domain exists and runs (or boots, or shuts down) on the host: a history record's running phase
     * (RSTIME..RETIME). Failure phases, powered-off and suspended ones and clean-ups are not running.
     */
    public static boolean runningPhase(Phase p) {
        if (p.state() != VmState.ACTIVE) {
            return false;
        }
        LcmState l = p.lcm();
        return !PROLOGS.contains(l) && !EPILOGS.contains(l) && !l.isFailure() && l != LCM_INIT
                && l != CLEANUP_RESUBMIT && l != CLEANUP_DELETE && !NOT_RUNNING_QUOTA.contains(l)
                && l != LcmState.BACKUP_POWEROFF && l != LcmState.RESTORE
                && l != LcmState.SAVE_MIGRATE && l != LcmState.MIGRATE; // the new placement runs once it arrives
    }

    /** Whether the VM still holds its VMS/CPU/MEMORY quota, its images and its leases: until it is DONE. */
    public static boolean holdsResources(Phase p) {
        return p.state() != VmState.DONE;
    }
}
