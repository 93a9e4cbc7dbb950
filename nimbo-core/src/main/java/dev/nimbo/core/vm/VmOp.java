package dev.nimbo.core.vm;

import java.util.Locale;

/**
 * What a user (or the scheduler) asks of a VM's life cycle: the {@code one.vm.action} words, deploy, and
 * the five {@code one.vm.recover} operations. Each maps to the {@link VmAction} that decides the permission
 * it needs and that the history records.
 */
public enum VmOp {
    DEPLOY(VmAction.DEPLOY),
    TERMINATE(VmAction.TERMINATE),
    TERMINATE_HARD(VmAction.TERMINATE_HARD),
    UNDEPLOY(VmAction.UNDEPLOY),
    UNDEPLOY_HARD(VmAction.UNDEPLOY_HARD),
    POWEROFF(VmAction.POWEROFF),
    POWEROFF_HARD(VmAction.POWEROFF_HARD),
    REBOOT(VmAction.REBOOT),
    REBOOT_HARD(VmAction.REBOOT_HARD),
    HOLD(VmAction.HOLD),
    RELEASE(VmAction.RELEASE),
    STOP(VmAction.STOP),
    SUSPEND(VmAction.SUSPEND),
    RESUME(VmAction.RESUME),
    RESCHED(VmAction.RESCHED),
    UNRESCHED(VmAction.UNRESCHED),
    /** Cold migration: save, copy, restore on the new host (or just copy, from poweroff/suspended/unknown). */
    MIGRATE(VmAction.MIGRATE),
    /** Live migration of a running VM. */
    LIVE_MIGRATE(VmAction.LIVE_MIGRATE),
    /** Cold migration that powers the VM off (shutdown) instead of saving it, and boots it on the new host. */
    POFF_MIGRATE(VmAction.POFF_MIGRATE),
    /** As POFF_MIGRATE with a hard power-off. */
    POFF_HARD_MIGRATE(VmAction.POFF_HARD_MIGRATE),
    /** System snapshots of a running VM; the snapshot itself is staged in the template by the caller. */
    SNAPSHOT_CREATE(VmAction.SNAPSHOT_CREATE),
    SNAPSHOT_REVERT(VmAction.SNAPSHOT_REVERT),
    SNAPSHOT_DELETE(VmAction.SNAPSHOT_DELETE),
    /** Hot-plug of a NIC or disk; the vector itself is staged in the template by {@link VmHotplug}. */
    NIC_ATTACH(VmAction.NIC_ATTACH),
    NIC_DETACH(VmAction.NIC_DETACH),
    DISK_ATTACH(VmAction.DISK_ATTACH),
    DISK_DETACH(VmAction.DISK_DETACH),
    /** Disk snapshots; the snapshot is staged on the disk by {@link VmDiskSnapshots}. */
    DISK_SNAPSHOT_CREATE(VmAction.DISK_SNAPSHOT_CREATE),
    DISK_SNAPSHOT_REVERT(VmAction.DISK_SNAPSHOT_REVERT),
    DISK_SNAPSHOT_DELETE(VmAction.DISK_SNAPSHOT_DELETE),
    /** A disk grown; the new size is staged on the disk by {@link VmDiskResize}. */
    DISK_RESIZE(VmAction.DISK_RESIZE),
    /** A disk copied out into a new image; the disk is marked by {@link VmDiskSaveas}. */
    DISK_SAVEAS(VmAction.DISK_SAVEAS),
    /** A running VM's changed CONTEXT pushed to its hypervisor, after {@link VmUpdateconf} changed the template. */
    UPDATECONF(VmAction.UPDATECONF),
    /** A running VM's NIC QoS given to its hypervisor, after {@link VmNicUpdate} changed the template. */
    NIC_UPDATE(VmAction.NIC_UPDATE),
    /** A running VM's new CPU/VCPU/MEMORY given to its hypervisor, after {@link VmTransitions#resize} set them. */
    HOT_RESIZE(VmAction.RESIZE),
    /** A backup of the VM's disks into a backup datastore; the target is staged by {@link VmBackups}. */
    BACKUP(VmAction.BACKUP),
    /** The disks of a powered-off VM restored in place from a backup image. */
    RESTORE(VmAction.RESTORE),
    /**
     * What the hypervisor's monitoring found, applied as oned's LifeCycleManager does: a running VM's domain gone or
     * shut off (POWEROFF), paused (SUSPENDED), crashed (UNKNOWN), or a VM that is not running found running again.
     */
    MONITOR_POWEROFF(VmAction.MONITOR),
    MONITOR_SUSPEND(VmAction.MONITOR),
    MONITOR_DONE(VmAction.MONITOR),
    MONITOR_POWERON(VmAction.MONITOR),
    RECOVER_FAILURE(VmAction.RECOVER),
    RECOVER_SUCCESS(VmAction.RECOVER),
    RECOVER_RETRY(VmAction.RETRY),
    RECOVER_DELETE(VmAction.DELETE),
    RECOVER_DELETE_RECREATE(VmAction.DELETE_RECREATE);

    private final VmAction action;

    VmOp(VmAction action) {
        this.action = action;
    }

    public VmAction action() {
        return action;
    }

    /** The {@code one.vm.action} word for this op (e.g. "terminate-hard"), as the action's name. */
    public String text() {
        return action.text();
    }

    /** The migrate op for {@code one.vm.migrate}'s live flag and power-off type (0 save, 1 poweroff, 2 poweroff-hard). */
    public static VmOp migrate(boolean live, int poweroff) {
        if (live) {
            return LIVE_MIGRATE;
        }
        return switch (poweroff) {
            case 1 -> POFF_MIGRATE;
            case 2 -> POFF_HARD_MIGRATE;
            default -> MIGRATE;
        };
    }

    /** The op {@code one.vm.action} names with this word, or null when it is not one of its actions. */
    public static VmOp ofActionWord(String word) {
        if (word == null) {
            return null;
        }
        return switch (word.strip().toLowerCase(Locale.ROOT)) {
            case "terminate" -> TERMINATE;
            case "terminate-hard" -> TERMINATE_HARD;
            case "undeploy" -> UNDEPLOY;
            case "undeploy-hard" -> UNDEPLOY_HARD;
            case "poweroff" -> POWEROFF;
            case "poweroff-hard" -> POWEROFF_HARD;
            case "reboot" -> REBOOT;
            case "reboot-hard" -> REBOOT_HARD;
            case "hold" -> HOLD;
            case "release" -> RELEASE;
            case "stop" -> STOP;
            case "suspend" -> SUSPEND;
            case "resume" -> RESUME;
            case "resched" -> RESCHED;
            case "unresched" -> UNRESCHED;
            default -> null;
        };
    }

    /** The op of {@code one.vm.recover}'s operation code (0 failure, 1 success, 2 retry, 3 delete, 4 delete-recreate, 5 delete-db). */
    public static VmOp ofRecoverCode(int code) {
        return switch (code) {
            case 0 -> RECOVER_FAILURE;
            case 1 -> RECOVER_SUCCESS;
            case 2 -> RECOVER_RETRY;
            case 3, 5 -> RECOVER_DELETE;
            case 4 -> RECOVER_DELETE_RECREATE;
            default -> null;
        };
    }
}
