package dev.nimbo.core.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.group.Group;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostShare;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.quota.DefaultQuotas;
import dev.nimbo.core.quota.QuotaEntry;
import dev.nimbo.core.quota.QuotaKind;
import dev.nimbo.core.quota.QuotaSet;
import dev.nimbo.core.state.ObjectTable;
import dev.nimbo.core.state.Transaction;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.user.User;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A small in-memory cloud for core life-cycle tests: oneadmin, a tenant (uid 5, group 100), two hosts with 4
 * CPUs and 8 GB each. Actions run in transactions applied to one table, as the controller would, and
 * {@link #checkInvariants()} recomputes host usage and quotas from the VMs' phases.
 */
final class VmWorld {
    static final int TENANT = 5;
    static final int GROUP = 100;

    final ObjectTable table = new ObjectTable();
    long now = 1_700_000_000L;

    VmWorld() {
        this(QuotaSet.EMPTY);
    }

    VmWorld(QuotaSet tenantQuotas) {
        put(new User(0, "oneadmin", 0, "oneadmin", new TreeSet<>(Set.of(0)), "x", "core", true, List.of(),
                Template.EMPTY, QuotaSet.EMPTY));
        put(new User(TENANT, "alice", GROUP, "team", new TreeSet<>(Set.of(GROUP)), "x", "core", true, List.of(),
                Template.EMPTY, tenantQuotas));
        put(new Group(0, "oneadmin", Template.EMPTY, Set.of(0), Set.of(), QuotaSet.EMPTY));
        put(new Group(GROUP, "team", Template.EMPTY, Set.of(TENANT), Set.of(), QuotaSet.EMPTY));
        put(DefaultQuotas.initialUser());
        put(DefaultQuotas.initialGroup());
        for (int h = 0; h < 2; h++) {
            Host host = Host.create(h, "host" + h, "dummy", "dummy", 0, "default");
            put(host.withShare(new HostShare(0, 0, 8L << 20, 400, 8L << 20, 400, 0, 1, HostShare.Disk.EMPTY,
                    List.of(), List.of())));
        }
    }

    void put(PoolObject o) {
        table.apply(new dev.nimbo.core.state.Record.Put(o));
    }

    <R> R run(Function<Transaction, R> action) {
        Transaction tx = new Transaction(table, now++);
        R r = action.apply(tx);
        table.applyAll(tx.records());
        return r;
    }

    VirtualMachine newVm(int id, float cpu, int memMb, VmState state) {
        VirtualMachine vm = VirtualMachine.builder(id, "vm" + id, state).owner(TENANT, "alice", GROUP, "team")
                .stime(now).vmTemplate(Template.parse("CPU = " + cpu + "\nMEMORY = " + memMb + "\nVMID = " + id
                        + "\nDISK = [ DISK_ID = 0, TYPE = fs, SIZE = 100 ]"))
                .build();
        return run(tx -> {
            tx.nextId(ObjectType.VM);
            return VmTransitions.create(tx, vm, TENANT);
        });
    }

    /** Gives VM {@code id} a non-persistent image disk (DISK_ID 1, 50 MB), one that can have snapshots. */
    VirtualMachine withImageDisk(int id) {
        return run(tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, id);
            VirtualMachine next = vm.toBuilder().vmTemplate(vm.vmTemplate().add(Template.parse(
                    "DISK = [ DISK_ID = 1, IMAGE_ID = 9, IMAGE = base, PERSISTENT = NO, SIZE = 50 ]")
                    .vectors("DISK").get(0))).build();
            tx.put(next);
            return next;
        });
    }

    VirtualMachine vm(int id) {
        return (VirtualMachine) table.get(ObjectType.VM, id);
    }

    Host host(int id) {
        return (Host) table.get(ObjectType.HOST, id);
    }

    VmTransitions.Applied op(int vmId, VmOp op, int hostId) {
        VmTransitions.Placement p = new VmTransitions.Placement(hostId, 0, "dummy", false);
        return run(tx -> VmTransitions.applyOp(tx, vmId, op, new VmTransitions.Requester(0, 0, 1), p));
    }

    VmTransitions.Applied op(int vmId, VmOp op) {
        return op(vmId, op, 0);
    }

    /** Delivers the result of the operation the VM waits for; null when it waits for none. */
    VmTransitions.Applied result(int vmId, boolean success) {
        VirtualMachine vm = vm(vmId);
        DriverOp op = VmTransitions.driverFor(vm);
        if (op == null) {
            return null;
        }
        return run(tx -> VmTransitions.applyResult(tx, vmId, vm.phase(), op, success, "simulated"));
    }

    /** Answers every operation the VM waits for with success, until it rests. */
    VirtualMachine settle(int vmId) {
        for (int i = 0; i < 10 && result(vmId, true) != null; i++) {
            // keep answering
        }
        return vm(vmId);
    }

    QuotaEntry vmQuota(boolean user) {
        QuotaSet q = user ? ((User) table.get(ObjectType.USER, TENANT)).quotas()
                : ((Group) table.get(ObjectType.GROUP, GROUP)).quotas();
        return q.entry(QuotaKind.VM, QuotaKind.NO_ID);
    }

    static double used(QuotaEntry e, String metric) {
        return e == null ? 0 : e.used(metric);
    }

    /** Host usage and quotas equal what the VMs' phases say they hold. */
    void checkInvariants() {
        for (int h = 0; h < 2; h++) {
            long cpu = 0;
            long mem = 0;
            Set<Integer> vms = new TreeSet<>();
            for (PoolObject o : table.list(ObjectType.VM)) {
                VirtualMachine vm = (VirtualMachine) o;
                if (VmTransitions.heldHosts(vm).contains(h)) {
                    HostCapacity.Demand d = HostCapacity.Demand.of(vm);
                    cpu += d.cpu();
                    mem += d.memKb();
                    vms.add(vm.id());
                }
            }
            Host host = host(h);
            assertThat(host.vms()).as("VMS of host " + h).isEqualTo(vms);
            assertThat(host.share().cpuUsage()).as("CPU_USAGE of host " + h).isEqualTo(cpu);
            assertThat(host.share().memUsage()).as("MEM_USAGE of host " + h).isEqualTo(mem);
            assertThat(host.share().runningVms()).as("RUNNING_VMS of host " + h).isEqualTo(vms.size());
        }
        int count = 0;
        int running = 0;
        double cpu = 0;
        double runningCpu = 0;
        double mem = 0;
        double disk = 0;
        double pci = 0;
        for (PoolObject o : table.list(ObjectType.VM)) {
            VirtualMachine vm = (VirtualMachine) o;
            if (VmStateMachine.holdsResources(vm.phase())) {
                count++;
                cpu += vm.cpu();
                mem += vm.memoryMb();
                disk += vm.systemDiskMb();
                pci += vm.vmTemplate().vectors("PCI").size();
            }
            if (VmStateMachine.runningQuota(vm.phase())) {
                running++;
                runningCpu += vm.cpu();
            }
            History last = vm.lastHistory();
            if (last != null) {
                if (VmStateMachine.holdsHost(vm.phase())) {
                    assertThat(last.etime()).as(vm + " holds its host, its record is open").isZero();
                } else {
                    assertThat(last.etime()).as(vm + " left its host, its record is closed").isNotZero();
                }
            }
            if (vm.state() == VmState.DONE) {
                assertThat(vm.etime()).isNotZero();
            }
        }
        for (boolean user : new boolean[] {true, false}) {
            QuotaEntry e = vmQuota(user);
            String who = user ? "user" : "group";
            assertThat(used(e, "VMS")).as(who + " VMS").isEqualTo(count);
            assertThat(used(e, "CPU")).as(who + " CPU").isCloseTo(cpu, org.assertj.core.data.Offset.offset(0.001));
            assertThat(used(e, "MEMORY")).as(who + " MEMORY").isEqualTo(mem);
            assertThat(used(e, "SYSTEM_DISK_SIZE")).as(who + " SYSTEM_DISK_SIZE").isEqualTo(disk);
            assertThat(used(e, "PCI_DEV")).as(who + " PCI_DEV").isEqualTo(pci);
            assertThat(used(e, "RUNNING_VMS")).as(who + " RUNNING_VMS").isEqualTo(running);
            assertThat(used(e, "RUNNING_CPU")).as(who + " RUNNING_CPU")
                    .isCloseTo(runningCpu, org.assertj.core.data.Offset.offset(0.001));
        }
    }
}
