package dev.nimbo.core.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.quota.QuotaSet;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Run an op, apply its records, assert: the VM, its history, its host and its quotas move together. */
class VmTransitionsTest {

    @Test
    void deployRunPoweroffResumeTerminate() {
        VmWorld w = new VmWorld();
        w.newVm(0, 1.5f, 1024, VmState.PENDING);
        w.checkInvariants();

        VmTransitions.Applied a = w.op(0, VmOp.DEPLOY, 1);
        assertThat(a.at()).isEqualTo(Phase.active(LcmState.PROLOG));
        assertThat(a.driver()).isEqualTo(DriverOp.PROLOG);
        assertThat(w.host(1).share().cpuUsage()).isEqualTo(150);
        assertThat(w.host(1).share().memUsage()).isEqualTo(1024 * 1024);
        assertThat(w.host(1).vms()).containsExactly(0);
        History h = w.vm(0).lastHistory();
        assertThat(h.seq()).isZero();
        assertThat(h.hid()).isEqualTo(1);
        assertThat(h.hostname()).isEqualTo("host1");
        assertThat(h.pstime()).isNotZero();
        w.checkInvariants();

        assertThat(w.result(0, true).driver()).isEqualTo(DriverOp.DEPLOY);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.BOOT);
        assertThat(w.vm(0).lastHistory().petime()).isNotZero();
        assertThat(w.vm(0).lastHistory().rstime()).isNotZero();
        w.result(0, true);
        assertThat(w.vm(0).phase()).isEqualTo(Phase.active(LcmState.RUNNING));
        w.checkInvariants();

