package dev.nimbo.server.api.vm;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmAction;
import dev.nimbo.core.vm.VmDiskResize;
import dev.nimbo.core.vm.VmDiskSnapshots;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;

/**
 * one.vm.disksnapshotcreate / disksnapshotrevert / disksnapshotdelete / disksnapshotrename: snapshots of one VM
 * disk. The snapshot is staged on the disk (and its size charged) in the action that moves the VM to its
 * DISK_SNAPSHOT* phase; the driver's answer keeps or undoes it ({@link VmDiskSnapshots}). A rename changes only
 * the name. one.vm.diskresize grows a disk the same way ({@link VmDiskResize}). Owners may snapshot and grow
 * their VMs' disks (MANAGE, oned's "disk-snapshot" and "disk-resize" groups).
 */
final class VmDiskSnapshotMethods {
    private VmDiskSnapshotMethods() {
    }

    static void register(ApiRegistry r) {
        r.register("one.vm.disksnapshotcreate", VmDiskSnapshotMethods::create);
        r.register("one.vm.disksnapshotrevert", c -> mark(c, VmOp.DISK_SNAPSHOT_REVERT));
        r.register("one.vm.disksnapshotdelete", c -> mark(c, VmOp.DISK_SNAPSHOT_DELETE));
        r.register("one.vm.disksnapshotrename", VmDiskSnapshotMethods::rename);
        r.register("one.vm.diskresize", VmDiskSnapshotMethods::resize);
    }

    /** Returns the new snapshot's ID. */
    static Object create(Call call) {
        call.params().arity(3, 3);
        int id = call.params().integer(0);
        int diskId = call.params().integer(1);
        String name = call.params().string(2);
        int[] snapId = new int[1];
        VmMethods.step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(VmOp.DISK_SNAPSHOT_CREATE.action().defaultRight(), vm);
            dev.nimbo.core.vm.VmBackups.checkSnapshotAllowed(vm, "disk-snapshot-create");
            tx.put(VmDiskSnapshots.stageCreate(tx, vm, call.subject().uid(), diskId, name, snapId));
            return VmTransitions.applyOp(tx, id, VmOp.DISK_SNAPSHOT_CREATE, VmMethods.requester(call), null);
        });
        return snapId[0];
    }

    static Object mark(Call call, VmOp op) {
        call.params().arity(3, 3);
        int id = call.params().integer(0);
        int diskId = call.params().integer(1);
        int snapId = call.params().integer(2);
        return VmMethods.step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(op.action().defaultRight(), vm);
            tx.put(op == VmOp.DISK_SNAPSHOT_REVERT ? VmDiskSnapshots.stageRevert(vm, diskId, snapId)
                    : VmDiskSnapshots.stageDelete(vm, diskId, snapId));
            return VmTransitions.applyOp(tx, id, op, VmMethods.requester(call), null);
        });
    }

    static Object resize(Call call) {
        call.params().arity(3, 3);
        int id = call.params().integer(0);
        int diskId = call.params().integer(1);
        long size;
        try {
            size = Long.parseLong(call.params().string(2).strip());
        } catch (NumberFormatException e) {
            throw dev.nimbo.core.error.ApiException.action("Disk SIZE is not a valid integer", id);
        }
        return VmMethods.step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(VmOp.DISK_RESIZE.action().defaultRight(), vm);
            tx.put(VmDiskResize.stage(tx, vm, call.subject().uid(), diskId, size));
            return VmTransitions.applyOp(tx, id, VmOp.DISK_RESIZE, VmMethods.requester(call), null);
        });
    }

    static Object rename(Call call) {
        call.params().arity(4, 4);
        int id = call.params().integer(0);
        int diskId = call.params().integer(1);
        int snapId = call.params().integer(2);
        String name = call.params().string(3);
        return call.write(tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(VmAction.DISK_SNAPSHOT_RENAME.defaultRight(), vm);
            tx.put(VmDiskSnapshots.rename(vm, diskId, snapId, name));
            return id;
        });
    }
}
