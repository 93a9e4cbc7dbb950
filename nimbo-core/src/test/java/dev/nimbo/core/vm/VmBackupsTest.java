package dev.nimbo.core.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.datastore.Datastore;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.image.BackupIncrements;
import dev.nimbo.core.image.Image;
import dev.nimbo.core.image.ImageState;
import dev.nimbo.core.image.ImageType;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.Permissions;
import dev.nimbo.core.quota.QuotaEntry;
import dev.nimbo.core.quota.QuotaKind;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.user.User;
import dev.nimbo.core.xml.XmlNode;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Backups in the core: BACKUP_CONFIG rules, one backup from stage to settle, increments, restores. */
class VmBackupsTest {
    static final int BDS = 3;

    static Template cfg(String text) {
        return Template.parse(text);
    }

    /** A world with a backup datastore and VM 0 running on host 0 with a volatile disk (0) and an image disk (1). */
    static VmWorld world() {
        VmWorld w = new VmWorld();
        w.put(new Datastore(BDS, "backups", 0, 0, "oneadmin", "oneadmin", new Permissions(0660), "dummy", "-",
                "/var/lib/nimbo/datastores/3", Datastore.BACKUP_DS, 0, Datastore.READY, Set.of(0), 1000, 1000, 0,
                Set.of(), Template.EMPTY.with("TYPE", "BACKUP_DS")));
        w.newVm(0, 1, 512, VmState.PENDING);
        w.withImageDisk(0);
        w.op(0, VmOp.DEPLOY, 0);
        w.settle(0);
        return w;
    }

    static QuotaEntry dsQuota(VmWorld w) {
        return ((User) w.table.get(ObjectType.USER, VmWorld.TENANT)).quotas().entry(QuotaKind.DATASTORE, BDS);
    }

