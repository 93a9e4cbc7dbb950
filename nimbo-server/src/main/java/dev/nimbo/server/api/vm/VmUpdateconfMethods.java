package dev.nimbo.server.api.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.vm.LcmState;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmAction;
import dev.nimbo.core.vm.VmBackups;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.core.vm.VmUpdateconf;
import dev.nimbo.core.vm.VncPorts;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Templates;

/**
 * one.vm.updateconf: OS, FEATURES, INPUT, GRAPHICS, VIDEO, RAW, CPU_MODEL and CONTEXT of a VM changed after its
 * creation ({@link VmUpdateconf}), and its BACKUP_CONFIG ({@link VmBackups#configure}); update type 0 replaces, 1 merges. A running VM whose CONTEXT changed goes through
 * HOTPLUG while its hypervisor takes the new configuration. MANAGE on the VM; tenants may not set restricted
 * attributes. Returns the VM's ID.
 */
final class VmUpdateconfMethods {
    private VmUpdateconfMethods() {
    }

    static void register(ApiRegistry r) {
        r.register("one.vm.updateconf", VmUpdateconfMethods::updateconf);
    }

    static Object updateconf(Call call) {
        call.params().arity(2, 3);
        int id = call.params().integer(0);
        int type = call.params().integer(2, 0);
        if (type < 0 || type > 1) {
            throw ApiException.api("Wrong update type");
        }
        Template full = Templates.parse(call, call.params().string(1));
        Template update = VmUpdateconf.relevant(full);
        VmMethods.checkRestricted(call, update);
        return VmMethods.step(call, tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            call.authorize(VmAction.UPDATECONF.defaultRight(), vm);
            VmUpdateconf.Result r = VmUpdateconf.apply(vm, update, type == 1);
            Template t = r.template();
            // GRAPHICS added to a placed VM: it needs a VNC port of its cluster now, as a deploy would give
            boolean placed = vm.state() == VmState.ACTIVE || vm.state() == VmState.POWEROFF
                    || vm.state() == VmState.SUSPENDED;
            if (placed && vm.lastHistory() != null && VncPorts.needsPort(t)) {
                t = VncPorts.assign(tx, id, vm.lastHistory().cid(), t);
            }
            // BACKUP_CONFIG is parsed after the sections, with the VM's current disks and snapshots (as oned)
            tx.put(vm.toBuilder().vmTemplate(t)
                    .backups(VmBackups.configure(vm, full, type == 1), vm.backupIds()).build());
            if (r.contextChanged() && vm.state() == VmState.ACTIVE && vm.lcmState() == LcmState.RUNNING) {
                return VmTransitions.applyOp(tx, id, VmOp.UPDATECONF, VmMethods.requester(call), null);
            }
            // no driver work: an unchanged step, so that an operation in flight (e.g. a PROLOG) still counts
            return new VmTransitions.Applied(tx.require(ObjectType.VM, id), vm.phase(), null, null, false);
        });
    }
}
