package dev.nimbo.server.agent;

import static dev.nimbo.server.agent.KvmRig.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.core.xml.XmlNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Telco placement on a real host: a guest pinned to a host core (TOPOLOGY PIN_POLICY = CORE) with its memory on
 * 2 MB hugepages, on this machine's libvirt. The agent reports the hugepages the kernel has, the front-end pins the
 * virtual CPU and takes the pages, libvirt really pins the QEMU vCPU thread and backs the guest with the pages
 * (the kernel's free count drops), the guest boots, and terminating it gives the core and the pages back.
 * Needs root (it reserves hugepages through /proc/sys/vm/nr_hugepages and restores the count afterwards).
 */
@Tag("kvm")
class KvmEpaTest {
    static final Path NR_HUGEPAGES = Path.of("/proc/sys/vm/nr_hugepages");
    static final int PAGES = 160; // 320 MB: the guest's 256 MB plus room

    @Test
    void aGuestPinnedToAHostCoreRunsOnHugepagesAndGivesBothBack() throws Exception {
        long reservedBefore = Long.parseLong(Files.readString(NR_HUGEPAGES).strip());
        Files.writeString(NR_HUGEPAGES, Long.toString(reservedBefore + PAGES));
        try (KvmRig rig = new KvmRig("nimbo-kvm-epa", 4000)) {
            assertThat(meminfo("HugePages_Free")).as("the kernel gave us the pages").isGreaterThanOrEqualTo(PAGES);
            rig.enrolHost("kvm-epa-host");
            ok(rig.admin.call("one.host.update", rig.host, "PIN_POLICY = PINNED", 1));
            // the host's monitoring reports the 2 MB pages of its NUMA node
            await().atMost(Duration.ofSeconds(30)).until(() -> hugepages(rig.hostInfo(), "PAGES") >= PAGES);
            long freeBefore = meminfo("HugePages_Free");

            int id = rig.runVm("NAME=epa\nCPU=1\nVCPU=1\nMEMORY=256\n" + rig.applianceOs()
                    + "TOPOLOGY=[ PIN_POLICY=CORE, SOCKETS=1, CORES=1, THREADS=1, HUGEPAGE_SIZE=2 ]");
            XmlNode numa = rig.vm(id).child("TEMPLATE").child("NUMA_NODE");
            String cpu = numa.text("CPUS");
            assertThat(cpu).matches("\\d+");
            assertThat(numa.text("MEMORY_NODE_ID")).isEqualTo("0");
            assertThat(hugepages(rig.hostInfo(), "USAGE")).isEqualTo(128);

            String xml = Files.readString(rig.vmDir(id).resolve("deployment.xml"));
            assertThat(xml).contains("<vcpupin vcpu='0' cpuset='" + cpu + "'/>")
                    .contains("<hugepages><page size='2' unit='M'/></hugepages>")
                    .contains("<memnode cellid='0' mode='strict' nodeset='0'/>");
            // libvirt really did it: the vCPU's affinity is that one host CPU, and the guest's memory is in the pages
            assertThat(rig.virsh.run("vcpupin", "one-" + id))
                    .containsPattern("(?m)^\\s*0\\s+" + cpu + "\\s*$");
            assertThat(freeBefore - meminfo("HugePages_Free")).isEqualTo(128);
            // and the guest is up: the appliance says so on its console
            Path console = rig.vmDir(id).resolve("console.log");
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(console)
                        && Files.readString(console).contains("nimbo-appliance: booted"));
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("the guest did not boot; console:\n"
                        + (Files.exists(console) ? Files.readString(console) : "(none)") + "\ndomain:\n"
                        + rig.virsh.tryRun("dumpxml", "one-" + id).output(), e);
            }

            ok(rig.admin.call("one.vm.action", "terminate-hard", id));
            rig.awaitVm(id, KvmRig.DONE, 0, 60);
            assertThat(rig.domstate(id)).isEmpty();
            await().atMost(Duration.ofSeconds(20)).until(() -> meminfo("HugePages_Free") == freeBefore);
            XmlNode share = rig.hostInfo().child("HOST_SHARE");
            assertThat(hugepages(rig.hostInfo(), "USAGE")).isZero();
            for (XmlNode node : share.child("NUMA_NODES").all("NODE")) {
                for (XmlNode core : node.all("CORE")) {
                    assertThat(core.text("DEDICATED")).isEqualTo("NO");
                    assertThat(core.text("CPUS")).doesNotContain(":" + id);
                }
            }
        } finally {
            Files.writeString(NR_HUGEPAGES, Long.toString(reservedBefore));
        }
    }

    /** A field (PAGES, FREE, USAGE) of the host's 2 MB hugepages, summed over its NUMA nodes. */
    static long hugepages(XmlNode host, String field) {
        long sum = 0;
        for (XmlNode node : host.child("HOST_SHARE").child("NUMA_NODES").all("NODE")) {
            for (XmlNode p : node.all("HUGEPAGE")) {
                if (p.text("SIZE").equals("2048")) {
                    sum += p.longValue(field, 0);
                }
            }
        }
        return sum;
    }

    static long meminfo(String key) throws java.io.IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.substring(key.length() + 1).strip().split("\\s+")[0]);
            }
        }
        throw new AssertionError(key + " not in /proc/meminfo");
    }
}
