package dev.nimbo.core.vm;

/**
 * One operation a VM's drivers carry out: the transfer driver (TM) moves disks in (PROLOG, PROLOG_RESUME) and
 * out (EPILOG, EPILOG_STOP) of the host's system datastore or drops them (EPILOG_DELETE); the virtualization
 * driver (VMM) starts, saves, restores, stops and cleans up the domain (CLEANUP: kill it and drop its
 * disks, after a delete).
 */
public enum DriverOp {
    PROLOG(Kind.TM),
    PROLOG_RESUME(Kind.TM),
    /** Disks moved from the previous host (or system datastore) to the new one. */
    PROLOG_MIGRATE(Kind.TM),
    /** One disk copied in for a powered-off VM (hot-plug while off). */
    PROLOG_DISK(Kind.TM),
    /** One disk copied out or dropped for a powered-off VM. */
    EPILOG_DISK(Kind.TM),
    EPILOG(Kind.TM),
    EPILOG_STOP(Kind.TM),
    EPILOG_DELETE(Kind.TM),
    DEPLOY(Kind.VMM),
    RESTORE(Kind.VMM),
    SHUTDOWN(Kind.VMM),
    CANCEL(Kind.VMM),
    SAVE(Kind.VMM),
    REBOOT(Kind.VMM),
    RESET(Kind.VMM),
    CLEANUP(Kind.VMM),
    /** Live migration to the host of the VM's new placement, run on the previous one. */
    MIGRATE(Kind.VMM),
    SNAPSHOT_CREATE(Kind.VMM),
    SNAPSHOT_REVERT(Kind.VMM),
    SNAPSHOT_DELETE(Kind.VMM),
    ATTACH_DISK(Kind.VMM),
    DETACH_DISK(Kind.VMM),
    ATTACH_NIC(Kind.VMM),
    DETACH_NIC(Kind.VMM),
    /** A disk snapshot of a running VM, taken by the hypervisor. */
    DISK_SNAPSHOT_CREATE(Kind.VMM),
    /** Disk snapshots of a powered-off or suspended VM (and every snapshot deletion), done on the disk files. */
    SNAP_CREATE(Kind.TM),
    SNAP_REVERT(Kind.TM),
    SNAP_DELETE(Kind.TM),
    /** A running VM's disk grown by the hypervisor. */
    DISK_RESIZE(Kind.VMM),
    /** A powered-off or undeployed VM's disk grown on its file. */
    RESIZE(Kind.TM),
    /** A disk (or one of its snapshots) copied out of the VM into a new image's datastore. */
    CPDS(Kind.TM),
    /** A running VM's new configuration (CONTEXT) given to its hypervisor. */
    UPDATE_CONF(Kind.VMM),
    /** A running VM's NIC QoS changed on its hypervisor. */
    UPDATE_NIC(Kind.VMM),
    /**
     * A running VM's security group rules applied again on its host (after attachsg, detachsg or a committed
     * group), as oned's VNM update_sg; no phase change.
     */
    UPDATE_SG(Kind.VMM),
    /** A running VM's CPU, VCPU and MEMORY changed by its hypervisor (hot resize). */
    RESIZE_VM(Kind.VMM),
    /** The VM's disks copied into a backup datastore (run by the backup datastore's driver, as oned's VMM backup). */
    BACKUP(Kind.VMM),
    /** A powered-off VM's disks overwritten from a backup image (run by the backup datastore's driver). */
    DISK_RESTORE(Kind.TM);

    /** Which driver does it. */
    public enum Kind { TM, VMM }

    private final Kind kind;

    DriverOp(Kind kind) {
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** The operation's name as the driver protocol and the dummy driver's failure list spell it ("deploy"). */
    public String text() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
