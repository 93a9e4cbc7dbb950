package dev.nimbo.server.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.core.group.Group;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostShare;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.DefaultQuotas;
import dev.nimbo.core.quota.QuotaSet;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectTable;
import dev.nimbo.core.state.Record;
import dev.nimbo.core.state.Store;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.user.User;
import dev.nimbo.core.vm.LcmState;
import dev.nimbo.core.vm.TransferDriver;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.core.vm.VmmDriver;
import dev.nimbo.drivers.tm.DummyTm;
import dev.nimbo.drivers.vmm.DummyBehaviour;
import dev.nimbo.drivers.vmm.DummyVmm;
import dev.nimbo.server.api.ApiContext;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A daemon restarted while VMs wait for drivers: with the resume policy each waiting operation is issued again
 * and the VMs reach their next stable phase; with the fail policy they land in the failure phase the driver
 * failure would have left them in, with the reason. Runs the life cycle on a real controller with an in-memory
 * store and the dummy drivers (no latency).
 */
class VmLifecycleRecoveryTest {

    /** Keeps nothing: the tables are what the test looks at. */
    static final class NoStore implements Store {
        @Override
        public Snapshot load() {
            return new Snapshot(List.of(), Map.of());
        }

        @Override
        public void commit(List<Record> records) {
        }

        @Override
        public String describe() {
            return "none";
        }

        @Override
        public void close() {
        }
    }

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    /** A controller whose state has VMs interrupted in PROLOG, BOOT, SHUTDOWN_POWEROFF and EPILOG_STOP. */
    ApiContext interruptedWorld() {
        ObjectTable table = new ObjectTable();
        Controller c = new Controller(new NoStore(), table, Clock.systemUTC());
        List<Record> boot = new ArrayList<>();
        for (PoolObject o : List.of(
                new User(0, "oneadmin", 0, "oneadmin", new TreeSet<>(Set.of(0)), "x", "core", true, List.of(),
                        Template.EMPTY, QuotaSet.EMPTY),
                new Group(0, "oneadmin", Template.EMPTY, Set.of(0), Set.of(), QuotaSet.EMPTY),
                DefaultQuotas.initialUser(), DefaultQuotas.initialGroup(),
                Host.create(0, "h0", "dummy", "dummy", 0, "default").withShare(new HostShare(0, 0, 8L << 20, 800,
                        8L << 20, 800, 0, 1, HostShare.Disk.EMPTY, List.of(), List.of())))) {
            boot.add(new Record.Put(o));
        }
        c.preload(boot);
        c.start();
        open.add(c);
        ApiContext ctx = new ApiContext(null, c, table, null, null, Clock.systemUTC());
        VmTransitions.Placement p = new VmTransitions.Placement(0, 0, "dummy", false);
        for (int i = 0; i < 4; i++) {
            int id = i;
            c.execute(tx -> {
                tx.nextId(ObjectType.VM);
                return VmTransitions.create(tx, VirtualMachine.builder(id, "vm" + id, VmState.PENDING)
                        .vmTemplate(Template.parse("CPU = 1\nMEMORY = 128")).build(), 0);
            });
            c.execute(tx -> VmTransitions.applyOp(tx, id, VmOp.DEPLOY, VmTransitions.Requester.SYSTEM, p));
        }
        // VM 0 stays in PROLOG; VM 1 gets to BOOT; VM 2 to SHUTDOWN_POWEROFF; VM 3 to EPILOG_STOP
        for (int id : List.of(1, 2, 3)) {
            c.execute(tx -> VmTransitions.applyResult(tx, id, vm(table, id).phase(), null, true, null));
        }
        for (int id : List.of(2, 3)) {
            c.execute(tx -> VmTransitions.applyResult(tx, id, vm(table, id).phase(), null, true, null));
        }
        c.execute(tx -> VmTransitions.applyOp(tx, 2, VmOp.POWEROFF, VmTransitions.Requester.SYSTEM, null));
        c.execute(tx -> VmTransitions.applyOp(tx, 3, VmOp.STOP, VmTransitions.Requester.SYSTEM, null));
        c.execute(tx -> VmTransitions.applyResult(tx, 3, vm(table, 3).phase(), null, true, null));
        assertThat(List.of(0, 1, 2, 3)).extracting(id -> vm(table, id).lcmState()).containsExactly(LcmState.PROLOG,
                LcmState.BOOT, LcmState.SHUTDOWN_POWEROFF, LcmState.EPILOG_STOP);
        return ctx;
    }

