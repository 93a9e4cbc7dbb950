package dev.nimbo.server.agent;

import static dev.nimbo.server.agent.KvmRig.ACTIVE;
import static dev.nimbo.server.agent.KvmRig.DONE;
import static dev.nimbo.server.agent.KvmRig.RUNNING;
import static dev.nimbo.server.agent.KvmRig.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.drivers.ds.StagedImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * one.vm.disksaveas on a kvm host: a running guest writes a marker into its DATABLOCK (a qcow2 clone of the
 * image on the host); the disk saved while it runs becomes a READY qcow2 image holding the marker (the backing
 * chain flattened), a second VM booted from it reads the marker, and nothing stays behind on the host or the
 * front-end. A SUSPENDED VM's disk and a POWEROFF VM's disk snapshot are saved too, the VM staying where it was. A
 * disk that does not exist gets oned's error and stages nothing. Tagged {@code kvm}.
 */
@Tag("kvm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvmDiskSaveasTest {
    static final String MARKER = "sva-saved-marker";
    static final int POWEROFF = 8;
    static final int SUSPENDED = 5;

    KvmRig rig;

    @BeforeAll
    void start() throws Exception {
        rig = new KvmRig("sva-saveas", 8600);
        rig.enrolHost("sva-saveas-host");
    }

    @AfterAll
    void stop() throws Exception {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void aRunningGuestsDiskIsSavedWithItsBytesAndBootsAnotherVm() throws Exception {
        String safe = rig.kvm.appliance().toString();
        int images = rig.datastore("NAME=sva-images\nDS_MAD=fs\nTM_MAD=shared\nSAFE_DIRS=\"" + safe + "\"");
        int data = rig.image("NAME=sva-data\nTYPE=DATABLOCK\nPATH=\"" + safe + "/datablock.raw\"", images);
        int id = rig.runVm("NAME=sva-writer\nCPU=0.5\nVCPU=1\nMEMORY=128\n" + rig.applianceOs()
                + "DISK=[ IMAGE_ID=" + data + " ]\n"
                + "CONTEXT=[ START_SCRIPT=\"echo " + MARKER + " > /dev/sda; sync; echo start script done\" ]");
        Path console = rig.vmDir(id).resolve("console.log");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(console)
                && Files.readString(console).contains("start script done"));

        // saved while it runs: the VM comes back to RUNNING, the image READY with the disk's bytes
        int saved = ok(rig.admin.call("one.vm.disksaveas", id, 0, "sva-saved", "", -1)).intValue();
        XmlNode image = awaitImage(saved);
        rig.awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(rig.domstate(id)).isEqualTo("running");
        assertThat(rig.vm(id).child("USER_TEMPLATE").text("ERROR")).isEmpty();
        assertThat(image.text("FORMAT")).isEqualTo("qcow2");
        assertThat(image.text("SIZE")).isEqualTo(imageInfo(data).text("SIZE"));
        Path source = Path.of(image.text("SOURCE"));
        assertThat(Virsh.exec(List.of("qemu-img", "info", source.toString()), 30))
                .contains("file format: qcow2").doesNotContain("backing file");
        assertThat(firstBytes(image)).isEqualTo(MARKER);
        assertThat(leftovers()).isEmpty();
        assertThat(rig.vmDir(id).resolve("disk.0.saveas")).doesNotExist();

        // a disk it does not have: oned's error, nothing staged, the VM untouched
        OneResponse bad = rig.admin.call("one.vm.disksaveas", id, 7, "sva-none", "", -1);
        assertThat(bad.ok()).isFalse();
        assertThat(bad.message()).contains("DISK does not exist");
        assertThat(leftovers()).isEmpty();
        assertThat(rig.vm(id).integer("LCM_STATE", -1)).isEqualTo(RUNNING);

        // a second VM booted from the saved image reads the marker from its disk
        int reader = rig.runVm("NAME=sva-reader\nCPU=0.5\nVCPU=1\nMEMORY=128\n" + rig.applianceOs()
                + "DISK=[ IMAGE_ID=" + saved + " ]\n"
                + "CONTEXT=[ START_SCRIPT=\"head -c " + MARKER.length() + " /dev/sda; echo; echo read done\" ]");
        Path readerConsole = rig.vmDir(reader).resolve("console.log");
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(readerConsole)
                && Files.readString(readerConsole).contains("read done"));
        assertThat(Files.readString(readerConsole)).contains(MARKER);

        ok(rig.admin.call("one.vm.action", "terminate-hard", reader));
        rig.awaitVm(reader, DONE, 0, 60);

        // suspended (the domain saved to its checkpoint): saved as it is, and still SUSPENDED after
        ok(rig.admin.call("one.vm.action", "suspend", id));
        rig.awaitVm(id, SUSPENDED, 0, 60);
        int fromSuspended = ok(rig.admin.call("one.vm.disksaveas", id, 0, "sva-suspended", "", -1)).intValue();
        assertThat(firstBytes(awaitImage(fromSuspended))).isEqualTo(MARKER);
        rig.awaitVm(id, SUSPENDED, 0, 60);

        // powered off: a disk snapshot's content saved (the internal qcow2 snapshot), the VM POWEROFF after
        ok(rig.admin.call("one.vm.action", "resume", id));
        rig.awaitVm(id, ACTIVE, RUNNING, 60);
        ok(rig.admin.call("one.vm.action", "poweroff-hard", id));
        rig.awaitVm(id, POWEROFF, 0, 60);
        int snap = ok(rig.admin.call("one.vm.disksnapshotcreate", id, 0, "sva-snap")).intValue();
        rig.awaitVm(id, POWEROFF, 0, 60);
        int fromSnap = ok(rig.admin.call("one.vm.disksaveas", id, 0, "sva-from-snap", "", snap)).intValue();
        assertThat(firstBytes(awaitImage(fromSnap))).isEqualTo(MARKER);
        rig.awaitVm(id, POWEROFF, 0, 60);
        assertThat(rig.vm(id).child("USER_TEMPLATE").text("ERROR")).isEmpty();
        assertThat(leftovers()).isEmpty();
        assertThat(rig.vmDir(id).resolve("disk.0.saveas")).doesNotExist();

        for (int vm : new int[] {id}) {
            ok(rig.admin.call("one.vm.action", "terminate-hard", vm));
            rig.awaitVm(vm, DONE, 0, 60);
        }
    }

    /** The first bytes of a saved image's content. */
    private String firstBytes(XmlNode image) throws Exception {
        return rig.firstBytes(Path.of(image.text("SOURCE")), MARKER.length());
    }

    private XmlNode imageInfo(int imageId) {
        return rig.imageInfo(imageId);
    }

    private XmlNode awaitImage(int imageId) {
        return rig.awaitImage(imageId);
    }

    /** Staged files left on the front-end. */
    private List<Path> leftovers() throws Exception {
        Path dir = StagedImages.dir(rig.dir.resolve("front"));
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
