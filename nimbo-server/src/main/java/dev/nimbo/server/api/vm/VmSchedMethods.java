package dev.nimbo.server.api.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmAction;
import dev.nimbo.core.vm.VmDefinition;
import dev.nimbo.core.vm.VmSchedActions;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;

/**
 * one.vm.schedadd / schedupdate / scheddelete: scheduled actions of a VM ({@link VmSchedActions}); the daemon
 * runs them when their time comes. MANAGE on the VM (oned's "sched-action" operation group).
 */
final class VmSchedMethods {
    private VmSchedMethods() {
    }

    static void register(ApiRegistry r) {
        r.register("one.vm.schedadd", VmSchedMethods::add);
        r.register("one.vm.schedupdate", VmSchedMethods::update);
        r.register("one.vm.scheddelete", VmSchedMethods::delete);
    }

    private static VectorAttribute input(Call call, String text, int vmId) {
        Template t = Templates.parse(call, text);
        VectorAttribute va = t.vectors("SCHED_ACTION").isEmpty() ? null : t.vectors("SCHED_ACTION").get(0);
        if (va == null) {
            throw ApiException.action("No SCHED_ACTION attribute in template", vmId);
        }
        return va;
    }

    private static VirtualMachine editable(Call call, dev.nimbo.core.state.Transaction tx, int id, VmAction action) {
        VirtualMachine vm = tx.require(ObjectType.VM, id);
        call.authorize(action.defaultRight(), vm);
        if (vm.state() == VmState.DONE) {
            throw ApiException.internal("Unable to create Scheduled Action for Virtual Machine " + id
                    + ", it's in DONE state");
        }
        return vm;
    }

    private static void store(dev.nimbo.core.state.Transaction tx, VirtualMachine vm, Template t) {
        Template sorted = VmDefinition.sorted(t);
        tx.put(vm.toBuilder().vmTemplate(sorted).schedActions(VmSchedActions.ids(sorted)).build());
    }

    /** Returns the new scheduled action's ID. */
    static Object add(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        VectorAttribute in = input(call, call.params().string(1), id);
        return call.write(tx -> {
            VirtualMachine vm = editable(call, tx, id, VmAction.SCHED_ADD);
            int saId = VmSchedActions.nextId(vm.vmTemplate());
            store(tx, vm, vm.vmTemplate().add(VmSchedActions.build(saId, id, in, vm.stime(), tx.now())));
            return saId;
        });
    }

    static Object update(Call call) {
        call.params().arity(3, 3);
        int id = call.params().integer(0);
        int saId = call.params().integer(1);
        VectorAttribute in = input(call, call.params().string(2), id);
        return call.write(tx -> {
            VirtualMachine vm = editable(call, tx, id, VmAction.SCHED_UPDATE);
            VectorAttribute old = found(vm, saId);
            VectorAttribute merged = old;
            for (var v : in.values()) {
                merged = merged.with(v.name(), v.value());
            }
            store(tx, vm, VmSchedActions.replace(vm.vmTemplate(), saId,
                    VmSchedActions.build(saId, id, merged, vm.stime(), tx.now())));
            return id;
        });
    }

    static Object delete(Call call) {
        call.params().arity(2, 2);
        int id = call.params().integer(0);
        int saId = call.params().integer(1);
        return call.write(tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(VmAction.SCHED_DELETE.defaultRight(), vm);
            found(vm, saId);
            store(tx, vm, VmSchedActions.replace(vm.vmTemplate(), saId, null));
            return id;
        });
    }

    private static VectorAttribute found(VirtualMachine vm, int saId) {
        VectorAttribute sa = VmSchedActions.find(vm.vmTemplate(), saId);
        if (sa == null) {
            throw ApiException.action("Scheduled action " + saId + " of VM " + vm.id() + " does not exist", vm.id());
        }
        return sa;
    }
}