    /**
     * The interrupted world plus VM 4 waiting for a disk snapshot of its running image disk (DISK_SNAPSHOT) and VM 5
     * for the growth of its powered-off volatile disk to 300 MB (DISK_RESIZE_POWEROFF).
     */
    ApiContext interruptedDiskOps() {
        ApiContext ctx = interruptedWorld();
        Controller c = ctx.controller();
        ObjectTable table = (ObjectTable) ctx.view();
        VmTransitions.Placement p = new VmTransitions.Placement(0, 0, "dummy", false);
        for (int id : List.of(4, 5)) {
            c.execute(tx -> {
                tx.nextId(ObjectType.VM);
                return VmTransitions.create(tx, VirtualMachine.builder(id, "vm" + id, VmState.PENDING)
                        .vmTemplate(Template.parse("CPU = 1\nMEMORY = 128\nDISK = [ DISK_ID = 0, TYPE = fs, SIZE = 100 ]\n"
                                + "DISK = [ DISK_ID = 1, IMAGE_ID = 7, PERSISTENT = NO, SIZE = 20 ]")).build(), 0);
            });
            c.execute(tx -> VmTransitions.applyOp(tx, id, VmOp.DEPLOY, VmTransitions.Requester.SYSTEM, p));
            for (int i = 0; i < 2; i++) {
                c.execute(tx -> VmTransitions.applyResult(tx, id, vm(table, id).phase(), null, true, null));
            }
        }
        c.execute(tx -> {
            tx.put(dev.nimbo.core.vm.VmDiskSnapshots.stageCreate(tx, vm(table, 4), 0, 1, "s", new int[1]));
            return VmTransitions.applyOp(tx, 4, VmOp.DISK_SNAPSHOT_CREATE, VmTransitions.Requester.SYSTEM, null);
        });
        c.execute(tx -> VmTransitions.applyOp(tx, 5, VmOp.POWEROFF, VmTransitions.Requester.SYSTEM, null));
        c.execute(tx -> VmTransitions.applyResult(tx, 5, vm(table, 5).phase(), null, true, null));
        c.execute(tx -> {
            tx.put(dev.nimbo.core.vm.VmDiskResize.stage(tx, vm(table, 5), 0, 0, 300));
            return VmTransitions.applyOp(tx, 5, VmOp.DISK_RESIZE, VmTransitions.Requester.SYSTEM, null);
        });
        assertThat(List.of(4, 5)).extracting(id -> vm(table, id).lcmState())
                .containsExactly(LcmState.DISK_SNAPSHOT, LcmState.DISK_RESIZE_POWEROFF);
        return ctx;
    }

    @Test
    void interruptedDiskOperationsAreIssuedAgainOrUndone() {
        ApiContext resumed = interruptedDiskOps();
        ObjectTable t = (ObjectTable) resumed.view();
        lifecycle(resumed, false).recover();
        await().atMost(Duration.ofSeconds(20)).until(() -> vm(t, 4).lcmState() == LcmState.RUNNING
                && vm(t, 5).state() == VmState.POWEROFF);
        assertThat(vm(t, 4).diskSnapshots().get(1).size()).isEqualTo(1);
        assertThat(vm(t, 5).vmTemplate().vectors("DISK").get(0).get("SIZE")).isEqualTo("300");

        ApiContext failed = interruptedDiskOps();
        ObjectTable f = (ObjectTable) failed.view();
        lifecycle(failed, true).recover();
        await().atMost(Duration.ofSeconds(20)).until(() -> vm(f, 4).lcmState() == LcmState.RUNNING
                && vm(f, 5).state() == VmState.POWEROFF);
        assertThat(vm(f, 4).diskSnapshots()).isEmpty();
        assertThat(vm(f, 5).vmTemplate().vectors("DISK").get(0).get("SIZE")).isEqualTo("100");
        assertThat(vm(f, 5).userTemplate().get("ERROR")).contains(VmLifecycle.RESTART_MESSAGE);
    }

    static VirtualMachine vm(ObjectTable t, int id) {
        return (VirtualMachine) t.get(ObjectType.VM, id);
    }

    VmLifecycle lifecycle(ApiContext ctx, boolean fail) {
        DummyBehaviour instant = new DummyBehaviour(Set.of(), -1, 0);
        List<VmmDriver> vmms = List.of(new DummyVmm(instant));
        List<TransferDriver> tms = List.of(new DummyTm(instant));
        VmLifecycle l = new VmLifecycle(ctx, vmms, tms, new VmSettings(Duration.ofSeconds(5), fail, Duration.ZERO,
                Duration.ofHours(1), Duration.ZERO), new dev.nimbo.server.monitor.MemoryMonitoringStore());
        open.add(l);
        return l;
    }

    @Test
    void resumePolicyIssuesTheInterruptedOperationsAgain() {
        ApiContext ctx = interruptedWorld();
        ObjectTable t = (ObjectTable) ctx.view();
        lifecycle(ctx, false).recover();
        await().atMost(Duration.ofSeconds(20)).until(() -> vm(t, 0).lcmState() == LcmState.RUNNING
                && vm(t, 1).lcmState() == LcmState.RUNNING && vm(t, 2).state() == VmState.POWEROFF
                && vm(t, 3).state() == VmState.STOPPED);
        assertThat(vm(t, 0).deployId()).isEqualTo("one-0");
        Host h = (Host) t.get(ObjectType.HOST, 0);
        assertThat(h.vms()).containsExactly(0, 1, 2);
    }

    @Test
    void failPolicyFailsThemCleanly() {
        ApiContext ctx = interruptedWorld();
        ObjectTable t = (ObjectTable) ctx.view();
        lifecycle(ctx, true).recover();
        await().atMost(Duration.ofSeconds(20)).until(() -> vm(t, 0).lcmState() == LcmState.PROLOG_FAILURE
                && vm(t, 1).lcmState() == LcmState.BOOT_FAILURE && vm(t, 2).lcmState() == LcmState.RUNNING
                && vm(t, 3).lcmState() == LcmState.EPILOG_STOP_FAILURE);
        assertThat(vm(t, 0).userTemplate().get("ERROR")).contains(VmLifecycle.RESTART_MESSAGE);
    }
}
