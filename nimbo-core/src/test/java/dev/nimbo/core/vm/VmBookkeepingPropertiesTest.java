package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.user.User;
import dev.nimbo.core.template.Template;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Host usage and quotas never drift from the VMs' phases, whatever users ask in whatever order and however
 * the drivers answer (success or failure, including answers that arrive late).
 */
class VmBookkeepingPropertiesTest {
    static final int VMS = 4;

    /** One event: a user op on a VM (deploys go to {@code host}), a driver answer for it, or a resize to {@code host}+1 CPUs. */
    record Event(int vm, VmOp op, int host, boolean driverAnswer, boolean success) {
        boolean resize() {
            return op == null && !driverAnswer;
        }
    }

    @Provide
    Arbitrary<List<Event>> events() {
        Arbitrary<Event> userOp = Combinators.combine(Arbitraries.integers().between(0, VMS - 1),
                Arbitraries.of(VmOp.class), Arbitraries.integers().between(0, 1))
                .as((vm, op, host) -> new Event(vm, op, host, false, false));
        Arbitrary<Event> answer = Combinators.combine(Arbitraries.integers().between(0, VMS - 1),
                Arbitraries.integers().between(0, 4)).as((vm, r) -> new Event(vm, null, 0, true, r != 0));
        Arbitrary<Event> resize = Combinators.combine(Arbitraries.integers().between(0, VMS - 1),
                Arbitraries.integers().between(0, 3)).as((vm, cpus) -> new Event(vm, null, cpus, false, false));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(2, userOp), net.jqwik.api.Tuple.of(3, answer),
                net.jqwik.api.Tuple.of(1, resize)).list().ofMinSize(5).ofMaxSize(80);
    }

    @Property(tries = 300)
    void hostsAndQuotasFollowThePhases(@ForAll("events") List<Event> events, @ForAll boolean limited) {
        VmWorld w = new VmWorld();
        for (int i = 0; i < VMS; i++) {
            w.newVm(i, 0.5f + i, 256 * (i + 1), i % 2 == 0 ? VmState.PENDING : VmState.HOLD);
            w.withImageDisk(i);
        }
        if (limited) {
            // an administrator lowers the tenant's running limits below what it uses: starts get refused
            User u = (User) w.table.get(ObjectType.USER, VmWorld.TENANT);
            w.put(u.withQuotas(u.quotas().update(Template.parse("VM = [ RUNNING_VMS = 2, RUNNING_CPU = 3 ]"))));
        }
        w.checkInvariants();
        for (Event e : events) {
            try {
                if (e.driverAnswer()) {
                    w.result(e.vm(), e.success());
                } else if (e.resize()) {
                    w.run(tx -> VmTransitions.resize(tx, e.vm(), e.host() + 1, 0, 128L * (e.host() + 1), e.host() % 2 == 0,
                            VmTransitions.Requester.SYSTEM));
                } else if (e.op() == VmOp.DISK_ATTACH) {
                    // a volatile disk: SYSTEM_DISK_SIZE must follow it in and out
                    w.run(tx -> {
                        VirtualMachine vm = tx.require(dev.nimbo.core.obj.ObjectType.VM, e.vm());
                        tx.put(VmHotplug.stageDisk(tx, vm, 0, new dev.nimbo.core.template.VectorAttribute("DISK",
                                List.of(new dev.nimbo.core.template.SingleAttribute("TYPE", "fs"),
                                        new dev.nimbo.core.template.SingleAttribute("SIZE", "7"))), o -> { }));
                        return VmTransitions.applyOp(tx, e.vm(), VmOp.DISK_ATTACH, VmTransitions.Requester.SYSTEM, null);
                    });
                } else if (e.op() == VmOp.DISK_DETACH) {
                    w.run(tx -> {
                        VirtualMachine vm = tx.require(dev.nimbo.core.obj.ObjectType.VM, e.vm());
                        tx.put(VmHotplug.stageDetach(vm, "DISK", e.host()));
                        return VmTransitions.applyOp(tx, e.vm(), VmOp.DISK_DETACH, VmTransitions.Requester.SYSTEM, null);
                    });
                } else if (e.op() == VmOp.DISK_SNAPSHOT_CREATE || e.op() == VmOp.DISK_SNAPSHOT_REVERT
                        || e.op() == VmOp.DISK_SNAPSHOT_DELETE) {
                    // a snapshot of the image disk: SYSTEM_DISK_SIZE must follow it in and out
                    w.run(tx -> {
                        VirtualMachine vm = tx.require(dev.nimbo.core.obj.ObjectType.VM, e.vm());
                        tx.put(switch (e.op()) {
                            case DISK_SNAPSHOT_CREATE -> VmDiskSnapshots.stageCreate(tx, vm, 0, 1, "", new int[1]);
                            case DISK_SNAPSHOT_REVERT -> VmDiskSnapshots.stageRevert(vm, 1, e.host());
                            default -> VmDiskSnapshots.stageDelete(vm, 1, e.host());
                        });
                        return VmTransitions.applyOp(tx, e.vm(), e.op(), VmTransitions.Requester.SYSTEM, null);
                    });
                } else if (e.op() == VmOp.NIC_UPDATE || e.op() == VmOp.UPDATECONF) {
                    // PCI hot-plug (POWEROFF/UNDEPLOYED only; the world's hosts have no devices): PCI_DEV moves
                    w.run(tx -> {
                        VirtualMachine vm = tx.require(dev.nimbo.core.obj.ObjectType.VM, e.vm());
                        tx.put(e.op() == VmOp.NIC_UPDATE
                                ? VmPci.attach(tx, vm, 0, Template.parse("PCI = [ VENDOR = 10de ]").vectors("PCI")
                                        .get(0), VmTransitions.Requester.SYSTEM)
                                : VmPci.detach(tx, vm, e.host(), VmTransitions.Requester.SYSTEM));
                        return null;
                    });
                } else if (e.op() == VmOp.DISK_RESIZE) {
                    // the image disk (a clone: SYSTEM_DISK_SIZE beyond ORIGINAL_SIZE) or the volatile one grows
                    w.run(tx -> {
                        VirtualMachine vm = tx.require(dev.nimbo.core.obj.ObjectType.VM, e.vm());
                        tx.put(VmDiskResize.stage(tx, vm, 0, e.host(), 200 + tx.now() % 100));
                        return VmTransitions.applyOp(tx, e.vm(), e.op(), VmTransitions.Requester.SYSTEM, null);
                    });
                } else {
                    w.op(e.vm(), e.op(), e.host());
                }
            } catch (ApiException refused) {
                // refused ops stage nothing
            }
            w.checkInvariants();
        }
        // and everything can always be cleaned up
        for (int i = 0; i < VMS; i++) {
            w.op(i, VmOp.RECOVER_DELETE);
        }
        w.checkInvariants();
    }
}
