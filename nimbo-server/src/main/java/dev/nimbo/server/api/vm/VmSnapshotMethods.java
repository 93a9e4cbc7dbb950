package dev.nimbo.server.api.vm;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmSnapshots;
import dev.nimbo.core.vm.VmStateMachine;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;

/**
 * one.vm.snapshotcreate / snapshotrevert / snapshotdelete: system snapshots of a running VM, taken by its
 * hypervisor. The snapshot is staged in the VM's TEMPLATE and the VM moves to HOTPLUG_SNAPSHOT in one action;
 * the driver's answer settles both (see {@link VmSnapshots}). Owners may snapshot their VMs (MANAGE).
 */
final class VmSnapshotMethods {
    private VmSnapshotMethods() {
    }

    static void register(ApiRegistry r) {
        r.register("one.vm.snapshotcreate", VmSnapshotMethods::create);
        r.register("one.vm.snapshotrevert", c -> mark(c, VmOp.SNAPSHOT_REVERT, "REVERT"));
        r.register("one.vm.snapshotdelete", c -> mark(c, VmOp.SNAPSHOT_DELETE, "DELETE"));
    }

    /** Returns the new snapshot's ID. */
    static Object create(Call call) {
        call.params().arity(1, 2);
        int id = call.params().integer(0);
        String name = call.params().string(1, "");
        int[] snapId = new int[1];
        VmMethods.step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(VmOp.SNAPSHOT_CREATE.action().defaultRight(), vm);
            dev.nimbo.core.vm.VmBackups.checkSnapshotAllowed(vm, "snapshot-create");
            if (!VmStateMachine.allowed(vm.phase(), VmOp.SNAPSHOT_CREATE)) {
                throw dev.nimbo.core.error.ApiException.action(
                        VmStateMachine.refusal(VmOp.SNAPSHOT_CREATE, id, vm.phase()), id);
            }
            snapId[0] = VmSnapshots.nextId(vm.vmTemplate());
            tx.put(vm.toBuilder().vmTemplate(VmSnapshots.create(vm.vmTemplate(), snapId[0], name, tx.now())).build());
            return VmTransitions.applyOp(tx, id, VmOp.SNAPSHOT_CREATE, VmMethods.requester(call), null);
        });
        return snapId[0];
    }

    static Object mark(Call call, VmOp op, String action) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        int snap = call.params().integer(1);
        return VmMethods.step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(op.action().defaultRight(), vm);
            if (!VmStateMachine.allowed(vm.phase(), op)) {
                throw dev.nimbo.core.error.ApiException.action(VmStateMachine.refusal(op, id, vm.phase()), id);
            }
            tx.put(vm.toBuilder().vmTemplate(VmSnapshots.mark(vm.vmTemplate(), id, snap, action)).build());
            return VmTransitions.applyOp(tx, id, op, VmMethods.requester(call), null);
        });
    }
}
