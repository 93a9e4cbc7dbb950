package dev.nimbo.server.api.vm;

import dev.nimbo.core.auth.Right;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmHotplug;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmStateMachine;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import java.util.List;

/**
 * one.vm.attachnic / detachnic / attach / detach: hot-plug of NICs (a {@code PCI = [ TYPE = NIC ]} vector too: an
 * SR-IOV VF or passthrough NIC of the VM's host) and disks into running or powered-off VMs.
 * The new NIC takes its lease (and the disk its image) in the same action that moves the VM to its HOTPLUG
 * phase; the driver's answer keeps or gives them back ({@link VmHotplug}). MANAGE on the VM, USE on the network
 * or image.
 */
final class VmHotplugMethods {
    private VmHotplugMethods() {
    }

    static void register(ApiRegistry r) {
        r.register("one.vm.attachnic", c -> attach(c, "NIC", VmOp.NIC_ATTACH));
        r.register("one.vm.detachnic", c -> detach(c, "NIC", VmOp.NIC_DETACH));
        r.register("one.vm.attach", c -> attach(c, "DISK", VmOp.DISK_ATTACH));
        r.register("one.vm.detach", c -> detach(c, "DISK", VmOp.DISK_DETACH));
    }

    static Object attach(Call call, String vector, VmOp op) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        List<VectorAttribute> named = t.vectors(vector);
        if (named.isEmpty() && vector.equals("NIC")) {
            // a PCI NIC (SR-IOV VF or passthrough NIC) is attached as a NIC, as in oned
            named = t.vectors("PCI").stream().filter(dev.nimbo.core.vm.VmResources::isPciNic).toList();
            if (named.isEmpty()) {
                throw ApiException.action("Wrong format or missing NIC/NIC_ALIAS/PCI attribute", id);
            }
        }
        List<VectorAttribute> vs = named;
        if (vs.size() != 1) {
            throw ApiException.action("The template must hold exactly one " + vector + " vector", id);
        }
        VmMethods.checkRestricted(call, t);
        return VmMethods.step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(op.action().defaultRight(), vm);
            allowed(vm, op);
            VirtualMachine staged = vector.equals("NIC")
                    ? VmHotplug.stageNic(tx, vm, call.subject().uid(), vs.get(0), o -> call.authorize(Right.USE, o))
                    : VmHotplug.stageDisk(tx, vm, call.subject().uid(), vs.get(0), o -> call.authorize(Right.USE, o));
            tx.put(staged);
            return VmTransitions.applyOp(tx, id, op, VmMethods.requester(call), null);
        });
    }

    static Object detach(Call call, String vector, VmOp op) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        int itemId = call.params().integer(1);
        return VmMethods.step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(op.action().defaultRight(), vm);
            allowed(vm, op);
            tx.put(VmHotplug.stageDetach(vm, vector, itemId));
            return VmTransitions.applyOp(tx, id, op, VmMethods.requester(call), null);
        });
    }

    private static void allowed(VirtualMachine vm, VmOp op) {
        if (!VmStateMachine.allowed(vm.phase(), op)) {
            throw ApiException.action(VmStateMachine.refusal(op, vm.id(), vm.phase()), vm.id());
        }
    }
}
