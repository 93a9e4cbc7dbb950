package dev.nimbo.server.agent;

import static dev.nimbo.server.agent.KvmRig.ACTIVE;
import static dev.nimbo.server.agent.KvmRig.DONE;
import static dev.nimbo.server.agent.KvmRig.RUNNING;
import static dev.nimbo.server.agent.KvmRig.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.core.xml.XmlNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * VM backups on a kvm host (one.vm.backup, one.vm.restore, one.image.restore with an rsync backup datastore): a
 * running guest writes a marker into its DATABLOCK (a qcow2 clone on the host); the backup taken while it runs
 * holds the marker and the guest keeps running; the host's disk is then wiped while the VM is off, one.vm.restore
 * puts the backup back on the host and the guest, resumed, reads the marker from its disk; one.image.restore makes
 * a qcow2 image of it. Nothing stays in the front-end's staging area. Tagged {@code kvm}.
 */
@Tag("kvm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvmBackupTest {
    static final String MARKER = "kvm8-backup-marker";
    static final int POWEROFF = 8;

    KvmRig rig;

    @BeforeAll
    void start() throws Exception {
        rig = new KvmRig("kvm8-backup", 9200);
        rig.enrolHost("kvm8-backup-host");
    }

    @AfterAll
    void stop() throws Exception {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void aRunningGuestIsBackedUpAndRestoredOnItsHost() throws Exception {
        String safe = rig.kvm.appliance().toString();
        int images = rig.datastore("NAME=kvm8-bk-images\nDS_MAD=fs\nTM_MAD=shared\nSAFE_DIRS=\"" + safe + "\"");
        int backups = rig.datastore("NAME=kvm8-bk\nTYPE=BACKUP_DS\nDS_MAD=rsync");
        int data = rig.image("NAME=kvm8-bk-data\nTYPE=DATABLOCK\nPATH=\"" + safe + "/datablock.raw\"", images);
        // each boot prints what its disk starts with, then writes the marker
        int id = rig.runVm("NAME=kvm8-bk\nCPU=0.5\nVCPU=1\nMEMORY=128\n" + rig.applianceOs()
                + "DISK=[ IMAGE_ID=" + data + " ]\n"
                + "CONTEXT=[ START_SCRIPT_BASE64=\"" + Base64.getEncoder().encodeToString(("echo read:$(head -c "
                + MARKER.length() + " /dev/sda | tr -d '\\000')\necho " + MARKER + " > /dev/sda\nsync\n"
                + "echo start script done\n").getBytes(StandardCharsets.US_ASCII)) + "\" ]");
        Path disk = rig.vmDir(id).resolve("disk.0");
        Path console = rig.vmDir(id).resolve("console.log");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(console)
                && Files.readString(console).contains("start script done"));
        assertThat(Files.readString(console)).doesNotContain("read:" + MARKER);

        // backed up while it runs: the copy comes from the host, the guest is running after
        ok(rig.admin.call("one.vm.backup", id, backups, false));
        XmlNode vm = rig.awaitVm(id, ACTIVE, RUNNING, 120);
        assertThat(vm.child("USER_TEMPLATE").text("ERROR")).isEmpty();
        assertThat(rig.domstate(id)).isEqualTo("running");
        int backup = Integer.parseInt(vm.child("BACKUPS").child("BACKUP_IDS").all("ID").get(0).text());
        XmlNode bimg = rig.awaitImage(backup);
        Path saved = Path.of(bimg.text("SOURCE"), "disk.0");
        assertThat(Virsh.exec(List.of("qemu-img", "info", saved.toString()), 30)).contains("file format: qcow2")
                .doesNotContain("backing file");
        assertThat(rig.firstBytes(saved, MARKER.length())).isEqualTo(MARKER);
        assertThat(staged()).isEmpty();

        // off, the host's disk wiped: restore brings the backup's disk back to the host
        ok(rig.admin.call("one.vm.action", "poweroff-hard", id));
        rig.awaitVm(id, POWEROFF, 0, 60);
        Files.delete(disk);
        Virsh.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", disk.toString(), "4M"), 30);
        assertThat(rig.firstBytes(disk, MARKER.length())).isNotEqualTo(MARKER);
        ok(rig.admin.call("one.vm.restore", id, backup, -1, -1));
        await().atMost(Duration.ofSeconds(60)).until(() -> rig.vm(id).integer("LCM_STATE", -1) == 0
                && rig.vm(id).integer("STATE", -1) == POWEROFF
                && rig.vm(id).child("TEMPLATE").child("DISK").text("RESTORE_IMAGE_ID", null) == null);
        assertThat(rig.vm(id).child("USER_TEMPLATE").text("ERROR")).isEmpty();
        assertThat(rig.firstBytes(disk, MARKER.length())).isEqualTo(MARKER);
        assertThat(Files.readString(rig.vmDir(id).resolve("disk.0.format"))).isEqualTo("qcow2");
        assertThat(staged()).isEmpty();

        // resumed, the guest reads the marker from the restored disk
        ok(rig.admin.call("one.vm.action", "resume", id));
        rig.awaitVm(id, ACTIVE, RUNNING, 60);
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.readString(console).contains("read:" + MARKER));

        // a new image from the backup: qcow2, with the marker
        String[] restored = ok(rig.admin.call("one.image.restore", backup, images, "NAME=kvm8-bk-again\nDISK_ID=0"))
                .stringValue().split(" ");
        XmlNode copy = rig.awaitImage(Integer.parseInt(restored[1]));
        assertThat(copy.text("FORMAT")).isEqualTo("qcow2");
        assertThat(rig.firstBytes(Path.of(copy.text("SOURCE")), MARKER.length())).isEqualTo(MARKER);

        ok(rig.admin.call("one.vm.action", "terminate-hard", id));
        rig.awaitVm(id, DONE, 0, 60);
        assertThat(rig.vmDir(id)).doesNotExist();
    }

    /** Disk copies left in the front-end's staging area. */
    private List<Path> staged() throws Exception {
        Path dir = rig.dir.resolve("front/backup-staging");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }
}
