package dev.nimbo.server.api.vm;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.secgroup.SecurityGroup;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmAction;
import dev.nimbo.core.vm.VmSecurityGroups;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.vm.VmLifecycle;

/**
 * one.vm.attachsg / detachsg: a security group added to or taken off one NIC of a VM ({@link VmSecurityGroups}):
 * the NIC, the VM's SECURITY_GROUP_RULE vectors and the group's VM list change in one action. MANAGE on the VM
 * (oned's "sg-attach" group) and, to attach, USE on the group. Returns the VM's ID.
 */
final class VmSecgroupMethods {
    private VmSecgroupMethods() {
    }

    static void register(ApiRegistry r) {
        r.register("one.vm.attachsg", c -> change(c, true));
        r.register("one.vm.detachsg", c -> change(c, false));
    }

    static Object change(Call call, boolean attach) {
        call.params().arity(3, 3);
        int id = call.params().integer(0);
        int nicId = call.params().integer(1);
        int sgId = call.params().integer(2);
        Object done = call.write(tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            if (attach) {
                boolean hasNic = false;
                for (VectorAttribute n : vm.vmTemplate().vectors("NIC")) {
                    hasNic |= String.valueOf(nicId).equals(n.get("NIC_ID"));
                }
                if (!hasNic) {
                    throw ApiException.internal("VM " + id + " doesn't have NIC id " + nicId);
                }
            }
            call.authorize((attach ? VmAction.SG_ATTACH : VmAction.SG_DETACH).defaultRight(), vm);
            if (!attach) {
                tx.put(VmSecurityGroups.detach(tx, vm, nicId, sgId));
                return id;
            }
            PoolObject o = tx.get(ObjectType.SECGROUP, sgId);
            if (!(o instanceof SecurityGroup sg)) {
                throw ApiException.action("Could not attach SG " + sgId + " to VM, SG does not exist", id);
            }
            call.authorize(Right.USE, sg);
            tx.put(VmSecurityGroups.attach(tx, vm, nicId, sg));
            return id;
        });
        VmLifecycle.of(call.ctx()).applySecurityGroups(id); // a running guest's filters change at once
        return done;
    }
}
