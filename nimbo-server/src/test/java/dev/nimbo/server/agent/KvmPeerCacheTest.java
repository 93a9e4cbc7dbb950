package dev.nimbo.server.agent;

import static dev.nimbo.server.agent.KvmRig.ACTIVE;
import static dev.nimbo.server.agent.KvmRig.DONE;
import static dev.nimbo.server.agent.KvmRig.RUNNING;
import static dev.nimbo.server.agent.KvmRig.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.agent.AgentHandler;
import dev.nimbo.agent.host.HostProbe;
import dev.nimbo.agent.libvirt.LibvirtVmm;
import dev.nimbo.agent.link.AgentConnection;
import dev.nimbo.agent.store.HostStore;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.drivers.kvm.Ops;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The per-cluster image cache: two hosts of one cluster (two agents on this machine, each serving its cache to the
 * other). The first VM's images come from the front-end to host A; the second VM's, on host B, come from host A's
 * cache: host B receives no image chunk from the front-end, and its copies are byte for byte A's. Tagged
 * {@code kvm}.
 */
@Tag("kvm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvmPeerCacheTest {
    KvmRig rig;
    int hostB;
    Path dataB;
    AgentConnection agentB;
    AgentHandler handlerB;
    Thread threadB;
    final AtomicInteger chunksToB = new AtomicInteger();

    @BeforeAll
    void start() throws Exception {
        rig = new KvmRig("kvm8-peer", 8400);
        rig.cacheAddress = "127.0.0.1";
        rig.enrolHost("kvm8-peer-a");
        hostB = ok(rig.admin.call("one.host.allocate", "kvm8-peer-b", "kvm", "kvm", -1)).intValue();
        dataB = rig.dir.resolve("agent-b");
        Files.createDirectories(dataB);
        HostStore store = new HostStore(dataB);
        AgentHandler real = handlerB = new AgentHandler(new HostProbe(Path.of("/proc"), Path.of("/sys"), dataB, List.of()),
                store, new LibvirtVmm(rig.virsh, store, "qemu", Duration.ofSeconds(20)), "127.0.0.1", 0);
        String token = XmlNode.parse(ok(rig.admin.call("one.host.info", hostB)).stringValue()).child("TEMPLATE")
                .text("AGENT_TOKEN");
        agentB = new AgentConnection("127.0.0.1", rig.agentPort, token, dataB, Duration.ofSeconds(2), f -> {
            if (Ops.FILE_WRITE.equals(f.attr("op")) && f.attr("path", "").startsWith("cache/")) {
                chunksToB.incrementAndGet();
            }
            return real.apply(f);
        });
        AgentConnection a = agentB;
        threadB = Thread.ofVirtual().start(() -> {
            try {
                a.run();
            } catch (Exception e) {
                // closed by the test
            }
        });
        // both hosts monitored, each reporting where it serves its cache
        await().atMost(Duration.ofSeconds(30)).until(() -> endpoint(rig.host) != null && endpoint(hostB) != null);
    }

    String endpoint(int host) {
        XmlNode h = XmlNode.parse(ok(rig.admin.call("one.host.info", host)).stringValue());
        String e = h.integer("STATE", -1) == 2 ? h.child("TEMPLATE").text("CACHE_ENDPOINT") : "";
        return e.isEmpty() ? null : e;
    }

    @AfterAll
    void stop() throws Exception {
        if (agentB != null) {
            agentB.close();
            threadB.join(5000);
            handlerB.close();
        }
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void aSecondHostOfTheClusterTakesItsImagesFromTheFirstInsteadOfTheFrontEnd() throws Exception {
        String safe = rig.kvm.appliance().toString();
        int images = rig.datastore("NAME=kvm8-peer-images\nDS_MAD=fs\nTM_MAD=shared\nSAFE_DIRS=\"" + safe + "\"");
        int data = rig.image("NAME=peer-data\nTYPE=DATABLOCK\nPATH=\"" + safe + "/datablock.raw\"", images);
        String template = "NAME=kvm8-peer\nCPU=0.5\nVCPU=1\nMEMORY=128\n" + rig.applianceOs()
                + "DISK=[ IMAGE_ID=" + data + " ]";

        int first = rig.runVm(template); // on host A: from the front-end
        int second = ok(rig.admin.call("one.vm.allocate", template, false)).intValue();
        ok(rig.admin.call("one.vm.deploy", second, hostB, false, -1));
        rig.awaitVm(second, ACTIVE, RUNNING, 120);
        assertThat(rig.domstate(second)).isEqualTo("running");

        assertThat(chunksToB.get()).as("image chunks the front-end sent to host B").isZero();
        Map<String, String> cacheA = sums(rig.agentData.resolve("cache"));
        Map<String, String> cacheB = sums(dataB.resolve("cache"));
        assertThat(cacheB).hasSize(3).isEqualTo(cacheA); // kernel, initrd, datablock

        for (int id : new int[] {first, second}) {
            ok(rig.admin.call("one.vm.action", "terminate-hard", id));
            rig.awaitVm(id, DONE, 0, 60);
        }
        assertThat(dataB.resolve("datastores/0/" + second)).doesNotExist();
    }

    static Map<String, String> sums(Path cache) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(cache)) {
            for (Path p : s.toList()) {
                out.put(p.getFileName().toString(), KvmTransferResumeTest.sha256(p));
            }
        }
        return out;
    }
}