        w.op(0, VmOp.POWEROFF);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.SHUTDOWN_POWEROFF);
        assertThat(w.vm(0).lastHistory().action()).isEqualTo(VmAction.POWEROFF);
        w.result(0, true);
        assertThat(w.vm(0).state()).isEqualTo(VmState.POWEROFF);
        assertThat(w.vm(0).lastHistory().retime()).isNotZero();
        assertThat(w.host(1).vms()).containsExactly(0); // poweroff keeps the host's capacity
        assertThat(VmWorld.used(w.vmQuota(true), "RUNNING_VMS")).isZero();
        w.checkInvariants();

        w.op(0, VmOp.RESUME);
        assertThat(w.vm(0).history()).hasSize(2);
        assertThat(w.vm(0).history().get(0).etime()).isNotZero();
        assertThat(w.vm(0).lastHistory().seq()).isEqualTo(1);
        assertThat(w.vm(0).lastHistory().action()).isEqualTo(VmAction.RESUME);
        w.settle(0);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        w.checkInvariants();

        w.op(0, VmOp.TERMINATE);
        w.settle(0);
        VirtualMachine done = w.vm(0);
        assertThat(done.state()).isEqualTo(VmState.DONE);
        assertThat(done.etime()).isNotZero();
        assertThat(done.lastHistory().eetime()).isNotZero();
        assertThat(done.lastHistory().action()).isEqualTo(VmAction.TERMINATE);
        assertThat(w.host(1).vms()).isEmpty();
        assertThat(w.host(1).share().cpuUsage()).isZero();
        assertThat(w.vmQuota(true)).isNull();
        w.checkInvariants();
    }

    @Test
    void failureThenRecover() {
        VmWorld w = new VmWorld();
        w.newVm(0, 1, 512, VmState.PENDING);
        w.op(0, VmOp.DEPLOY, 0);
        w.result(0, true);
        w.result(0, false);
        VirtualMachine vm = w.vm(0);
        assertThat(vm.lcmState()).isEqualTo(LcmState.BOOT_FAILURE);
        assertThat(vm.userTemplate().get("ERROR")).contains("Error executing VMM action deploy: simulated");
        w.checkInvariants();
        assertThatThrownBy(() -> w.op(0, VmOp.POWEROFF)).isInstanceOf(ApiException.class)
                .hasMessageContaining("BOOT_FAILURE");
        VmTransitions.Applied retry = w.op(0, VmOp.RECOVER_RETRY);
        assertThat(retry.driver()).isEqualTo(DriverOp.DEPLOY);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.BOOT);
        w.result(0, true);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        assertThat(w.vm(0).userTemplate().get("ERROR")).isNull();
        w.checkInvariants();
    }

    @Test
    void stopThenResumeRedeploysThroughPrologResume() {
        VmWorld w = new VmWorld();
        w.newVm(0, 1, 512, VmState.PENDING);
        w.op(0, VmOp.DEPLOY, 0);
        w.settle(0);
        w.op(0, VmOp.STOP);
        w.settle(0);
        assertThat(w.vm(0).state()).isEqualTo(VmState.STOPPED);
        assertThat(w.host(0).vms()).isEmpty();
        w.checkInvariants();
        w.op(0, VmOp.RESUME);
        assertThat(w.vm(0).state()).isEqualTo(VmState.PENDING);
        VmTransitions.Applied a = w.op(0, VmOp.DEPLOY, 1);
        assertThat(a.at().lcm()).isEqualTo(LcmState.PROLOG_RESUME);
        w.result(0, true);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.BOOT_STOPPED);
        w.result(0, true);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        assertThat(w.vm(0).hostId()).isEqualTo(1);
        w.checkInvariants();
    }

    @Test
    void quotasRefuseCreationAndResumeBeyondLimits() {
        VmWorld w = new VmWorld(QuotaSet.EMPTY.update(Template.parse("VM = [ VMS = 2, RUNNING_VMS = 1 ]")));
        w.newVm(0, 1, 512, VmState.PENDING);
        assertThatThrownBy(() -> w.newVm(1, 1, 512, VmState.PENDING)).isInstanceOf(ApiException.class)
                .hasMessageContaining("RUNNING_VMS").extracting(e -> ((ApiException) e).code())
                .isEqualTo(ErrorCode.AUTHORIZATION);
        w.checkInvariants();
        w.op(0, VmOp.DEPLOY, 0);
        w.settle(0);
        w.op(0, VmOp.POWEROFF);
        w.settle(0);
        w.newVm(1, 1, 512, VmState.HOLD); // the running slot is free while VM 0 is powered off
        assertThatThrownBy(() -> w.op(0, VmOp.RESUME)).isInstanceOf(ApiException.class)
                .hasMessageContaining("limit of 1 reached for RUNNING_VMS quota");
        assertThat(w.vm(0).state()).isEqualTo(VmState.POWEROFF);
        w.checkInvariants();
        w.op(0, VmOp.TERMINATE); // terminate from poweroff always works, even beyond the running limit
        w.settle(0);
        assertThat(w.vm(0).state()).isEqualTo(VmState.DONE);
        w.checkInvariants();
    }

    @Test
    void enforcedDeployRefusesAFullHostAndChangesNothing() {
        VmWorld w = new VmWorld();
        w.newVm(0, 3, 512, VmState.PENDING);
        w.newVm(1, 2, 512, VmState.PENDING);
        w.run(tx -> VmTransitions.applyOp(tx, 0, VmOp.DEPLOY, VmTransitions.Requester.SYSTEM,
                new VmTransitions.Placement(0, 0, "dummy", true)));
        assertThatThrownBy(() -> w.run(tx -> VmTransitions.applyOp(tx, 1, VmOp.DEPLOY, VmTransitions.Requester.SYSTEM,
                new VmTransitions.Placement(0, 0, "dummy", true)))).isInstanceOf(ApiException.class)
                .hasMessage("VM [1] does not fit in HOST [0]. Not enough CPU: 200/100");
        assertThat(w.vm(1).state()).isEqualTo(VmState.PENDING);
        assertThat(w.vm(1).history()).isEmpty();
        w.checkInvariants();
        // without enforcement an admin may overcommit
        w.op(1, VmOp.DEPLOY, 0);
        assertThat(w.host(0).share().cpuUsage()).isEqualTo(500);
        w.checkInvariants();
    }

    @Test
    void staleResultsAreDropped() {
        VmWorld w = new VmWorld();
        w.newVm(0, 1, 512, VmState.PENDING);
        w.op(0, VmOp.DEPLOY, 0);
        Phase prolog = w.vm(0).phase();
        w.op(0, VmOp.RECOVER_DELETE);
        assertThat(w.vm(0).state()).isEqualTo(VmState.DONE);
        VmTransitions.Applied late = w.run(tx -> VmTransitions.applyResult(tx, 0, prolog, DriverOp.PROLOG, true, null));
        assertThat(late).isNull();
        w.checkInvariants();
    }

    @Test
    void migrationsMoveCapacityAndHistory() {
        VmWorld w = new VmWorld();
        w.newVm(0, 1, 512, VmState.PENDING);
        w.op(0, VmOp.DEPLOY, 0);
        w.settle(0);
        // cold migration: both hosts held while the VM is saved, then only the target
        w.op(0, VmOp.MIGRATE, 1);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.SAVE_MIGRATE);
        assertThat(w.host(0).vms()).containsExactly(0);
        assertThat(w.host(1).vms()).containsExactly(0);
        assertThat(w.vm(0).history()).hasSize(2);
        assertThat(w.vm(0).history().get(0).action()).isEqualTo(VmAction.MIGRATE);
        assertThat(w.vm(0).history().get(0).etime()).isZero();
        w.checkInvariants();
        w.result(0, true);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.PROLOG_MIGRATE);
        assertThat(w.host(0).vms()).isEmpty();
        assertThat(w.vm(0).history().get(0).etime()).isNotZero();
        w.settle(0);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        assertThat(w.vm(0).hostId()).isEqualTo(1);
        w.checkInvariants();
        // a failed live migration goes back to the source host, in a new record
        w.op(0, VmOp.LIVE_MIGRATE, 0);
        assertThat(w.host(0).vms()).containsExactly(0);
        w.result(0, false);
        VirtualMachine vm = w.vm(0);
        assertThat(vm.lcmState()).isEqualTo(LcmState.RUNNING);
        assertThat(vm.hostId()).isEqualTo(1);
        assertThat(vm.history()).hasSize(4);
        assertThat(vm.history().get(2).hid()).isZero();
        assertThat(vm.history().get(2).etime()).isNotZero();
        assertThat(vm.history().get(3).hid()).isEqualTo(1);
        assertThat(vm.history().get(1).etime()).isNotZero();
        assertThat(w.host(0).vms()).isEmpty();
        w.checkInvariants();
        // from poweroff: the disks move and the VM stays powered off on the target
        w.op(0, VmOp.POWEROFF);
        w.settle(0);
        w.op(0, VmOp.MIGRATE, 0);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.PROLOG_MIGRATE_POWEROFF);
        assertThat(w.host(1).vms()).isEmpty();
        w.settle(0);
        assertThat(w.vm(0).state()).isEqualTo(VmState.POWEROFF);
        assertThat(w.vm(0).hostId()).isZero();
        w.checkInvariants();
    }

    @Test
    void snapshotsAreSettledByTheDriversAnswer() {
        VmWorld w = new VmWorld();
        w.newVm(0, 1, 512, VmState.PENDING);
        w.op(0, VmOp.DEPLOY, 0);
        w.settle(0);
        w.run(tx -> {
            VirtualMachine vm = tx.require(dev.nimbo.core.obj.ObjectType.VM, 0);
            tx.put(vm.toBuilder().vmTemplate(VmSnapshots.create(vm.vmTemplate(), 0, "", tx.now())).build());
            return VmTransitions.applyOp(tx, 0, VmOp.SNAPSHOT_CREATE, VmTransitions.Requester.SYSTEM, null);
        });
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.HOTPLUG_SNAPSHOT);
        assertThat(VmTransitions.driverFor(w.vm(0))).isEqualTo(DriverOp.SNAPSHOT_CREATE);
        w.result(0, true);
        dev.nimbo.core.template.VectorAttribute snap = w.vm(0).vmTemplate().vectors("SNAPSHOT").get(0);
        assertThat(snap.get("NAME")).isEqualTo("snapshot-0");
        assertThat(snap.get("HYPERVISOR_ID")).isEqualTo("snap-0");
        assertThat(snap.get("ACTIVE")).isNull();
        // a failed creation leaves no snapshot behind; a failed delete keeps it
        w.run(tx -> {
            VirtualMachine vm = tx.require(dev.nimbo.core.obj.ObjectType.VM, 0);
            tx.put(vm.toBuilder().vmTemplate(VmSnapshots.create(vm.vmTemplate(), 1, "second", tx.now())).build());
            return VmTransitions.applyOp(tx, 0, VmOp.SNAPSHOT_CREATE, VmTransitions.Requester.SYSTEM, null);
        });
        w.result(0, false);
        assertThat(w.vm(0).vmTemplate().vectors("SNAPSHOT")).hasSize(1);
        w.run(tx -> {
            VirtualMachine vm = tx.require(dev.nimbo.core.obj.ObjectType.VM, 0);
            tx.put(vm.toBuilder().vmTemplate(VmSnapshots.mark(vm.vmTemplate(), 0, 0, "DELETE")).build());
            return VmTransitions.applyOp(tx, 0, VmOp.SNAPSHOT_DELETE, VmTransitions.Requester.SYSTEM, null);
        });
        assertThat(VmTransitions.driverFor(w.vm(0))).isEqualTo(DriverOp.SNAPSHOT_DELETE);
        w.result(0, false);
        assertThat(w.vm(0).vmTemplate().vectors("SNAPSHOT")).hasSize(1);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        assertThatThrownBy(() -> VmSnapshots.mark(w.vm(0).vmTemplate(), 0, 7, "REVERT"))
                .hasMessage("Could not revert VM 0 to snapshot 7, it does not exist.");
        w.checkInvariants();
    }

    @Test
    void diskSnapshotsAreChargedWhenStagedAndSettledByTheDriversAnswer() {
        VmWorld w = new VmWorld();
        w.newVm(0, 1, 512, VmState.PENDING);
        w.withImageDisk(0);
        w.op(0, VmOp.DEPLOY, 0);
        w.settle(0);
        int[] id = new int[1];
        java.util.function.Function<String, VmTransitions.Applied> create = name -> w.run(tx -> {
            tx.put(VmDiskSnapshots.stageCreate(tx, tx.require(dev.nimbo.core.obj.ObjectType.VM, 0), VmWorld.TENANT, 1,
                    name, id));
            return VmTransitions.applyOp(tx, 0, VmOp.DISK_SNAPSHOT_CREATE, new VmTransitions.Requester(5, 100, 1), null);
        });
        // running: the hypervisor takes it; the size counts at once, a new record carries the action
        assertThat(create.apply("first").driver()).isEqualTo(DriverOp.DISK_SNAPSHOT_CREATE);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.DISK_SNAPSHOT);
        assertThat(VmWorld.used(w.vmQuota(true), "SYSTEM_DISK_SIZE")).isEqualTo(150);
        assertThat(w.vm(0).history()).hasSize(2);
        assertThat(w.vm(0).history().get(0).action()).isEqualTo(VmAction.DISK_SNAPSHOT_CREATE);
        assertThat(w.vm(0).history().get(0).etime()).isNotZero();
        w.checkInvariants();
        w.result(0, true);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        assertThat(w.vm(0).diskSnapshots().get(1).get(0).name()).isEqualTo("first");
        assertThat(w.vm(0).diskSnapshots().get(1).get(0).active()).isTrue();
        assertThat(VmDiskSnapshots.pending(w.vm(0).vmTemplate())).isNull();
        assertThat(w.vm(0).toXml()).contains("<SNAPSHOTS><ALLOW_ORPHANS><![CDATA[NO]]></ALLOW_ORPHANS>")
                .contains("<DISK_ID><![CDATA[1]]></DISK_ID><NEXT_SNAPSHOT><![CDATA[1]]></NEXT_SNAPSHOT>");
        assertThat(VirtualMachine.fromXml(dev.nimbo.core.xml.XmlNode.parse(w.vm(0).toXml())).diskSnapshots())
                .isEqualTo(w.vm(0).diskSnapshots());
        // a failed creation gives the size back and leaves no snapshot
        create.apply("second");
        w.result(0, false);
        assertThat(w.vm(0).diskSnapshots().get(1).size()).isEqualTo(1);
        assertThat(VmWorld.used(w.vmQuota(true), "SYSTEM_DISK_SIZE")).isEqualTo(150);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        w.checkInvariants();
        // revert is for powered-off VMs only; the state is named
        assertThatThrownBy(() -> w.run(tx -> {
            tx.put(VmDiskSnapshots.stageRevert(tx.require(dev.nimbo.core.obj.ObjectType.VM, 0), 1, 0));
            return VmTransitions.applyOp(tx, 0, VmOp.DISK_SNAPSHOT_REVERT, VmTransitions.Requester.SYSTEM, null);
        })).hasMessage("Could not revert to disk snapshot for VM 0, wrong state RUNNING.");
        assertThat(VmDiskSnapshots.pending(w.vm(0).vmTemplate())).isNull();
        assertThatThrownBy(() -> VmDiskSnapshots.stageDelete(w.vm(0), 1, 7)).hasMessage("Snapshot does not exist");
        assertThatThrownBy(() -> VmDiskSnapshots.stageCreate(null, w.vm(0), 0, 4, "", id))
                .hasMessage("VM disk does not exist");
        // powered off: the transfer driver deletes; a failure keeps it, a success gives the size back
        w.op(0, VmOp.POWEROFF);
        w.settle(0);
        java.util.function.Supplier<VmTransitions.Applied> delete = () -> w.run(tx -> {
            tx.put(VmDiskSnapshots.stageDelete(tx.require(dev.nimbo.core.obj.ObjectType.VM, 0), 1, 0));
            return VmTransitions.applyOp(tx, 0, VmOp.DISK_SNAPSHOT_DELETE, VmTransitions.Requester.SYSTEM, null);
        });
        assertThat(delete.get().driver()).isEqualTo(DriverOp.SNAP_DELETE);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.DISK_SNAPSHOT_DELETE_POWEROFF);
        w.result(0, false);
        assertThat(w.vm(0).state()).isEqualTo(VmState.POWEROFF);
        assertThat(w.vm(0).diskSnapshots().get(1).size()).isEqualTo(1);
        w.checkInvariants();
        delete.get();
        w.result(0, true);
        assertThat(w.vm(0).diskSnapshots()).isEmpty();
        assertThat(w.vm(0).vmTemplate().vectors("DISK").get(1).get("DISK_SNAPSHOT_TOTAL_SIZE")).isNull();
        assertThat(VmWorld.used(w.vmQuota(true), "SYSTEM_DISK_SIZE")).isEqualTo(100);
        w.checkInvariants();
        // a snapshot left on the VM is given back with it
        create.apply("");
        w.result(0, true);
        w.op(0, VmOp.TERMINATE);
        w.settle(0);
        assertThat(w.vmQuota(true)).isNull();
        w.checkInvariants();
    }

    @Test
    void diskResizeGrowsOnlyChargesTheGrowthAndAFailureRestoresIt() {
        VmWorld w = new VmWorld();
        w.newVm(0, 1, 512, VmState.PENDING);
        w.withImageDisk(0);
        w.op(0, VmOp.DEPLOY, 0);
        w.settle(0);
        java.util.function.BiFunction<Integer, Long, VmTransitions.Applied> grow = (disk, size) -> w.run(tx -> {
            tx.put(VmDiskResize.stage(tx, tx.require(dev.nimbo.core.obj.ObjectType.VM, 0), VmWorld.TENANT, disk, size));
            return VmTransitions.applyOp(tx, 0, VmOp.DISK_RESIZE, new VmTransitions.Requester(5, 100, 1), null);
        });
        assertThatThrownBy(() -> grow.apply(0, 100L)).hasMessage("New disk size has to be greater than current one");
        assertThatThrownBy(() -> grow.apply(5, 900L)).hasMessage("VM disk does not exist");
        assertThat(grow.apply(0, 160L).driver()).isEqualTo(DriverOp.DISK_RESIZE);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.DISK_RESIZE);
        assertThat(VmWorld.used(w.vmQuota(true), "SYSTEM_DISK_SIZE")).isEqualTo(160);
        assertThat(w.vm(0).history().get(0).action()).isEqualTo(VmAction.DISK_RESIZE);
        w.result(0, true);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        assertThat(w.vm(0).vmTemplate().vectors("DISK").get(0).get("SIZE")).isEqualTo("160");
        assertThat(VmDiskResize.pending(w.vm(0).vmTemplate())).isNull();
        w.checkInvariants();
        // a clone of an image grows in the system datastore: beyond ORIGINAL_SIZE it counts there
        grow.apply(1, 80L);
        w.result(0, true);
        assertThat(w.vm(0).vmTemplate().vectors("DISK").get(1).get("ORIGINAL_SIZE")).isEqualTo("50");
        assertThat(VmWorld.used(w.vmQuota(true), "SYSTEM_DISK_SIZE")).isEqualTo(190);
        w.checkInvariants();
        // powered off: the transfer driver; its failure puts the size and the quota back
        w.op(0, VmOp.POWEROFF);
        w.settle(0);
        assertThat(grow.apply(0, 400L).driver()).isEqualTo(DriverOp.RESIZE);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.DISK_RESIZE_POWEROFF);
        w.result(0, false);
        assertThat(w.vm(0).state()).isEqualTo(VmState.POWEROFF);
        assertThat(w.vm(0).vmTemplate().vectors("DISK").get(0).get("SIZE")).isEqualTo("160");
        assertThat(VmWorld.used(w.vmQuota(true), "SYSTEM_DISK_SIZE")).isEqualTo(190);
        w.checkInvariants();
        // undeployed: no host is taken while the file grows
        w.op(0, VmOp.UNDEPLOY);
        w.settle(0);
        grow.apply(0, 200L);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.DISK_RESIZE_UNDEPLOYED);
        assertThat(w.host(0).vms()).isEmpty();
        w.checkInvariants();
        w.result(0, true);
        assertThat(w.vm(0).state()).isEqualTo(VmState.UNDEPLOYED);
        w.op(0, VmOp.TERMINATE);
        w.settle(0);
        assertThat(w.vmQuota(true)).isNull();
        w.checkInvariants();
    }

    @Test
    void diskSaveasCopiesOutAndAFailureOrTheVmsEndFailsTheImage() {
        VmWorld w = new VmWorld();
        w.newVm(0, 1, 512, VmState.PENDING);
        w.withImageDisk(0);
        w.op(0, VmOp.DEPLOY, 0);
        w.settle(0);
        w.put(dev.nimbo.core.image.Image.builder(20, "saved").state(dev.nimbo.core.image.ImageState.LOCKED).build());
        assertThatThrownBy(() -> VmDiskSaveas.stage(w.vm(0), 0, -1, 20))
                .hasMessage("Cannot use DISK. DISK does not have a valid IMAGE_ID.");
        assertThatThrownBy(() -> VmDiskSaveas.stage(w.vm(0), 1, 3, 20))
                .hasMessage("Cannot use DISK. Snapshot does not exist.");
        java.util.function.Supplier<VmTransitions.Applied> save = () -> w.run(tx -> {
            tx.put(VmDiskSaveas.stage(tx.require(dev.nimbo.core.obj.ObjectType.VM, 0), 1, -1, 20));
            return VmTransitions.applyOp(tx, 0, VmOp.DISK_SAVEAS, VmTransitions.Requester.SYSTEM, null);
        });
        assertThat(save.get().driver()).isEqualTo(DriverOp.CPDS);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.HOTPLUG_SAVEAS);
        assertThat(VmDiskSaveas.pendingImage(w.vm(0).vmTemplate())).isEqualTo(20);
        w.checkInvariants();
        w.result(0, true);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        assertThat(VmDiskSaveas.pendingImage(w.vm(0).vmTemplate())).isEqualTo(-1);
        // success leaves the image to the datastore driver
        assertThat(((dev.nimbo.core.image.Image) w.table.get(dev.nimbo.core.obj.ObjectType.IMAGE, 20)).state())
                .isEqualTo(dev.nimbo.core.image.ImageState.LOCKED);
        save.get();
        w.result(0, false);
        dev.nimbo.core.image.Image img = (dev.nimbo.core.image.Image) w.table.get(dev.nimbo.core.obj.ObjectType.IMAGE, 20);
        assertThat(img.state()).isEqualTo(dev.nimbo.core.image.ImageState.ERROR);
        assertThat(img.template().get("ERROR")).contains("Error executing TM action cpds");
        // a VM deleted while saving fails the image it was saving into
        w.put(dev.nimbo.core.image.Image.builder(21, "saved2").state(dev.nimbo.core.image.ImageState.LOCKED).build());
        w.run(tx -> {
            tx.put(VmDiskSaveas.stage(tx.require(dev.nimbo.core.obj.ObjectType.VM, 0), 1, -1, 21));
            return VmTransitions.applyOp(tx, 0, VmOp.DISK_SAVEAS, VmTransitions.Requester.SYSTEM, null);
        });
        w.op(0, VmOp.RECOVER_DELETE);
        assertThat(((dev.nimbo.core.image.Image) w.table.get(dev.nimbo.core.obj.ObjectType.IMAGE, 21)).state())
                .isEqualTo(dev.nimbo.core.image.ImageState.ERROR);
        w.checkInvariants();
    }

    @Test
    void securityGroupsOnNicsCarryTheirRulesAndListTheVm() {
        VmWorld w = new VmWorld();
        w.newVm(0, 1, 512, VmState.PENDING);
        w.run(tx -> {
            VirtualMachine vm = tx.require(dev.nimbo.core.obj.ObjectType.VM, 0);
            tx.put(vm.toBuilder().vmTemplate(vm.vmTemplate().add(Template.parse(
                    "NIC = [ NIC_ID = 0, NETWORK_ID = 3, SECURITY_GROUPS = \"0\" ]").vectors("NIC").get(0))).build());
            return null;
        });
        w.put(dev.nimbo.core.secgroup.SecurityGroup.create(100, "web", 0, 0, "oneadmin", "oneadmin",
                new dev.nimbo.core.obj.Permissions(0600), Template.parse(
                        "RULE = [ PROTOCOL = TCP, RULE_TYPE = inbound, RANGE = 80 ]\nRULE = [ PROTOCOL = ICMP, RULE_TYPE = inbound ]")));
        java.util.function.Supplier<dev.nimbo.core.secgroup.SecurityGroup> sg = () ->
                (dev.nimbo.core.secgroup.SecurityGroup) w.table.get(dev.nimbo.core.obj.ObjectType.SECGROUP, 100);
        w.run(tx -> {
            tx.put(VmSecurityGroups.attach(tx, tx.require(dev.nimbo.core.obj.ObjectType.VM, 0), 0, sg.get()));
            return null;
        });
        assertThat(w.vm(0).vmTemplate().vectors("NIC").get(0).get("SECURITY_GROUPS")).isEqualTo("0,100");
        assertThat(w.vm(0).vmTemplate().vectors("SECURITY_GROUP_RULE")).hasSize(2)
                .allSatisfy(r -> assertThat(r.get("SECURITY_GROUP_NAME")).isEqualTo("web"));
        assertThat(sg.get().updatedVms()).containsExactly(0);
        assertThatThrownBy(() -> VmSecurityGroups.attach(null, w.vm(0), 0, sg.get()))
                .hasMessage("VM 0 SG 100 already in NIC 0");
        assertThatThrownBy(() -> VmSecurityGroups.detach(null, w.vm(0), 0, 7))
                .hasMessage("VM 0 NIC 0 doesn't contain SG 7");
        assertThatThrownBy(() -> VmSecurityGroups.detach(null, w.vm(0), 4, 100))
                .hasMessage("VM 0 doesn't have NIC id 4");
        w.run(tx -> {
            tx.put(VmSecurityGroups.detach(tx, tx.require(dev.nimbo.core.obj.ObjectType.VM, 0), 0, 100));
            return null;
        });
        assertThat(w.vm(0).vmTemplate().vectors("SECURITY_GROUP_RULE")).isEmpty();
        assertThat(sg.get().vmCount()).isZero();
        // a VM that ends leaves its groups
        w.run(tx -> {
            tx.put(VmSecurityGroups.attach(tx, tx.require(dev.nimbo.core.obj.ObjectType.VM, 0), 0, sg.get()));
            return null;
        });
        w.op(0, VmOp.TERMINATE);
        assertThat(w.vm(0).state()).isEqualTo(VmState.DONE);
        assertThat(sg.get().vmCount()).isZero();
        assertThatThrownBy(() -> VmSecurityGroups.attach(null, w.vm(0), 0, sg.get()))
                .hasMessage("VM 0 is in wrong state DONE");
    }

    @Test
    void updateconfChangesOnlyItsSectionsAndPushesAChangedContextToARunningVm() {
        VmWorld w = new VmWorld();
        w.newVm(0, 1, 512, VmState.PENDING);
        w.run(tx -> {
            VirtualMachine vm = tx.require(dev.nimbo.core.obj.ObjectType.VM, 0);
            tx.put(vm.toBuilder().vmTemplate(vm.vmTemplate().add(Template.parse(
                    "CONTEXT = [ DISK_ID = 1, TARGET = hda, ETH0_IP = 10.0.0.2, SSH_KEY = old, TOKEN = YES ]")
                    .vectors("CONTEXT").get(0)).add(Template.parse("OS = [ ARCH = x86_64, BOOT = disk0 ]")
                    .vectors("OS").get(0))).build());
            return null;
        });
        Template update = VmUpdateconf.relevant(Template.parse("OS = [ ARCH = aarch64, KERNEL_CMD = quiet, EVIL = 1 ]\n"
                + "GRAPHICS = [ TYPE = VNC, LISTEN = 0.0.0.0, PORT = 5 ]\nCONTEXT = [ SSH_KEY = new ]\nMEMORY = 99999"));
        assertThat(update.get("MEMORY")).isNull();
        VmUpdateconf.Result r = VmUpdateconf.apply(w.vm(0), update, false);
        assertThat(r.contextChanged()).isTrue();
        VectorAttribute os = r.template().vectors("OS").get(0);
        assertThat(os.get("ARCH")).isEqualTo("aarch64");
        assertThat(os.get("BOOT")).isNull(); // replace mode drops what the update leaves out
        assertThat(os.get("EVIL")).isNull();
        assertThat(r.template().vectors("GRAPHICS").get(0).get("PORT")).isNull();
        VectorAttribute ctx = r.template().vectors("CONTEXT").get(0);
        assertThat(ctx.get("SSH_KEY")).isEqualTo("new");
        assertThat(ctx.get("TOKEN")).isNull();
        assertThat(ctx.get("ETH0_IP")).isEqualTo("10.0.0.2"); // network context follows the NICs
        assertThat(ctx.get("DISK_ID")).isEqualTo("1");
        VmUpdateconf.Result merged = VmUpdateconf.apply(w.vm(0), VmUpdateconf.relevant(Template.parse(
                "OS = [ KERNEL_CMD = quiet ]")), true);
        assertThat(merged.template().vectors("OS").get(0).get("BOOT")).isEqualTo("disk0");
        assertThat(merged.template().vectors("CONTEXT").get(0).get("TOKEN")).isEqualTo("YES");
        assertThat(merged.contextChanged()).isFalse();
        assertThatThrownBy(() -> VmUpdateconf.apply(w.vm(0), VmUpdateconf.relevant(Template.parse(
                "CONTEXT = [ ETH0_IP = 1.2.3.4 ]")), true))
                .hasMessage("Unable to update ETH0_IP, update NIC to update network context");
        // a running VM: the changed CONTEXT goes to the hypervisor through HOTPLUG
        w.op(0, VmOp.DEPLOY, 0);
        w.settle(0);
        assertThat(w.run(tx -> VmTransitions.applyOp(tx, 0, VmOp.UPDATECONF, VmTransitions.Requester.SYSTEM, null))
                .driver()).isEqualTo(DriverOp.UPDATE_CONF);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.HOTPLUG);
        assertThat(VmTransitions.driverFor(w.vm(0))).isEqualTo(DriverOp.UPDATE_CONF);
        w.result(0, false);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        w.op(0, VmOp.SUSPEND);
        w.settle(0);
        assertThatThrownBy(() -> VmUpdateconf.apply(w.vm(0), update, true))
                .hasMessage("configuration cannot be updated in state SUSPENDED");
        w.checkInvariants();
    }

    @Test
    void updatenicChangesOnlyQosAndARunningVmWaitsForItsHypervisor() {
        VmWorld w = new VmWorld();
        w.newVm(0, 1, 512, VmState.PENDING);
        w.run(tx -> {
            VirtualMachine vm = tx.require(dev.nimbo.core.obj.ObjectType.VM, 0);
            tx.put(vm.toBuilder().vmTemplate(vm.vmTemplate().add(Template.parse(
                    "NIC = [ NIC_ID = 0, NETWORK_ID = 3, IP = 10.0.0.2, INBOUND_AVG_BW = 100 ]").vectors("NIC").get(0)))
                    .build());
            return null;
        });
        VectorAttribute nic = Template.parse("NIC = [ IP = 6.6.6.6, OUTBOUND_AVG_BW = 50 ]").vectors("NIC").get(0);
        VmNicUpdate.Result r = VmNicUpdate.apply(w.vm(0), 0, nic, false);
        VectorAttribute n = r.vm().vmTemplate().vectors("NIC").get(0);
        assertThat(n.get("IP")).isEqualTo("10.0.0.2");
        assertThat(n.get("OUTBOUND_AVG_BW")).isEqualTo("50");
        assertThat(n.get("INBOUND_AVG_BW")).isNull(); // replace mode
        assertThat(r.vm().vmTemplate().vectors("VNET_UPDATE")).isEmpty();
        assertThat(VmNicUpdate.apply(w.vm(0), 0, nic, true).vm().vmTemplate().vectors("NIC").get(0)
                .get("INBOUND_AVG_BW")).isEqualTo("100");
        assertThat(VmNicUpdate.apply(w.vm(0), 0, Template.parse("NIC = [ IP = 1.1.1.1 ]").vectors("NIC").get(0),
                true).changed()).isFalse();
        assertThatThrownBy(() -> VmNicUpdate.apply(w.vm(0), 3, nic, true)).hasMessage("VM 0: NIC 3 does not exists");
        w.op(0, VmOp.DEPLOY, 0);
        assertThatThrownBy(() -> VmNicUpdate.apply(w.vm(0), 0, nic, true))
                .hasMessage("Error updating NIC (0) for VM 0: Wrong state PROLOG");
        w.settle(0);
        w.run(tx -> {
            tx.put(VmNicUpdate.apply(tx.require(dev.nimbo.core.obj.ObjectType.VM, 0), 0, nic, true).vm());
            return VmTransitions.applyOp(tx, 0, VmOp.NIC_UPDATE, VmTransitions.Requester.SYSTEM, null);
        });
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.HOTPLUG_NIC);
        assertThat(VmTransitions.driverFor(w.vm(0))).isEqualTo(DriverOp.UPDATE_NIC);
        assertThat(w.vm(0).vmTemplate().vectors("VNET_UPDATE").get(0).get("OUTBOUND_AVG_BW")).isEmpty();
        w.result(0, true);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        assertThat(w.vm(0).vmTemplate().vectors("VNET_UPDATE")).isEmpty();
        assertThat(w.vm(0).history().get(w.vm(0).history().size() - 2).action()).isEqualTo(VmAction.NIC_UPDATE);
        w.checkInvariants();
    }

    @Test
    void pciDevicesAttachToPoweredOffVmsFromTheirHost() {
        VmWorld w = new VmWorld();
        dev.nimbo.core.host.Host h = w.host(0);
        dev.nimbo.core.host.HostShare s = h.share();
        w.put(h.withShare(new dev.nimbo.core.host.HostShare(s.memUsage(), s.cpuUsage(), s.totalMem(), s.totalCpu(),
                s.maxMem(), s.maxCpu(), s.runningVms(), s.vmsThread(), s.disk(), List.of(
                dev.nimbo.core.host.PciDevice.of(java.util.Map.of("ADDRESS", "0000:3b:00.0", "SHORT_ADDRESS",
                        "3b:00.0", "VENDOR", "10de", "DEVICE", "20b5", "CLASS", "0302"))), s.numaNodes())));
        w.newVm(0, 1, 512, VmState.PENDING);
        VectorAttribute gpu = Template.parse("PCI = [ VENDOR = 10de ]").vectors("PCI").get(0);
        assertThatThrownBy(() -> VmPci.attach(null, w.vm(0), 0, gpu, VmTransitions.Requester.SYSTEM))
                .hasMessage("VM in wrong state, it has to be in poweroff. Current state: PENDING.");
        assertThatThrownBy(() -> VmPci.check(Template.parse("PCI = [ VENDOR = zz ]").vectors("PCI").get(0), 0))
                .hasMessage("Wrong Hex value for PCI attribute VENDOR");
        assertThatThrownBy(() -> VmPci.check(Template.parse("PCI = [ TYPE = NIC, VENDOR = 1 ]").vectors("PCI").get(0), 0))
                .hasMessage("Use one.vm.attachnic to attach this PCI device");
        w.op(0, VmOp.DEPLOY, 0);
        w.settle(0);
        w.op(0, VmOp.POWEROFF);
        w.settle(0);
        w.run(tx -> {
            tx.put(VmPci.attach(tx, tx.require(dev.nimbo.core.obj.ObjectType.VM, 0), VmWorld.TENANT, gpu,
                    VmTransitions.Requester.SYSTEM));
            return null;
        });
        VectorAttribute attached = w.vm(0).vmTemplate().vectors("PCI").get(0);
        assertThat(attached.get("PCI_ID")).isEqualTo("0");
        assertThat(attached.get("ADDRESS")).isEqualTo("0000:3b:00.0");
        assertThat(w.host(0).share().pciDevices().get(0).vmid()).isZero();
        assertThat(VmWorld.used(w.vmQuota(true), "PCI_DEV")).isEqualTo(1);
        assertThat(w.vm(0).history().get(0).action()).isEqualTo(VmAction.PCI_ATTACH);
        w.checkInvariants();
        // the host has no second free device
        w.newVm(1, 1, 512, VmState.PENDING);
        w.op(1, VmOp.DEPLOY, 0);
        w.settle(1);
        w.op(1, VmOp.POWEROFF);
        w.settle(1);
        assertThatThrownBy(() -> w.run(tx -> VmPci.attach(tx, tx.require(dev.nimbo.core.obj.ObjectType.VM, 1), 0,
                gpu, VmTransitions.Requester.SYSTEM)))
                .hasMessage("Cannot assign PCI device in host. Check address and free devices");
        w.run(tx -> {
            tx.put(VmPci.detach(tx, tx.require(dev.nimbo.core.obj.ObjectType.VM, 0), 0, VmTransitions.Requester.SYSTEM));
            return null;
        });
        assertThat(w.host(0).share().pciDevices().get(0).vmid()).isEqualTo(-1);
        assertThat(VmWorld.used(w.vmQuota(true), "PCI_DEV")).isZero();
        assertThatThrownBy(() -> VmPci.detach(null, w.vm(0), 0, VmTransitions.Requester.SYSTEM))
                .hasMessage("PCI device not found");
        // a VM that leaves its host frees its devices there, and its end gives the quota back
        w.run(tx -> {
            tx.put(VmPci.attach(tx, tx.require(dev.nimbo.core.obj.ObjectType.VM, 1), 0, gpu,
                    VmTransitions.Requester.SYSTEM));
            return null;
        });
        w.op(1, VmOp.TERMINATE);
        w.settle(1);
        assertThat(w.host(0).share().pciDevices().get(0).vmid()).isEqualTo(-1);
        w.checkInvariants();
    }

    @Test
    void resizeMovesQuotasAndHostUsage() {
        VmWorld w = new VmWorld(dev.nimbo.core.quota.QuotaSet.EMPTY.update(Template.parse("VM = [ CPU = 6 ]")));
        w.newVm(0, 1, 512, VmState.PENDING);
        w.run(tx -> VmTransitions.resize(tx, 0, 2, 2, 1024, true, VmTransitions.Requester.SYSTEM));
        assertThat(w.vm(0).cpu()).isEqualTo(2f);
        assertThat(w.vm(0).vcpu()).isEqualTo(2);
        w.checkInvariants();
        assertThatThrownBy(() -> w.run(tx -> VmTransitions.resize(tx, 0, 7, 0, 0, true, VmTransitions.Requester.SYSTEM))).hasMessageContaining("CPU quota");
        w.op(0, VmOp.DEPLOY, 1);
        w.settle(0);
        // a running VM: resized by its hypervisor through HOTPLUG_RESIZE; a failure puts everything back
        VmTransitions.Applied hot = w.run(tx -> VmTransitions.resize(tx, 0, 3, 3, 2048, true,
                VmTransitions.Requester.SYSTEM));
        assertThat(hot.driver()).isEqualTo(DriverOp.RESIZE_VM);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.HOTPLUG_RESIZE);
        assertThat(w.host(1).share().cpuUsage()).isEqualTo(300);
        w.checkInvariants();
        w.result(0, false);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        assertThat(w.vm(0).cpu()).isEqualTo(2f);
        assertThat(w.vm(0).memoryMb()).isEqualTo(1024);
        assertThat(w.vm(0).vmTemplate().vectors("RESIZE")).isEmpty();
        assertThat(w.host(1).share().cpuUsage()).isEqualTo(200);
        w.checkInvariants();
        w.run(tx -> VmTransitions.resize(tx, 0, 1, 1, 768, true, VmTransitions.Requester.SYSTEM));
        w.result(0, true);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        assertThat(w.vm(0).cpu()).isEqualTo(1f);
        assertThat(w.vm(0).vmTemplate().vectors("RESIZE")).isEmpty();
        assertThat(w.host(1).share().cpuUsage()).isEqualTo(100);
        w.checkInvariants();
        // the size it has: nothing to do
        assertThat(w.run(tx -> VmTransitions.resize(tx, 0, 1, 1, 768, true, VmTransitions.Requester.SYSTEM))
                .driver()).isNull();
        w.op(0, VmOp.POWEROFF);
        w.settle(0);
        w.run(tx -> VmTransitions.resize(tx, 0, 0.5f, 0, 256, true, VmTransitions.Requester.SYSTEM));
        assertThat(w.host(1).share().cpuUsage()).isEqualTo(50);
        // one record per resize (two hot ones, one powered off), each closed with action RESIZE
        assertThat(w.vm(0).history()).hasSize(4);
        assertThat(w.vm(0).history().subList(0, 3)).extracting(History::action).containsOnly(VmAction.RESIZE);
        w.checkInvariants();
        // the host is full: an enforced resize is refused, nothing changes
        assertThatThrownBy(() -> w.run(tx -> VmTransitions.resize(tx, 0, 4.5f, 0, 0, true,
                VmTransitions.Requester.SYSTEM))).hasMessageContaining("does not fit in HOST [1]");
        assertThat(w.vm(0).cpu()).isEqualTo(0.5f);
        w.checkInvariants();
    }

    @Test
    void deleteRecreateGoesBackToPendingThroughACleanup() {
        VmWorld w = new VmWorld();
        w.newVm(0, 1, 512, VmState.PENDING);
        w.op(0, VmOp.DEPLOY, 1);
        w.settle(0);
        VmTransitions.Applied a = w.op(0, VmOp.RECOVER_DELETE_RECREATE);
        assertThat(a.driver()).isEqualTo(DriverOp.CLEANUP);
        assertThat(w.host(1).vms()).isEmpty();
        w.checkInvariants();
        w.result(0, true);
        assertThat(w.vm(0).state()).isEqualTo(VmState.PENDING);
        assertThat(w.vm(0).deployId()).isEmpty();
        assertThat(w.op(0, VmOp.DEPLOY, 0).at().lcm()).isEqualTo(LcmState.PROLOG);
        w.checkInvariants();
    }
}
