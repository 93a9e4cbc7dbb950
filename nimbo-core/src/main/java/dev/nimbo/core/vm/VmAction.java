package dev.nimbo.core.vm;

import dev.nimbo.core.auth.Right;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Every VM operation with OpenNebula's number (the ACTION of a history record, VMActions.h), its name as
 * {@code one.vm.action} and the logs spell it, the operation group oned.conf lists it under
 * (VM_ADMIN_OPERATIONS / VM_MANAGE_OPERATIONS / VM_USE_OPERATIONS), and the permission level that group has
 * by default: ADMIN for migrate, delete, recover, retry, deploy, resched, backup and restore; MANAGE for the
 * rest (chown and chmod have their own rules; monitor and none need only USE).
 */
public enum VmAction {
    NONE(0, "none", null),
    MIGRATE(1, "migrate", "migrate"),
    LIVE_MIGRATE(2, "live-migrate", "migrate"),
    UNDEPLOY(5, "undeploy", "undeploy"),
    UNDEPLOY_HARD(6, "undeploy-hard", "undeploy"),
    HOLD(7, "hold", "hold"),
    RELEASE(8, "release", "release"),
    STOP(9, "stop", "stop"),
    SUSPEND(10, "suspend", "suspend"),
    RESUME(11, "resume", "resume"),
    DELETE(13, "delete", "delete"),
    DELETE_RECREATE(14, "delete-recreate", "delete"),
    REBOOT(15, "reboot", "reboot"),
    REBOOT_HARD(16, "reboot-hard", "reboot"),
    RESCHED(17, "resched", "resched"),
    UNRESCHED(18, "unresched", "resched"),
    POWEROFF(19, "poweroff", "poweroff"),
    POWEROFF_HARD(20, "poweroff-hard", "poweroff"),
    DISK_ATTACH(21, "disk-attach", "disk-attach"),
    DISK_DETACH(22, "disk-detach", "disk-attach"),
    NIC_ATTACH(23, "nic-attach", "nic-attach"),
    NIC_DETACH(24, "nic-detach", "nic-attach"),
    DISK_SNAPSHOT_CREATE(25, "disk-snapshot-create", "disk-snapshot"),
    DISK_SNAPSHOT_DELETE(26, "disk-snapshot-delete", "disk-snapshot"),
    TERMINATE(27, "terminate", "terminate"),
    TERMINATE_HARD(28, "terminate-hard", "terminate"),
    DISK_RESIZE(29, "disk-resize", "disk-resize"),
    DEPLOY(30, "deploy", "deploy"),
    CHOWN(31, "chown", null),
    CHMOD(32, "chmod", null),
    UPDATECONF(33, "updateconf", "updateconf"),
    RENAME(34, "rename", "rename"),
    RESIZE(35, "resize", "resize"),
    UPDATE(36, "update", "update"),
    SNAPSHOT_CREATE(37, "snapshot-create", "snapshot"),
    SNAPSHOT_DELETE(38, "snapshot-delete", "snapshot"),
    SNAPSHOT_REVERT(39, "snapshot-revert", "snapshot"),
    DISK_SAVEAS(40, "disk-saveas", "disk-saveas"),
    DISK_SNAPSHOT_REVERT(41, "disk-snapshot-revert", "disk-snapshot"),
    RECOVER(42, "recover", "recover"),
    RETRY(43, "retry", "retry"),
    MONITOR(44, "monitor", null),
    DISK_SNAPSHOT_RENAME(45, "disk-snapshot-rename", "disk-snapshot"),
    ALIAS_ATTACH(46, "alias-attach", "nic-attach"),
    ALIAS_DETACH(47, "alias-detach", "nic-attach"),
    POFF_MIGRATE(48, "poweroff-migrate", "migrate"),
    POFF_HARD_MIGRATE(49, "poweroff-hard-migrate", "migrate"),
    BACKUP(50, "backup", "backup"),
    NIC_UPDATE(51, "nic-update", "nic-attach"),
    BACKUP_CANCEL(52, "backup-cancel", "backup"),
    SCHED_ADD(53, "sched-add", "sched-action"),
    SCHED_UPDATE(54, "sched-update", "sched-action"),
    SCHED_DELETE(55, "sched-delete", "sched-action"),
    SG_ATTACH(56, "sg-attach", "sg-attach"),
    SG_DETACH(57, "sg-detach", "sg-attach"),
    PCI_ATTACH(58, "pci-attach", "pci-attach"),
    PCI_DETACH(59, "pci-detach", "pci-attach"),
    RESTORE(60, "restore", "restore"),
    EXEC(61, "exec", "exec"),
    EXEC_RETRY(62, "exec-retry", "exec"),
    EXEC_CANCEL(63, "exec-cancel", "exec"),
    VMGROUP_ADD(64, "vmgroup-add", "vmgroup"),
    VMGROUP_DEL(65, "vmgroup-del", "vmgroup");

    private static final java.util.Set<String> ADMIN_GROUPS =
            java.util.Set.of("migrate", "delete", "recover", "retry", "deploy", "resched", "backup", "restore");
    private static final Map<Integer, VmAction> BY_CODE = new HashMap<>();
    private static final Map<String, VmAction> BY_NAME = new HashMap<>();

    static {
        for (VmAction a : values()) {
            BY_CODE.put(a.code, a);
            BY_NAME.put(a.text, a);
        }
    }

    private final int code;
    private final String text;
    private final String group;

    VmAction(int code, String text, String group) {
        this.code = code;
        this.text = text;
        this.group = group;
    }

    public int code() {
        return code;
    }

    /** The name as {@code one.vm.action} takes it, e.g. "terminate-hard". */
    public String text() {
        return text;
    }

    /** The oned.conf operation group (e.g. "terminate" for terminate-hard), or null for chown/chmod/monitor/none. */
    public String group() {
        return group;
    }

    /** The level this action needs on the VM with oned.conf's default operation lists. */
    public Right defaultRight() {
        if (group == null) {
            return this == CHOWN || this == CHMOD ? Right.MANAGE : Right.USE;
        }
        return ADMIN_GROUPS.contains(group) ? Right.ADMIN : Right.MANAGE;
    }

    /** The action with this history number; unknown numbers (3, 4, 12: retired) read as NONE. */
    public static VmAction of(int code) {
        return BY_CODE.getOrDefault(code, NONE);
    }

    /** The action with this name (case-insensitive), or null. */
    public static VmAction named(String name) {
        return name == null ? null : BY_NAME.get(name.strip().toLowerCase(Locale.ROOT));
    }
}