    /** Starts a backup of VM 0 into the backup datastore, charging the reservation as the API does. */
    static void backup(VmWorld w, boolean reset) {
        w.run(tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, 0);
            dev.nimbo.core.image.ImageQuotas.charge(tx, vm.uid(), vm.uid(), vm.gid(),
                    VmBackups.reservation(vm, BDS, VmBackups.chainImage(vm, reset) < 0));
            tx.put(VmBackups.stage(vm, BDS, reset));
            return VmTransitions.applyOp(tx, 0, VmOp.BACKUP, new VmTransitions.Requester(0, 0, 1), null);
        });
    }

    /** The driver's answer for VM 0's backup: a backup at {@code source} of {@code size} MB, or a failure. */
    static void answer(VmWorld w, String source, long size, boolean ok) {
        VirtualMachine vm = w.vm(0);
        w.run(tx -> {
            if (ok) {
                tx.put(VmBackups.noteResult(tx.require(ObjectType.VM, 0), source, size));
            }
            return VmTransitions.applyResult(tx, 0, vm.phase(), DriverOp.BACKUP, ok, "simulated");
        });
    }

    @Test
    void configurationFollowsOnedsRules() {
        VmWorld w = world();
        VirtualMachine vm = w.vm(0);
        Template c = VmBackups.configure(vm, cfg("BACKUP_CONFIG = [ KEEP_LAST = -4, FS_FREEZE = bogus, MODE = INCREMENT ]"),
                false);
        assertThat(c.get("KEEP_LAST")).isEqualTo("0");
        assertThat(c.get("FS_FREEZE")).isEqualTo("NONE");
        assertThat(c.get("MODE")).isEqualTo("INCREMENT");
        assertThat(c.get("INCREMENT_MODE")).isEqualTo("CBT");
        assertThat(c.get("INCREMENTAL_BACKUP_ID")).isEqualTo("-1");
        assertThat(c.get("BACKUP_VOLATILE")).isEqualTo("NO");
        assertThat(c.attributes().stream().map(a -> a.name()).toList()).isSorted();
        // no BACKUP_CONFIG in the update: unchanged
        assertThat(VmBackups.configure(vm, Template.EMPTY, true)).isSameAs(vm.backupConfig());

        // only eligible disks: the volatile one needs BACKUP_VOLATILE
        assertThatThrownBy(() -> VmBackups.configure(vm, cfg("BACKUP_CONFIG = [ DISK_IDS = \"0\" ]"), false))
                .isInstanceOf(ApiException.class).hasMessage("Invalid DISK_IDS, disk 0 cannot be backed up");
        Template vol = VmBackups.configure(vm, cfg("BACKUP_CONFIG = [ DISK_IDS = \"1,0,1\", BACKUP_VOLATILE = yes ]"),
                false);
        assertThat(vol.get("DISK_IDS")).isEqualTo("0,1");
        assertThatThrownBy(() -> VmBackups.configure(vm, cfg("BACKUP_CONFIG = [ DISK_IDS = \"x\" ]"), false))
                .hasMessage("Invalid DISK_IDS value: x");

        // incremental backups are refused once the VM has system snapshots
        VirtualMachine snap = vm.toBuilder().vmTemplate(VmSnapshots.create(vm.vmTemplate(), 0, "s", 1)).build();
        assertThatThrownBy(() -> VmBackups.configure(snap, cfg("BACKUP_CONFIG = [ MODE = INCREMENT ]"), false))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL))
                .hasMessage("VM cannot use backup increment mode, it has snapshots.");
        assertThat(VmBackups.configure(snap, cfg("BACKUP_CONFIG = [ KEEP_LAST = 2 ]"), false).get("MODE"))
                .isEqualTo("FULL");

        // append keeps what the update leaves out; replace resets it
        VirtualMachine configured = vm.toBuilder().backups(c.with("INCREMENTAL_BACKUP_ID", "7")
                .with("LAST_INCREMENT_ID", "2").with("KEEP_LAST", "3"), Set.of(7)).build();
        Template merged = VmBackups.configure(configured, cfg("BACKUP_CONFIG = [ FS_FREEZE = agent ]"), true);
        assertThat(merged.get("KEEP_LAST")).isEqualTo("3");
        assertThat(merged.get("INCREMENTAL_BACKUP_ID")).isEqualTo("7");
        assertThat(merged.get("FS_FREEZE")).isEqualTo("AGENT");
        Template replaced = VmBackups.configure(configured, cfg("BACKUP_CONFIG = [ FS_FREEZE = agent ]"), false);
        assertThat(replaced.get("KEEP_LAST")).isNull();
        assertThat(replaced.get("MODE")).isEqualTo("FULL");
        assertThat(replaced.get("INCREMENTAL_BACKUP_ID")).isEqualTo("-1");
        // a new disk set restarts the chain
        Template disks = VmBackups.configure(configured, cfg("BACKUP_CONFIG = [ DISK_IDS = \"1\" ]"), true);
        assertThat(disks.get("INCREMENTAL_BACKUP_ID")).isEqualTo("-1");
        assertThat(disks.get("LAST_INCREMENT_ID")).isEqualTo("-1");
    }

    @Test
    void aFullBackupMakesAReadyImageAndKeepsTheRealSizeInTheQuota() {
        VmWorld w = world();
        w.run(tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, 0);
            tx.put(vm.toBuilder().backups(VmBackups.configure(vm, cfg("BACKUP_CONFIG = [ KEEP_LAST = 1 ]"), false),
                    vm.backupIds()).build());
            return null;
        });
        assertThat(VmBackups.backupSize(w.vm(0))).isEqualTo(50); // the image disk only
        backup(w, false);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.BACKUP);
        assertThat(dsQuota(w).used("IMAGES")).isEqualTo(1);
        assertThat(dsQuota(w).used("SIZE")).isEqualTo(50);
        answer(w, "/b/0/one", 30, true);
        VirtualMachine vm = w.vm(0);
        assertThat(vm.lcmState()).isEqualTo(LcmState.RUNNING);
        assertThat(vm.backupIds()).hasSize(1);
        assertThat(vm.backupConfig().get("LAST_BACKUP_ID")).isNull();
        assertThat(vm.history().get(vm.history().size() - 2).action()).isEqualTo(VmAction.BACKUP);
        int first = vm.backupIds().iterator().next();
        Image img = (Image) w.table.get(ObjectType.IMAGE, first);
        assertThat(img.imageType()).isEqualTo(ImageType.BACKUP);
        assertThat(img.state()).isEqualTo(ImageState.READY);
        assertThat(img.source()).isEqualTo("/b/0/one");
        assertThat(img.sizeMb()).isEqualTo(30);
        assertThat(img.backupDiskIds()).containsExactly(1);
        assertThat(img.uid()).isEqualTo(VmWorld.TENANT);
        assertThat(((Datastore) w.table.get(ObjectType.DATASTORE, BDS)).images()).containsExactly(first);
        assertThat(dsQuota(w).used("SIZE")).isEqualTo(30);

        // KEEP_LAST = 1: the next backup sends the first image to DELETE and out of BACKUP_IDS
        backup(w, false);
        answer(w, "/b/0/two", 40, true);
        vm = w.vm(0);
        assertThat(vm.backupIds()).hasSize(1).doesNotContain(first);
        assertThat(((Image) w.table.get(ObjectType.IMAGE, first)).state()).isEqualTo(ImageState.DELETE);
        assertThat(dsQuota(w).used("IMAGES")).isEqualTo(2); // until the storage manager drops it
        assertThat(dsQuota(w).used("SIZE")).isEqualTo(70);

        // a failure gives the whole reservation back
        backup(w, false);
        answer(w, null, 0, false);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RUNNING);
        assertThat(w.vm(0).userTemplate().get("ERROR")).contains("Error executing VMM action backup: simulated");
        assertThat(dsQuota(w).used("IMAGES")).isEqualTo(2);
        assertThat(dsQuota(w).used("SIZE")).isEqualTo(70);

        // so does a VM deleted in the middle of a backup
        backup(w, false);
        w.op(0, VmOp.RECOVER_DELETE);
        assertThat(w.vm(0).state()).isEqualTo(VmState.DONE);
        assertThat(dsQuota(w).used("SIZE")).isEqualTo(70);
    }

    @Test
    void incrementsExtendTheChainImageAndKeepLastLocksItForFlattening() {
        VmWorld w = world();
        w.run(tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, 0);
            tx.put(vm.toBuilder().backups(VmBackups.configure(vm, cfg("BACKUP_CONFIG = [ MODE = INCREMENT, "
                    + "KEEP_LAST = 2 ]"), false), vm.backupIds()).build());
            return null;
        });
        w.op(0, VmOp.POWEROFF);
        w.settle(0);
        backup(w, false);
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.BACKUP_POWEROFF);
        answer(w, "/b/0/full", 50, true);
        VirtualMachine vm = w.vm(0);
        assertThat(vm.state()).isEqualTo(VmState.POWEROFF);
        int chain = VmBackups.chainImage(vm, false);
        assertThat(vm.backupIds()).containsExactly(chain);
        assertThat(vm.backupConfig().get("LAST_INCREMENT_ID")).isEqualTo("0");
        for (String s : List.of("/b/0/i1", "/b/0/i2")) {
            backup(w, false);
            answer(w, s, 5, true);
        }
        Image img = (Image) w.table.get(ObjectType.IMAGE, chain);
        assertThat(img.increments().increments()).extracting(BackupIncrements.Increment::type)
                .containsExactly("FULL", "INCREMENT", "INCREMENT");
        assertThat(img.increments().increments()).extracting(BackupIncrements.Increment::parentId)
                .containsExactly(-1, 0, 1);
        assertThat(img.sizeMb()).isEqualTo(60);
        assertThat(w.vm(0).backupConfig().get("LAST_INCREMENT_ID")).isEqualTo("2");
        // three increments, KEEP_LAST 2: locked for the driver to merge; no new image, size counted once
        assertThat(img.state()).isEqualTo(ImageState.LOCKED);
        assertThat(img.template().get(VmBackups.FLATTEN_KEEP)).isEqualTo("2");
        assertThat(dsQuota(w).used("IMAGES")).isEqualTo(1);
        assertThat(dsQuota(w).used("SIZE")).isEqualTo(60);
        Image flat = VmBackups.flattened(img, 2, null, -1, 99);
        assertThat(flat.state()).isEqualTo(ImageState.READY);
        assertThat(flat.increments().increments()).extracting(BackupIncrements.Increment::id).containsExactly(1, 2);
        assertThat(flat.increments().increments().get(0).type()).isEqualTo("FULL");
        assertThat(flat.increments().increments().get(0).sizeMb()).isEqualTo(55);
        assertThat(flat.sizeMb()).isEqualTo(60);

        // the chain image deleted: the VM starts a new chain
        VirtualMachine forgot = VmBackups.forget(w.vm(0), chain);
        assertThat(forgot.backupIds()).isEmpty();
        assertThat(VmBackups.chainImage(forgot, false)).isEqualTo(-1);
    }

    @Test
    void restoresMarkDisksAndClearSnapshotsOnSuccess() {
        VmWorld w = world();
        w.op(0, VmOp.POWEROFF);
        w.settle(0);
        Image backup = Image.builder(20, "b").imageType(ImageType.BACKUP).state(ImageState.READY)
                .backupDiskIds(Set.of(1)).build();
        w.run(tx -> {
            VirtualMachine vm = tx.require(ObjectType.VM, 0);
            tx.put(VmBackups.markRestore(vm.toBuilder().vmTemplate(VmSnapshots.create(vm.vmTemplate(), 0, "s", 1))
                    .build(), backup, -1, -1));
            return VmTransitions.applyOp(tx, 0, VmOp.RESTORE, new VmTransitions.Requester(0, 0, 1), null);
        });
        VmBackups.PendingRestore p = VmBackups.pendingRestore(w.vm(0));
        assertThat(p).isEqualTo(new VmBackups.PendingRestore(20, -1, List.of(1)));
        assertThat(w.vm(0).lcmState()).isEqualTo(LcmState.RESTORE);
        assertThat(VmTransitions.driverFor(w.vm(0))).isEqualTo(DriverOp.DISK_RESTORE);
        w.result(0, true);
        assertThat(w.vm(0).state()).isEqualTo(VmState.POWEROFF);
        assertThat(VmBackups.pendingRestore(w.vm(0))).isNull();
        assertThat(w.vm(0).vmTemplate().vectors("SNAPSHOT")).isEmpty();
        assertThatThrownBy(() -> VmBackups.markRestore(w.vm(0), backup, -1, 0)).isInstanceOf(ApiException.class)
                .hasMessageContaining("holds none of the VM disks");
    }

    @Test
    void incrementsXmlFollowsImageXsd() {
        BackupIncrements incs = BackupIncrements.EMPTY.add("/a", 5, 10).add("/b", 2, 20);
        Image img = Image.builder(1, "b").imageType(ImageType.BACKUP).increments(incs).backupDiskIds(Set.of(2, 0))
                .build();
        String xml = img.toXml();
        XmlNode n = XmlNode.parse(xml);
        assertThat(n.child("BACKUP_INCREMENTS").child("INCREMENT").children().stream().map(XmlNode::name).toList())
                .containsExactly("DATE", "ID", "PARENT_ID", "SIZE", "SOURCE", "TYPE");
        assertThat(xml).contains("<BACKUP_DISK_IDS><ID>0</ID><ID>2</ID></BACKUP_DISK_IDS>");
        Image back = Image.fromXml(n);
        assertThat(back).isEqualTo(img);
        assertThat(back.toXml()).isEqualTo(xml);
        assertThat(incs.keepLast(5, null, -1)).isSameAs(incs);
    }

    @Test
    void aRestoredTemplateUsesTheNewImagesAndForgetsThePlacement() {
        XmlNode vm = XmlNode.parse("<VM><ID>7</ID><TEMPLATE><AUTOMATIC_REQUIREMENTS>x</AUTOMATIC_REQUIREMENTS>"
                + "<CONTEXT><DISK_ID>2</DISK_ID><ETH0_IP>10.0.0.2</ETH0_IP><HOSTNAME>web</HOSTNAME></CONTEXT>"
                + "<CPU>1</CPU><DISK><DISK_ID>0</DISK_ID><IMAGE_ID>4</IMAGE_ID><IMAGE>base</IMAGE><SIZE>50</SIZE>"
                + "<SOURCE>/x</SOURCE><DEV_PREFIX>vd</DEV_PREFIX></DISK><DISK><DISK_ID>1</DISK_ID><TYPE>fs</TYPE>"
                + "<SIZE>64</SIZE><TARGET>vdb</TARGET></DISK><DISK><DISK_ID>2</DISK_ID><IMAGE_ID>5</IMAGE_ID>"
                + "<SIZE>9</SIZE></DISK><GRAPHICS><PORT>5907</PORT><TYPE>VNC</TYPE></GRAPHICS><MEMORY>512</MEMORY>"
                + "<NIC><IP>10.0.0.2</IP><MAC>02:00</MAC><NETWORK>pub</NETWORK><NETWORK_ID>3</NETWORK_ID>"
                + "<NIC_ID>0</NIC_ID></NIC><VMID>7</VMID></TEMPLATE><USER_TEMPLATE><LABEL>blue</LABEL>"
                + "</USER_TEMPLATE></VM>");
        assertThat(VmBackupRestore.vmId(vm)).isEqualTo(7);
        assertThat(VmBackupRestore.diskSizes(vm)).containsEntry(0, 50L).containsEntry(1, 64L).containsEntry(2, 9L);
        Template t = VmBackupRestore.template(vm, java.util.Map.of(0, 40), "again", true, false);
        assertThat(t.get("NAME")).isEqualTo("again");
        assertThat(t.get("VMID")).isNull();
        assertThat(t.get("AUTOMATIC_REQUIREMENTS")).isNull();
        assertThat(t.get("LABEL")).isEqualTo("blue");
        List<dev.nimbo.core.template.VectorAttribute> disks = t.vectors("DISK");
        assertThat(disks).hasSize(2); // disk 2 is not in the backup
        assertThat(disks.get(0).get("IMAGE_ID")).isEqualTo("40");
        assertThat(disks.get(0).get("DEV_PREFIX")).isEqualTo("vd");
        assertThat(disks.get(0).get("SOURCE")).isNull();
        assertThat(disks.get(1).get("TYPE")).isEqualTo("fs");
        assertThat(disks.get(1).get("SIZE")).isEqualTo("64");
        assertThat(disks.get(1).get("TARGET")).isNull();
        var nic = t.vectors("NIC").get(0);
        assertThat(nic.get("NETWORK")).isEqualTo("pub");
        assertThat(nic.get("NETWORK_ID")).isNull();
        assertThat(nic.get("IP")).isNull(); // NO_IP
        var ctx = t.vectors("CONTEXT").get(0);
        assertThat(ctx.get("HOSTNAME")).isEqualTo("web");
        assertThat(ctx.get("ETH0_IP")).isNull();
        assertThat(ctx.get("DISK_ID")).isNull();
        assertThat(t.vectors("GRAPHICS").get(0).get("PORT")).isNull();
        assertThat(VmBackupRestore.template(vm, java.util.Map.of(0, 40), "again", false, true).vectors("NIC")).isEmpty();
        assertThat(VmBackupRestore.template(vm, java.util.Map.of(0, 40), "again", false, false).vectors("NIC").get(0)
                .get("IP")).isEqualTo("10.0.0.2");
    }
}
