package dev.nimbo.server.agent;

import static dev.nimbo.server.agent.KvmRig.DONE;
import static dev.nimbo.server.agent.KvmRig.ok;
import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.drivers.agent.Frame;
import dev.nimbo.drivers.kvm.Ops;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An image stream cut mid-way: the agent's connection drops (the agent stops and starts again, as a restarted
 * process would) while a 40 MB image is being sent for a deploy. The transfer resumes from the bytes the host
 * already has once the agent is back, the host checks the whole file's SHA-256, and the VM reaches RUNNING without
 * its PROLOG failing or being issued again. Tagged {@code kvm}.
 */
@Tag("kvm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvmTransferResumeTest {
    static final int SIZE = 40 << 20;
    static final long CUT_AT = 20 << 20;

    KvmRig rig;
    /** Chunk writes the agent received: cache path and offset. */
    record Write(String path, long offset) {
    }

    final List<Write> writes = new ArrayList<>();
    final AtomicBoolean cut = new AtomicBoolean();
    volatile int writesBeforeCut = -1;
    volatile String cutPath;

    @BeforeAll
    void start() throws Exception {
        rig = new KvmRig("kvm8-xfer", 8200);
        // the agent answers chunk writes slowly; when the big image reaches CUT_AT its connection drops (the
        // agent closes, then starts again on its certificate), the chunk in flight left unanswered
        rig.handlerWrapper = real -> f -> {
            if (Ops.FILE_WRITE.equals(f.attr("op")) && f.attr("path", "").startsWith("cache/")) {
                long offset = f.longAttr("offset", 0);
                synchronized (writes) {
                    writes.add(new Write(f.attr("path"), offset));
                }
                if (offset >= CUT_AT && cut.compareAndSet(false, true)) {
                    synchronized (writes) {
                        writesBeforeCut = writes.size();
                        cutPath = f.attr("path");
                    }
                    Thread.ofVirtual().start(this::restartAgent);
                }
                sleep(100);
            }
            return real.apply(f);
        };
        rig.enrolHost("kvm8-xfer-host");
    }

    void restartAgent() {
        try {
            rig.stopAgent();
            rig.startAgent(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void anImageStreamCutMidWayResumesWhereItStoppedAndTheVmStillBoots() throws Exception {
        Path big = rig.dir.resolve("big.raw");
        byte[] data = new byte[SIZE];
        new Random(8).nextBytes(data);
        Files.write(big, data);
        int images = rig.datastore("NAME=xfer-images\nDS_MAD=fs\nTM_MAD=shared\nSAFE_DIRS=\"" + rig.dir + "\"");
        int image = rig.image("NAME=big\nTYPE=DATABLOCK\nPATH=\"" + big + "\"", images);
        Path source = Path.of(XmlNode.parse(ok(rig.admin.call("one.image.info", image)).stringValue())
                .text("SOURCE"));

        int id = rig.runVm("NAME=kvm8-xfer\nCPU=0.5\nVCPU=1\nMEMORY=128\n" + rig.applianceOs()
                + "DISK=[ IMAGE_ID=" + image + " ]");
        assertThat(cut).as("the connection was cut during the transfer").isTrue();
        XmlNode vm = rig.vm(id);
        assertThat(vm.child("USER_TEMPLATE").text("ERROR")).isEmpty();
        assertThat(vm.child("HISTORY_RECORDS").all("HISTORY")).hasSize(1);
        assertThat(rig.domstate(id)).isEqualTo("running");

        // after the cut the stream went on from where the host's partial copy ended, not from the start
        List<Long> after;
        synchronized (writes) {
            after = writes.subList(writesBeforeCut, writes.size()).stream().filter(w -> w.path().equals(cutPath))
                    .map(Write::offset).toList();
        }
        assertThat(after).isNotEmpty();
        assertThat(after.getFirst()).isGreaterThanOrEqualTo(CUT_AT - (4 << 20));
        assertThat(after).doesNotContain(0L);
        // the host's copy is the image, byte for byte
        Path cached;
        try (Stream<Path> s = Files.list(rig.agentData.resolve("cache"))) {
            cached = s.filter(p -> size(p) == SIZE).findFirst().orElseThrow();
        }
        assertThat(sha256(cached)).isEqualTo(sha256(source));

        ok(rig.admin.call("one.vm.action", "terminate-hard", id));
        rig.awaitVm(id, DONE, 0, 60);
        assertThat(rig.vmDir(id)).doesNotExist();
    }

    static long size(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    static String sha256(Path p) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
