package dev.nimbo.server.agent;

import static dev.nimbo.server.agent.KvmRig.ACTIVE;
import static dev.nimbo.server.agent.KvmRig.DONE;
import static dev.nimbo.server.agent.KvmRig.RUNNING;
import static dev.nimbo.server.agent.KvmRig.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.core.xml.XmlNode;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A real guest whose domain changes behind Nimbo's back follows as oned's monitoring makes it: destroyed, the VM
 * goes from RUNNING to POWEROFF (and resume boots it again); paused, to SUSPENDED (resume continues it); resumed
 * behind our back while SUSPENDED, RUNNING again. And a running guest's disk snapshots, made by QEMU live. Tagged
 * {@code kvm}.
 */
@Tag("kvm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvmStateSyncTest {
    static final int POWEROFF = 8;
    static final int SUSPENDED = 5;

    KvmRig rig;

    @BeforeAll
    void start() throws Exception {
        rig = new KvmRig("kvm8-sync", 8100);
        rig.enrolHost("kvm8-sync-host");
    }

    @AfterAll
    void stop() throws Exception {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void aDomainDestroyedOrPausedBehindNimbosBackMovesItsVmAndResumeBringsItBack() throws Exception {
        int id = rig.runVm("NAME=kvm8-sync\nCPU=0.5\nVCPU=1\nMEMORY=128\n" + rig.applianceOs()
                + "DISK=[ TYPE=fs, SIZE=4 ]");
        assertThat(rig.domstate(id)).isEqualTo("running");
        int records = rig.vm(id).child("HISTORY_RECORDS").all("HISTORY").size();

        // destroyed behind our back: the next monitoring finds it gone and the VM is POWEROFF, its files kept
        rig.virsh.run("destroy", "one-" + id);
        XmlNode off = rig.awaitVm(id, POWEROFF, 0, 30);
        assertThat(off.child("HISTORY_RECORDS").all("HISTORY").getLast().text("ACTION")).isEqualTo("44"); // monitor
        assertThat(Files.exists(rig.vmDir(id).resolve("disk.0"))).isTrue();
        ok(rig.admin.call("one.vm.action", "resume", id));
        rig.awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(rig.domstate(id)).isEqualTo("running");
        assertThat(rig.vm(id).child("HISTORY_RECORDS").all("HISTORY")).hasSize(records + 1);

        // paused behind our back: SUSPENDED; resume continues the same domain (no new boot)
        String console = Files.readString(rig.vmDir(id).resolve("console.log"));
        rig.virsh.run("suspend", "one-" + id);
        rig.awaitVm(id, SUSPENDED, 0, 30);
        ok(rig.admin.call("one.vm.action", "resume", id));
        rig.awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(rig.domstate(id)).isEqualTo("running");
        assertThat(Files.readString(rig.vmDir(id).resolve("console.log"))).startsWith(console);

        // paused, then resumed behind our back too: found running again
        rig.virsh.run("suspend", "one-" + id);
        rig.awaitVm(id, SUSPENDED, 0, 30);
        rig.virsh.run("resume", "one-" + id);
        rig.awaitVm(id, ACTIVE, RUNNING, 30);
        // and it stays so: the monitoring agrees now
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> rig.vm(id).integer("LCM_STATE", -1) == RUNNING);

        ok(rig.admin.call("one.vm.action", "terminate-hard", id));
        rig.awaitVm(id, DONE, 0, 60);
        assertThat(rig.domstate(id)).isEmpty();
        assertThat(rig.vmDir(id)).doesNotExist();
    }

    @Test
    void aRunningGuestsDiskSnapshotsAreTakenAndDeletedLiveAndRevertedWhileOff() throws Exception {
        String safe = rig.kvm.appliance().toString();
        int images = rig.datastore("NAME=kvm8-dsnap-images\nDS_MAD=fs\nTM_MAD=shared\nSAFE_DIRS=\"" + safe + "\"");
        // non-persistent: a qcow2 clone on the host; persistent: a raw copy
        int clone = rig.image("NAME=dsnap-clone\nTYPE=DATABLOCK\nPATH=\"" + safe + "/datablock.raw\"", images);
        int raw = rig.image("NAME=dsnap-raw\nTYPE=DATABLOCK\nPERSISTENT=YES\nPATH=\"" + safe + "/datablock.raw\"",
                images);
        int id = rig.runVm("NAME=kvm8-dsnap\nCPU=0.5\nVCPU=1\nMEMORY=128\n" + rig.applianceOs()
                + "DISK=[ IMAGE_ID=" + clone + " ]\nDISK=[ IMAGE_ID=" + raw + " ]");
        String disk = rig.vmDir(id).resolve("disk.0").toString();
        int snap = ok(rig.admin.call("one.vm.disksnapshotcreate", id, 0, "live")).intValue();
        rig.awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(rig.vm(id).child("USER_TEMPLATE").text("ERROR")).isEmpty();
        assertThat(rig.domstate(id)).isEqualTo("running"); // no reboot, no pause left behind
        assertThat(Virsh.exec(List.of("qemu-img", "snapshot", "-U", "-l", disk), 30)).contains("snap-" + snap);
        assertThat(rig.vm(id).all("SNAPSHOTS")).hasSize(1);

        // a raw disk cannot have one: the operation fails, the VM keeps running and says why
        ok(rig.admin.call("one.vm.disksnapshotcreate", id, 1, "raw"));
        XmlNode back = rig.awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(back.child("USER_TEMPLATE").text("ERROR")).contains("qcow2");

        // reverted while off (on the file), resumed, then deleted live
        ok(rig.admin.call("one.vm.action", "poweroff-hard", id));
        rig.awaitVm(id, POWEROFF, 0, 60);
        ok(rig.admin.call("one.vm.disksnapshotrevert", id, 0, snap));
        rig.awaitVm(id, POWEROFF, 0, 60);
        ok(rig.admin.call("one.vm.action", "resume", id));
        rig.awaitVm(id, ACTIVE, RUNNING, 60);
        ok(rig.admin.call("one.vm.disksnapshotdelete", id, 0, snap));
        rig.awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(rig.vm(id).child("USER_TEMPLATE").text("ERROR")).isEmpty();
        assertThat(Virsh.exec(List.of("qemu-img", "snapshot", "-U", "-l", disk), 30)).doesNotContain("snap-" + snap);

        ok(rig.admin.call("one.vm.action", "terminate-hard", id));
        rig.awaitVm(id, DONE, 0, 60);
    }
}
