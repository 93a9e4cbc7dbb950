package dev.nimbo.server.api.vm;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmAction;
import dev.nimbo.core.vm.VmPci;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;
import java.util.List;

/**
 * one.vm.attachpci / detachpci: PCI passthrough devices of a powered-off or undeployed VM ({@link VmPci}): the
 * vector, the host's device and the PCI_DEV quota move in one action. MANAGE on the VM (oned's "pci-attach"
 * group); tenants may not set restricted attributes. Returns the VM's ID.
 */
final class VmPciMethods {
    private VmPciMethods() {
    }

    static void register(ApiRegistry r) {
        r.register("one.vm.attachpci", VmPciMethods::attach);
        r.register("one.vm.detachpci", VmPciMethods::detach);
    }

    static Object attach(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        Template t = Templates.parse(call, call.params().string(1));
        List<VectorAttribute> pcis = t.vectors("PCI");
        VmPci.check(pcis.isEmpty() ? null : pcis.get(0), id);
        return call.write(tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(VmAction.PCI_ATTACH.defaultRight(), vm);
            VmMethods.checkRestricted(call, t);
            tx.put(VmPci.attach(tx, vm, call.subject().uid(), pcis.get(0), VmMethods.requester(call)));
            return id;
        });
    }

    static Object detach(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        int pciId = call.params().integer(1);
        return call.write(tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(VmAction.PCI_DETACH.defaultRight(), vm);
            tx.put(VmPci.detach(tx, vm, pciId, VmMethods.requester(call)));
            return id;
        });
    }
}
