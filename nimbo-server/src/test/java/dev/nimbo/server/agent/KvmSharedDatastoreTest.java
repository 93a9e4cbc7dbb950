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
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A shared (NFS-style) system datastore, TM_MAD {@code shared}: the front-end's datastore directories are what the
 * host sees under its agent's {@code DATA/datastores/N} (here a symbolic link plays the NFS mount). A real guest's
 * disks are made in place from the image datastore (a persistent disk is the image itself, a non-persistent one a
 * qcow2 clone backed by it), no image goes through the agent's cache, undeploy and resume move nothing, the
 * guest's writes land in the persistent image, and terminate leaves nothing of the VM. Tagged {@code kvm}.
 */
@Tag("kvm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvmSharedDatastoreTest {
    static final int UNDEPLOYED = 9;

    KvmRig rig;

    @BeforeAll
    void start() throws Exception {
        rig = new KvmRig("kvm8-shared", 8300);
        rig.enrolHost("kvm8-shared-host");
    }

    @AfterAll
    void stop() throws Exception {
        if (rig != null) {
            rig.close();
        }
    }

    /** What the NFS mount would be: the agent's DATA/datastores/N is the front-end's datastore N. */
    void mountOnHost(int ds) throws Exception {
        Path front = Path.of(XmlNode.parse(ok(rig.admin.call("one.datastore.info", ds)).stringValue())
                .text("BASE_PATH"));
        Files.createDirectories(front);
        Path onHost = rig.agentData.resolve("datastores/" + ds);
        Files.createDirectories(onHost.getParent());
        Files.createSymbolicLink(onHost, front);
    }

    @Test
    void disksAreMadeInPlaceAndNothingMovesOrStaysBehind() throws Exception {
        String safe = rig.kvm.appliance().toString();
        int system = rig.datastore("NAME=kvm8-shared-system\nTYPE=SYSTEM_DS\nTM_MAD=shared");
        int images = rig.datastore("NAME=kvm8-shared-images\nDS_MAD=fs\nTM_MAD=shared\nSAFE_DIRS=\"" + safe + "\"");
        mountOnHost(system);
        mountOnHost(images);
        int data = rig.image("NAME=shared-data\nTYPE=DATABLOCK\nPERSISTENT=YES\nPATH=\"" + safe
                + "/datablock.qcow2\"", images);
        int scratch = rig.image("NAME=shared-scratch\nTYPE=DATABLOCK\nPATH=\"" + safe + "/datablock.raw\"", images);
        Path dataSource = Path.of(XmlNode.parse(ok(rig.admin.call("one.image.info", data)).stringValue())
                .text("SOURCE"));
        Path scratchSource = Path.of(XmlNode.parse(ok(rig.admin.call("one.image.info", scratch)).stringValue())
                .text("SOURCE"));

        int id = ok(rig.admin.call("one.vm.allocate", "NAME=kvm8-shared\nCPU=0.5\nVCPU=1\nMEMORY=128\n"
                + rig.applianceOs() + "DISK=[ IMAGE_ID=" + data + " ]\nDISK=[ IMAGE_ID=" + scratch + " ]\n"
                + "CONTEXT=[ START_SCRIPT=\"echo kvm8-shared-was-here > /dev/sda; sync; echo start script done\" ]",
                false)).intValue();
        ok(rig.admin.call("one.vm.deploy", id, rig.host, false, system));
        rig.awaitVm(id, ACTIVE, RUNNING, 120);
        assertThat(rig.vm(id).child("TEMPLATE").text("TM_MAD_SYSTEM")).isEqualTo("shared");

        // the VM's directory is on the shared datastore; its disks are the images, in place
        Path vmDir = rig.agentData.resolve("datastores/" + system + "/" + id);
        Path frontDir = Path.of(XmlNode.parse(ok(rig.admin.call("one.datastore.info", system)).stringValue())
                .text("BASE_PATH")).resolve(Integer.toString(id));
        assertThat(frontDir.resolve("disk.0")).exists();
        assertThat(Files.readSymbolicLink(vmDir.resolve("disk.0")).toString()).endsWith(dataSource.getFileName()
                .toString());
        assertThat(Virsh.exec(List.of("qemu-img", "info", "-U", vmDir.resolve("disk.1").toString()), 30))
                .contains("backing file: " + rig.agentData.resolve("datastores/" + images + "/"
                        + scratchSource.getFileName()));
        try (Stream<Path> s = Files.list(rig.agentData.resolve("cache"))) {
            // only the kernel and initrd (not on the shared image datastore) went through the cache
            assertThat(s.map(KvmSharedDatastoreTest::size)).doesNotContain(Files.size(dataSource),
                    Files.size(scratchSource));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(vmDir.resolve("console.log"))
                && Files.readString(vmDir.resolve("console.log")).contains("start script done"));

        // undeploy and resume: the files stay where they are
        ok(rig.admin.call("one.vm.action", "undeploy-hard", id));
        rig.awaitVm(id, UNDEPLOYED, 0, 60);
        assertThat(rig.domstate(id)).isEmpty();
        assertThat(frontDir.resolve("disk.1")).exists();
        ok(rig.admin.call("one.vm.action", "resume", id));
        ok(rig.admin.call("one.vm.deploy", id, rig.host, false, system));
        rig.awaitVm(id, ACTIVE, RUNNING, 120);
        assertThat(rig.domstate(id)).isEqualTo("running");

        ok(rig.admin.call("one.vm.action", "terminate-hard", id));
        rig.awaitVm(id, DONE, 0, 60);
        assertThat(rig.domstate(id)).isEmpty();
        assertThat(frontDir).doesNotExist();
        assertThat(dataSource).exists();
        assertThat(scratchSource).exists();
        // the guest wrote straight into the persistent image
        Path raw = rig.dir.resolve("data.raw");
        Virsh.exec(List.of("qemu-img", "convert", "-O", "raw", dataSource.toString(), raw.toString()), 60);
        assertThat(new String(Files.readAllBytes(raw), 0, 20, StandardCharsets.US_ASCII))
                .isEqualTo("kvm8-shared-was-here");
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return -1;
        }
    }
}
