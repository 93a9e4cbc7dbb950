package dev.nimbo.server.api.vm;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.LcmState;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmAction;
import dev.nimbo.core.vm.VmNicUpdate;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import java.util.List;

/**
 * one.vm.updatenic: a NIC's QoS changed ({@link VmNicUpdate}); append 0 replaces, 1 merges. A running VM goes
 * through HOTPLUG_NIC while its hypervisor applies it. MANAGE on the VM (oned's "nic-attach" group); tenants may
 * not set restricted attributes. Returns the VM's ID.
 */
final class VmNicUpdateMethods {
    private VmNicUpdateMethods() {
    }

    static void register(ApiRegistry r) {
        r.register("one.vm.updatenic", VmNicUpdateMethods::updatenic);
    }

    static Object updatenic(Call call) {
        call.params().arity(3, 4);
        int id = call.params().integer(0);
        int nicId = call.params().integer(1);
        Template t = Templates.parse(call, call.params().string(2));
        boolean append = call.params().integer(3, 0) == 1;
        List<VectorAttribute> nics = t.vectors("NIC");
        return VmMethods.step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(VmAction.NIC_UPDATE.defaultRight(), vm);
            VmMethods.checkRestricted(call, t);
            VmNicUpdate.Result r = VmNicUpdate.apply(vm, nicId, nics.isEmpty() ? null : nics.get(0), append);
            if (!r.changed()) {
                return new VmTransitions.Applied(vm, vm.phase(), null, null, false);
            }
            tx.put(r.vm());
            if (vm.state() == VmState.ACTIVE && vm.lcmState() == LcmState.RUNNING) {
                return VmTransitions.applyOp(tx, id, VmOp.NIC_UPDATE, VmMethods.requester(call), null);
            }
            return new VmTransitions.Applied(r.vm(), vm.phase(), null, null, false);
        });
    }
}
