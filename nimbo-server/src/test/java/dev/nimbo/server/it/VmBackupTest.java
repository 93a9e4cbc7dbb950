package dev.nimbo.server.it;

import static dev.nimbo.server.it.Rpc.ACTION;
import static dev.nimbo.server.it.Rpc.ALLOCATE;
import static dev.nimbo.server.it.Rpc.AUTHORIZATION;
import static dev.nimbo.server.it.Rpc.INTERNAL;
import static dev.nimbo.server.it.Rpc.NO_EXISTS;
import static dev.nimbo.server.it.Rpc.fails;
import static dev.nimbo.server.it.Rpc.ok;
import static dev.nimbo.server.it.Rpc.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.OneClient;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.NimbodProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * VM backups end to end (one nimbod, dummy hosts): BACKUP_DS datastores (dummy and rsync), one.vm.backup of running
 * and powered-off VMs into full and incremental backup images with KEEP_LAST, the datastore quota a backup
 * reserves and keeps, driver failures and cancellation, one.vm.restore of disk files from an rsync backup,
 * BACKUP_CONFIG at creation and through updateconf, permissions, and a restart of nimbod in the middle of a backup.
 */
@ParallelSafe
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VmBackupTest {
    static final int ACTIVE = 3;
    static final int POWEROFF = 8;
    static final int RUNNING = 3;
    static final int BACKUP = 69;
    static final int BACKUP_POWEROFF = 70;

    NimbodProcess nimbod;
    OneClient admin;
    int host;
    int imageDs;

    @BeforeAll
    void startDaemon() throws Exception {
        Path dir = Files.createTempDirectory("nimbod-backup-");
        nimbod = NimbodProcess.start(dir, null, Map.of("NIMBO_HOST_MONITOR_INTERVAL", "1",
                "NIMBO_VM_MONITOR_INTERVAL", "1", "NIMBO_DUMMY_LATENCY", "20", "NIMBO_VM_SCHED_INTERVAL", "1"));
        admin = nimbod.client();
        host = ok(admin.call("one.host.allocate", unique("bhost"), "dummy", "dummy", -1)).intValue();
        imageDs = ok(admin.call("one.datastore.allocate", "NAME = " + unique("ids") + "\nDS_MAD = dummy\nTM_MAD = dummy",
                -1)).intValue();
        await().atMost(Duration.ofSeconds(15)).until(() -> XmlNode.parse(ok(admin.call("one.host.info", host))
                .stringValue()).integer("STATE", -1) == 2
                && info("one.datastore.info", imageDs).longValue("TOTAL_MB", 0) > 0);
    }

    @AfterAll
    void stopDaemon() throws Exception {
        if (nimbod != null) {
            assertThat(nimbod.stop()).as("clean exit on SIGTERM").isZero();
        }
    }

    XmlNode info(String method, int id) {
        return XmlNode.parse(ok(admin.call(method, id)).stringValue());
    }

    XmlNode vm(int id) {
        return info("one.vm.info", id);
    }

    XmlNode awaitVm(int id, int state, int lcm) {
        XmlNode[] last = new XmlNode[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
            last[0] = vm(id);
            return last[0].integer("STATE", -1) == state && (state != ACTIVE || last[0].integer("LCM_STATE", -1) == lcm);
        });
        return last[0];
    }

    int backupDs(String mad, String extra) {
        int id = ok(admin.call("one.datastore.allocate", "NAME = " + unique("bds") + "\nTYPE = BACKUP_DS\nDS_MAD = "
                + mad + "\n" + extra, -1)).intValue();
        await().atMost(Duration.ofSeconds(15)).until(() -> info("one.datastore.info", id).longValue("TOTAL_MB", 0) > 0);
        return id;
    }

    int readyImage(int ds, int sizeMb) {
        int img = ok(admin.call("one.image.allocate", "NAME = " + unique("img") + "\nTYPE = DATABLOCK\nSIZE = " + sizeMb,
                ds)).intValue();
        ok(admin.call("one.image.chmod", img, -1, -1, -1, -1, -1, -1, 1, -1, -1));
        await().atMost(Duration.ofSeconds(15)).until(() -> info("one.image.info", img).integer("STATE", -1) == 1);
        return img;
    }

    List<Integer> backupIds(XmlNode vm) {
        return vm.child("BACKUPS").child("BACKUP_IDS").all("ID").stream().map(n -> Integer.parseInt(n.text())).toList();
    }

    String config(XmlNode vm, String attr) {
        return vm.child("BACKUPS").child("BACKUP_CONFIG").text(attr, "");
    }

    /** {IMAGES_USED, SIZE_USED} of user {@code uid} in datastore {@code ds}. */
    long[] dsQuota(int uid, int ds) {
        XmlNode q = XmlNode.parse(ok(admin.call("one.user.info", uid)).stringValue()).child("DATASTORE_QUOTA");
        if (q != null) {
            for (XmlNode d : q.all("DATASTORE")) {
                if (d.integer("ID", -1) == ds) {
                    return new long[] {d.longValue("IMAGES_USED", 0), d.longValue("SIZE_USED", 0)};
                }
            }
        }
        return new long[] {0, 0};
    }

    /** A RUNNING VM of {@code c}'s user on the dummy host with image {@code img} as disk 0, plus {@code extra}. */
    int runningVm(OneClient c, int img, String extra) {
        int id = ok(c.call("one.vm.allocate", "NAME = " + unique("vm") + "\nCPU = 0.5\nMEMORY = 64\n"
                + "DISK = [ IMAGE_ID = " + img + " ]\n" + extra, false)).intValue();
        ok(admin.call("one.vm.deploy", id, host));
        awaitVm(id, ACTIVE, RUNNING);
        return id;
    }

    int tenant(String name) {
        return ok(admin.call("one.user.allocate", name, "pw", "", List.of())).intValue();
    }

    @Test
    void backupDatastoresAreCreatedWithoutTransferDriver() {
        int bds = backupDs("dummy", "TM_MAD = shared");
        XmlNode ds = info("one.datastore.info", bds);
        assertThat(ds.integer("TYPE", -1)).isEqualTo(3);
        assertThat(ds.text("TM_MAD")).isEqualTo("-");
        assertThat(ds.text("DS_MAD")).isEqualTo("dummy");
        assertThat(ds.child("TEMPLATE").text("TYPE")).isEqualTo("BACKUP_DS");
        assertThat(ds.child("TEMPLATE").text("DISK_TYPE", null)).isNull();
        fails(admin.call("one.datastore.allocate", "NAME = " + unique("bds") + "\nTYPE = BACKUP_DS", -1), INTERNAL,
                "No DS_MAD in template.");
        fails(admin.call("one.datastore.allocate", "NAME = " + unique("bds") + "\nTYPE = BACKUP_DS\nDS_MAD = nope",
                -1), INTERNAL, "DS_MAD named \"nope\" is not defined");
        // a backup datastore stays one, and takes no ordinary images
        ok(admin.call("one.datastore.update", bds, "TYPE = IMAGE_DS", 1));
        assertThat(info("one.datastore.info", bds).integer("TYPE", -1)).isEqualTo(3);
        fails(admin.call("one.image.allocate", "NAME = x\nTYPE = DATABLOCK\nSIZE = 1", bds), ALLOCATE, "");
    }

    @Test
    void fullBackupsOfRunningAndPoweredOffVmsWithKeepLastQuotasAndPermissions() {
        int bds = backupDs("dummy", "DUMMY_DELAY_MS = 300");
        int img = readyImage(imageDs, 8);
        String alice = unique("alice");
        int aliceId = tenant(alice);
        OneClient a = nimbod.client(alice + ":pw");
        int id = ok(a.call("one.vm.allocate", "NAME = " + unique("bvm") + "\nCPU = 0.5\nMEMORY = 128\n"
                + "DISK = [ TYPE = fs, SIZE = 64 ]\nDISK = [ IMAGE_ID = " + img + " ]\n"
                + "BACKUP_CONFIG = [ KEEP_LAST = 2, MODE = FULL, FS_FREEZE = agent ]", false)).intValue();
        XmlNode vm = vm(id);
        assertThat(config(vm, "KEEP_LAST")).isEqualTo("2");
        assertThat(config(vm, "MODE")).isEqualTo("FULL");
        assertThat(config(vm, "FS_FREEZE")).isEqualTo("AGENT");
        assertThat(config(vm, "BACKUP_VOLATILE")).isEqualTo("NO");
        assertThat(vm.child("USER_TEMPLATE").child("BACKUP_CONFIG")).isNull();

        // not placed yet: oned refuses with INTERNAL naming the state
        fails(admin.call("one.vm.backup", id, bds, false), INTERNAL,
                "Could not create a new backup for VM " + id + ", wrong state PENDING.");
        ok(admin.call("one.vm.deploy", id, host));
        awaitVm(id, ACTIVE, RUNNING);

        fails(admin.call("one.vm.backup", id, imageDs, false), ACTION, "Datastore needs to be of type BACKUP");
        fails(admin.call("one.vm.backup", id, 9999, false), NO_EXISTS, "");
        fails(admin.call("one.vm.backup", 99999, bds, false), NO_EXISTS, "");
        // backup is an admin operation by default (oned.conf VM_ADMIN_OPERATIONS)
        fails(a.call("one.vm.backup", id, bds, false), AUTHORIZATION, "");
        fails(admin.call("one.vm.backupcancel", id), INTERNAL,
                "Could not cancel backup for VM " + id + ", no backup in progress");

        ok(admin.call("one.vm.backup", id, bds, false));
        assertThat(vm(id).integer("LCM_STATE", -1)).isEqualTo(BACKUP);
        fails(admin.call("one.vm.action", "poweroff", id), ACTION, "BACKUP");
        vm = awaitVm(id, ACTIVE, RUNNING);
        List<Integer> ids = backupIds(vm);
        assertThat(ids).hasSize(1);
        assertThat(config(vm, "LAST_DATASTORE_ID")).isEqualTo(String.valueOf(bds));
        assertThat(config(vm, "LAST_BACKUP_ID")).isEmpty();
        List<XmlNode> hist = vm.child("HISTORY_RECORDS").all("HISTORY");
        assertThat(hist.get(hist.size() - 2).integer("ACTION", -1)).isEqualTo(50);
        XmlNode bimg = info("one.image.info", ids.get(0));
        assertThat(bimg.integer("TYPE", -1)).isEqualTo(6);
        assertThat(bimg.integer("STATE", -1)).isEqualTo(1);
        assertThat(bimg.integer("PERSISTENT", -1)).isEqualTo(1);
        assertThat(bimg.integer("UID", -1)).isEqualTo(aliceId);
        assertThat(bimg.integer("DATASTORE_ID", -1)).isEqualTo(bds);
        assertThat(bimg.longValue("SIZE", -1)).isEqualTo(8); // the volatile disk is not backed up
        assertThat(bimg.text("SOURCE")).isNotEmpty();
        assertThat(bimg.text("NAME")).startsWith(id + " ");
        assertThat(bimg.child("TEMPLATE").text("VM_ID")).isEqualTo(String.valueOf(id));
        assertThat(bimg.child("BACKUP_DISK_IDS").all("ID").stream().map(XmlNode::text).toList()).containsExactly("1");
        assertThat(bimg.child("BACKUP_INCREMENTS").all("INCREMENT")).isEmpty();
        assertThat(info("one.datastore.info", bds).child("IMAGES").all("ID")).hasSize(1);
        assertThat(dsQuota(aliceId, bds)).containsExactly(1, 8);

        // powered off: BACKUP_POWEROFF, back to POWEROFF; a third backup drops the oldest (KEEP_LAST = 2)
        ok(a.call("one.vm.action", "poweroff", id));
        awaitVm(id, POWEROFF, 0);
        ok(admin.call("one.vm.backup", id, bds, false));
        assertThat(vm(id).integer("LCM_STATE", -1)).isEqualTo(BACKUP_POWEROFF);
        vm = awaitVm(id, POWEROFF, 0);
        assertThat(backupIds(vm)).hasSize(2);
        ok(admin.call("one.vm.backup", id, bds, false));
        vm = awaitVm(id, POWEROFF, 0);
        List<Integer> kept = backupIds(vm);
        assertThat(kept).hasSize(2).doesNotContain(ids.get(0));
        await().atMost(Duration.ofSeconds(10)).until(() -> !admin.call("one.image.info", ids.get(0)).ok());
        await().atMost(Duration.ofSeconds(10)).until(() -> dsQuota(aliceId, bds)[0] == 2);
        assertThat(dsQuota(aliceId, bds)).containsExactly(2, 16);

        // the driver fails: back to POWEROFF with the reason, nothing kept, the reservation given back
        ok(admin.call("one.datastore.update", bds, "DUMMY_FAIL = backup", 1));
        ok(admin.call("one.vm.backup", id, bds, false));
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(id).child("USER_TEMPLATE").text("ERROR", "")
                .contains("backup"));
        vm = awaitVm(id, POWEROFF, 0);
        assertThat(backupIds(vm)).isEqualTo(kept);
        assertThat(dsQuota(aliceId, bds)).containsExactly(2, 16);

        // cancelled while the driver works: same, and the late answer changes nothing
        ok(admin.call("one.datastore.update", bds, "DUMMY_FAIL = \"\"\nDUMMY_DELAY_MS = 1500", 1));
        ok(admin.call("one.vm.backup", id, bds, false));
        assertThat(vm(id).integer("LCM_STATE", -1)).isEqualTo(BACKUP_POWEROFF);
        ok(admin.call("one.vm.backupcancel", id));
        vm = vm(id);
        assertThat(vm.integer("STATE", -1)).isEqualTo(POWEROFF);
        assertThat(vm.child("USER_TEMPLATE").text("ERROR", "")).contains("Backup cancelled");
        assertThat(dsQuota(aliceId, bds)).containsExactly(2, 16);
        try {
            Thread.sleep(1800);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertThat(backupIds(vm(id))).isEqualTo(kept);

        // a backup stuck in its driver is recovered by hand: failure or (with nothing answered) success keep nothing
        for (int op : new int[] {0, 1}) {
            ok(admin.call("one.vm.backup", id, bds, false));
            ok(admin.call("one.vm.recover", id, op));
            assertThat(vm(id).integer("STATE", -1)).isEqualTo(POWEROFF);
        }
        try {
            Thread.sleep(1800);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertThat(backupIds(vm(id))).isEqualTo(kept);
        assertThat(dsQuota(aliceId, bds)).containsExactly(2, 16);

        // deleting a backup image: the VM forgets it, the quota goes back
        ok(a.call("one.image.delete", kept.get(0)));
        await().atMost(Duration.ofSeconds(10)).until(() -> dsQuota(aliceId, bds)[0] == 1);
        assertThat(backupIds(vm(id))).containsExactly(kept.get(1));
        assertThat(dsQuota(aliceId, bds)).containsExactly(1, 8);

        // a quota that does not fit the reservation refuses the backup, naming the owner
        ok(admin.call("one.user.quota", aliceId, "DATASTORE = [ ID = " + bds + ", IMAGES = 1, SIZE = -1 ]"));
        fails(admin.call("one.vm.backup", id, bds, false), AUTHORIZATION, "");
        assertThat(vm(id).integer("STATE", -1)).isEqualTo(POWEROFF);
        ok(admin.call("one.vm.action", "terminate-hard", id));
    }

    @Test
    void incrementalChainsGrowFoldWithKeepLastAndRestartOnReset() {
        int bds = backupDs("dummy", "DUMMY_DELAY_MS = 20");
        int img = readyImage(imageDs, 10);
        String bob = unique("bob");
        int bobId = tenant(bob);
        OneClient b = nimbod.client(bob + ":pw");
        int id = runningVm(b, img, "BACKUP_CONFIG = [ MODE = INCREMENT, KEEP_LAST = 2 ]");
        XmlNode vm = vm(id);
        assertThat(config(vm, "MODE")).isEqualTo("INCREMENT");
        assertThat(config(vm, "INCREMENT_MODE")).isEqualTo("CBT");
        assertThat(config(vm, "INCREMENTAL_BACKUP_ID")).isEqualTo("-1");

        ok(admin.call("one.vm.backup", id, bds, false));
        vm = awaitVm(id, ACTIVE, RUNNING);
        int chain = backupIds(vm).get(0);
        assertThat(config(vm, "INCREMENTAL_BACKUP_ID")).isEqualTo(String.valueOf(chain));
        assertThat(config(vm, "LAST_INCREMENT_ID")).isEqualTo("0");
        XmlNode incs = info("one.image.info", chain).child("BACKUP_INCREMENTS");
        assertThat(incs.all("INCREMENT")).hasSize(1);
        assertThat(incs.child("INCREMENT").text("TYPE")).isEqualTo("FULL");
        assertThat(incs.child("INCREMENT").text("PARENT_ID")).isEqualTo("-1");

        // snapshots would break the chain (oned refuses them with incremental backups)
        fails(b.call("one.vm.disksnapshotcreate", id, 0, "s"), ACTION,
                "Action \"disk-snapshot-create\" is not compatible with incremental backups");
        fails(b.call("one.vm.snapshotcreate", id, "s"), ACTION,
                "Action \"snapshot-create\" is not compatible with incremental backups");

        // the next backups extend the chain in its own datastore, whatever datastore is named
        ok(admin.call("one.vm.backup", id, 9999, false));
        vm = awaitVm(id, ACTIVE, RUNNING);
        assertThat(backupIds(vm)).containsExactly(chain);
        assertThat(config(vm, "LAST_INCREMENT_ID")).isEqualTo("1");
        XmlNode image = info("one.image.info", chain);
        assertThat(image.child("BACKUP_INCREMENTS").all("INCREMENT")).hasSize(2);
        assertThat(image.child("BACKUP_INCREMENTS").all("INCREMENT").get(1).text("TYPE")).isEqualTo("INCREMENT");
        assertThat(image.child("BACKUP_INCREMENTS").all("INCREMENT").get(1).text("PARENT_ID")).isEqualTo("0");
        assertThat(image.longValue("SIZE", -1)).isEqualTo(20);
        assertThat(dsQuota(bobId, bds)).containsExactly(1, 20);

        // a third increment passes KEEP_LAST = 2: the oldest two fold into a FULL one
        ok(admin.call("one.vm.backup", id, bds, false));
        awaitVm(id, ACTIVE, RUNNING);
        await().atMost(Duration.ofSeconds(10)).until(() -> info("one.image.info", chain).integer("STATE", -1) == 1
                && info("one.image.info", chain).child("BACKUP_INCREMENTS").all("INCREMENT").size() == 2);
        List<XmlNode> two = info("one.image.info", chain).child("BACKUP_INCREMENTS").all("INCREMENT");
        assertThat(two.get(0).text("ID")).isEqualTo("1");
        assertThat(two.get(0).text("TYPE")).isEqualTo("FULL");
        assertThat(two.get(0).text("PARENT_ID")).isEqualTo("-1");
        assertThat(two.get(1).text("ID")).isEqualTo("2");
        assertThat(info("one.image.info", chain).longValue("SIZE", -1)).isEqualTo(30);
        assertThat(dsQuota(bobId, bds)).containsExactly(1, 30);

        // reset starts a new chain in a new image
        ok(admin.call("one.vm.backup", id, bds, true));
        vm = awaitVm(id, ACTIVE, RUNNING);
        assertThat(backupIds(vm)).hasSize(2);
        int second = backupIds(vm).get(1);
        assertThat(config(vm, "INCREMENTAL_BACKUP_ID")).isEqualTo(String.valueOf(second));
        assertThat(dsQuota(bobId, bds)).containsExactly(2, 40);

        // updateconf: back to FULL backups; the chain pointers reset; bad DISK_IDS refused
        ok(b.call("one.vm.updateconf", id, "BACKUP_CONFIG = [ MODE = FULL, KEEP_LAST = 3 ]", 1));
        vm = vm(id);
        assertThat(config(vm, "MODE")).isEqualTo("FULL");
        assertThat(config(vm, "KEEP_LAST")).isEqualTo("3");
        assertThat(config(vm, "INCREMENTAL_BACKUP_ID")).isEqualTo("-1");
        fails(b.call("one.vm.updateconf", id, "BACKUP_CONFIG = [ DISK_IDS = \"4\" ]", 1), INTERNAL,
                "Invalid DISK_IDS, disk 4 cannot be backed up");
        ok(b.call("one.vm.updateconf", id, "BACKUP_CONFIG = [ DISK_IDS = \"0\" ]", 1));
        assertThat(config(vm(id), "DISK_IDS")).isEqualTo("0");
        fails(b.call("one.vm.allocate", "NAME = " + unique("bad") + "\nCPU = 0.1\nMEMORY = 8\n"
                + "DISK = [ IMAGE_ID = " + img + " ]\nBACKUP_CONFIG = [ DISK_IDS = \"a,b\" ]", false), ALLOCATE,
                "Invalid DISK_IDS value: a,b");
        ok(admin.call("one.vm.action", "terminate-hard", id));
    }

    @Test
    void rsyncBackupsCopyDiskFilesAndRestoreWritesThemBack() throws Exception {
        int fsDs = ok(admin.call("one.datastore.allocate", "NAME = " + unique("fsds") + "\nDS_MAD = fs\nTM_MAD = shared",
                -1)).intValue();
        int bds = backupDs("rsync", "");
        int img = readyImage(fsDs, 1);
        Path source = Path.of(info("one.image.info", img).text("SOURCE"));
        Files.writeString(source, "golden disk content", StandardCharsets.UTF_8);
        int id = runningVm(admin, img, "");

        ok(admin.call("one.vm.backup", id, bds, false));
        XmlNode vm = awaitVm(id, ACTIVE, RUNNING);
        int backup = backupIds(vm).get(0);
        XmlNode bimg = info("one.image.info", backup);
        Path dir = Path.of(bimg.text("SOURCE"));
        assertThat(dir).startsWith(Path.of(info("one.datastore.info", bds).text("BASE_PATH")));
        assertThat(Files.readString(dir.resolve("disk.0"))).startsWith("golden disk content");
        assertThat(bimg.longValue("SIZE", -1)).isEqualTo(1);

        // one.image.restore: new images from the backup's files, and a template using them
        fails(admin.call("one.image.restore", img, fsDs, ""), ACTION, "Can only restore images of type BACKUP");
        fails(admin.call("one.image.restore", backup, bds, ""), ACTION, "Destination can be only an image datastore");
        fails(admin.call("one.image.restore", backup, fsDs, "DISK_ID = 5"), ACTION,
                "Cannot restore disk 5, it is not part of the backup");
        ok(admin.call("one.datastore.update", fsDs, "LIMIT_MB = 0", 1));
        fails(admin.call("one.image.restore", backup, fsDs, ""), ACTION, "Not enough space in datastore");
        ok(admin.call("one.datastore.update", fsDs, "LIMIT_MB = \"\"", 1));
        String[] restoredIds = ok(admin.call("one.image.restore", backup, fsDs, "NAME = \"web-again\""))
                .stringValue().split(" ");
        assertThat(restoredIds).hasSize(2);
        int tmpl = Integer.parseInt(restoredIds[0]);
        int copy = Integer.parseInt(restoredIds[1]);
        await().atMost(Duration.ofSeconds(10)).until(() -> info("one.image.info", copy).integer("STATE", -1) == 1);
        XmlNode copied = info("one.image.info", copy);
        assertThat(copied.text("NAME")).isEqualTo("web-again-disk-0");
        assertThat(copied.integer("TYPE", -1)).isZero();
        assertThat(Files.readString(Path.of(copied.text("SOURCE")))).startsWith("golden disk content");
        XmlNode template = info("one.template.info", tmpl);
        assertThat(template.text("NAME")).isEqualTo("web-again");
        assertThat(template.child("TEMPLATE").child("DISK").text("IMAGE_ID")).isEqualTo(String.valueOf(copy));
        assertThat(template.child("TEMPLATE").text("MEMORY")).isEqualTo("64");
        assertThat(template.child("TEMPLATE").text("VMID", null)).isNull();
        String[] diskOnly = ok(admin.call("one.image.restore", backup, fsDs, "NAME = single\nDISK_ID = 0"))
                .stringValue().split(" ");
        assertThat(diskOnly[0]).isEqualTo("-1");
        assertThat(info("one.image.info", Integer.parseInt(diskOnly[1])).text("NAME")).isEqualTo("single-disk-0");

        // restore only while powered off, from BACKUP images, existing increments and disks
        fails(admin.call("one.vm.restore", id, backup, -1, -1), ACTION, "it must be in poweroff");
        ok(admin.call("one.vm.action", "poweroff", id));
        awaitVm(id, POWEROFF, 0);
        fails(admin.call("one.vm.restore", id, img, -1, -1), ACTION, "Image has to be of type BACKUP");
        fails(admin.call("one.vm.restore", id, backup, 3, -1), ACTION, "Wrong increment");
        fails(admin.call("one.vm.restore", id, backup, -1, 7), ACTION, "VM disk does not exist");
        fails(admin.call("one.vm.restore", id, 99999, -1, -1), NO_EXISTS, "");

        ok(admin.call("one.vm.restore", id, backup, -1, -1));
        vm = awaitVm(id, POWEROFF, 0);
        List<XmlNode> hist = vm.child("HISTORY_RECORDS").all("HISTORY");
        assertThat(hist.get(hist.size() - 2).integer("ACTION", -1)).isEqualTo(60);
        assertThat(vm.child("TEMPLATE").child("DISK").text("RESTORE_IMAGE_ID", null)).isNull();
        Path restored = Path.of(info("one.datastore.info", 0).text("BASE_PATH"), String.valueOf(id), "disk.0");
        assertThat(Files.readString(restored)).startsWith("golden disk content");

        // the next backup reads the VM's own (restored, then changed) disk file
        Files.writeString(restored, "changed after restore", StandardCharsets.UTF_8);
        ok(admin.call("one.vm.backup", id, bds, false));
        vm = awaitVm(id, POWEROFF, 0);
        int second = backupIds(vm).get(1);
        Path dir2 = Path.of(info("one.image.info", second).text("SOURCE"));
        assertThat(Files.readString(dir2.resolve("disk.0"))).isEqualTo("changed after restore");

        // one disk restored from the first backup
        ok(admin.call("one.vm.restore", id, backup, -1, 0));
        awaitVm(id, POWEROFF, 0);
        assertThat(Files.readString(restored)).startsWith("golden disk content");

        // deleting a backup image removes its directory
        ok(admin.call("one.image.delete", backup));
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(dir));
        assertThat(Files.exists(dir2)).isTrue();
        ok(admin.call("one.vm.action", "terminate-hard", id));
    }

    @Test
    void rsyncBackupOfADiskWithoutFileFailsCleanly() {
        int bds = backupDs("rsync", "");
        int img = readyImage(imageDs, 4); // a dummy image has no bytes anywhere
        int id = runningVm(admin, img, "");
        ok(admin.call("one.vm.backup", id, bds, false));
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(id).child("USER_TEMPLATE").text("ERROR", "")
                .contains("Cannot back up disk 0"));
        XmlNode vm = awaitVm(id, ACTIVE, RUNNING);
        assertThat(backupIds(vm)).isEmpty();
        assertThat(info("one.datastore.info", bds).child("IMAGES").all("ID")).isEmpty();
        ok(admin.call("one.vm.action", "terminate-hard", id));
    }

    @Test
    void aRestartMidBackupResumesIt() throws Exception {
        int bds = backupDs("dummy", "DUMMY_DELAY_MS = 1500");
        int img = readyImage(imageDs, 2);
        int id = runningVm(admin, img, "");
        ok(admin.call("one.vm.backup", id, bds, false));
        assertThat(vm(id).integer("LCM_STATE", -1)).isEqualTo(BACKUP);
        nimbod.kill();
        nimbod.restart();
        admin = nimbod.client();
        XmlNode vm = awaitVm(id, ACTIVE, RUNNING);
        assertThat(backupIds(vm)).hasSize(1);
        assertThat(info("one.image.info", backupIds(vm).get(0)).integer("STATE", -1)).isEqualTo(1);
        ok(admin.call("one.vm.action", "terminate-hard", id));
    }

    @Test
    void aRestartWhileIncrementsMergeMergesThemAgain() throws Exception {
        int bds = backupDs("dummy", "DUMMY_DELAY_MS = 20");
        int img = readyImage(imageDs, 3);
        int id = runningVm(admin, img, "BACKUP_CONFIG = [ MODE = INCREMENT, KEEP_LAST = 1 ]");
        ok(admin.call("one.vm.backup", id, bds, false));
        int chain = backupIds(awaitVm(id, ACTIVE, RUNNING)).get(0);
        // the merge of the second backup takes long: nimbod dies while the image is LOCKED for it
        ok(admin.call("one.datastore.update", bds, "DUMMY_DELAY_MS = 2000", 1));
        ok(admin.call("one.vm.backup", id, bds, false));
        awaitVm(id, ACTIVE, RUNNING);
        await().atMost(Duration.ofSeconds(10)).until(() -> info("one.image.info", chain).integer("STATE", -1) == 4);
        nimbod.kill();
        nimbod.restart();
        admin = nimbod.client();
        await().atMost(Duration.ofSeconds(20)).until(() -> info("one.image.info", chain).integer("STATE", -1) == 1);
        XmlNode image = info("one.image.info", chain);
        assertThat(image.child("BACKUP_INCREMENTS").all("INCREMENT")).hasSize(1);
        assertThat(image.child("BACKUP_INCREMENTS").child("INCREMENT").text("TYPE")).isEqualTo("FULL");
        assertThat(image.longValue("SIZE", -1)).isEqualTo(6);
        assertThat(image.child("TEMPLATE").text("BACKUP_FLATTEN_KEEP", null)).isNull();
        ok(admin.call("one.datastore.update", bds, "DUMMY_DELAY_MS = 20", 1));
        ok(admin.call("one.vm.action", "terminate-hard", id));
    }

    @Test
    void ownersBackUpTheirVmsThroughScheduledActions() {
        int bds = backupDs("dummy", "DUMMY_DELAY_MS = 20");
        int img = readyImage(imageDs, 2);
        String carol = unique("carol");
        int carolId = tenant(carol);
        OneClient c = nimbod.client(carol + ":pw");
        int id = runningVm(c, img, "");
        fails(c.call("one.vm.backup", id, bds, false), AUTHORIZATION, "");
        long soon = System.currentTimeMillis() / 1000 + 1;
        int bad = ok(c.call("one.vm.schedadd", id, "SCHED_ACTION = [ ACTION = backup, ARGS = \"x\", TIME = " + soon
                + " ]")).intValue();
        await().atMost(Duration.ofSeconds(10)).until(() -> vm(id).child("TEMPLATE").all("SCHED_ACTION").stream()
                .anyMatch(a -> a.integer("ID", -1) == bad && a.text("MESSAGE").contains("malformed ARGS for: backup")));
        int good = ok(c.call("one.vm.schedadd", id, "SCHED_ACTION = [ ACTION = backup, ARGS = \"" + bds + ",0\", TIME = "
                + (System.currentTimeMillis() / 1000 + 1) + " ]")).intValue();
        await().atMost(Duration.ofSeconds(15)).until(() -> !backupIds(vm(id)).isEmpty());
        XmlNode vm = awaitVm(id, ACTIVE, RUNNING);
        assertThat(vm.child("TEMPLATE").all("SCHED_ACTION").stream().filter(a -> a.integer("ID", -1) == good)
                .findFirst().orElseThrow().longValue("DONE", -1)).isPositive();
        assertThat(info("one.image.info", backupIds(vm).get(0)).integer("UID", -1)).isEqualTo(carolId);
        assertThat(dsQuota(carolId, bds)).containsExactly(1, 2);
        ok(admin.call("one.vm.action", "terminate-hard", id));
    }
}
