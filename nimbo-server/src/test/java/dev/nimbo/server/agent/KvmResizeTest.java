package dev.nimbo.server.agent;

import static dev.nimbo.server.agent.KvmRig.ACTIVE;
import static dev.nimbo.server.agent.KvmRig.DONE;
import static dev.nimbo.server.agent.KvmRig.RUNNING;
import static dev.nimbo.server.agent.KvmRig.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hot resize of a running guest on a real kvm host (one.vm.resize of a RUNNING VM): a VM started with VCPU_MAX and
 * MEMORY_MAX room grows and shrinks live, libvirt's live domain and the guest itself (it prints its online CPUs and
 * MemTotal every second) see the new size; beyond the room the front-end refuses; a VM without room that libvirt
 * cannot resize goes back to RUNNING with its old size and the reason. Tagged {@code kvm}.
 */
@Tag("kvm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvmResizeTest {
    private static final Pattern SIZE = Pattern.compile("nimbo-size cpus=(\\d+) memkb=(\\d+)");
    /** The guest brings hot-plugged CPUs and memory online (no udev in the appliance) and reports its size. */
    private static final String REPORTER = """
            (while true; do
              for c in /sys/devices/system/cpu/cpu*/online; do [ "$(cat $c)" = 1 ] || echo 1 > $c; done
              for m in /sys/devices/system/memory/memory*/state; do grep -q offline $m && echo online > $m; done
              echo "nimbo-size cpus=$(grep -c ^processor /proc/cpuinfo) memkb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
              sleep 1
            done) > /dev/console 2>&1 &
            """;

    KvmRig rig;

    @BeforeAll
    void start() throws Exception {
        rig = new KvmRig("kvm8-resize", 9100);
        rig.enrolHost("kvm8-resize-host");
    }

    @AfterAll
    void stop() throws Exception {
        if (rig != null) {
            rig.close();
        }
    }

    @Test
    void aRunningGuestGrowsAndShrinksLiveWithinItsRoom() throws Exception {
        String script = Base64.getEncoder().encodeToString(REPORTER.getBytes(StandardCharsets.UTF_8));
        int id = rig.runVm("NAME=kvm8-resize\nCPU=0.5\nVCPU=1\nVCPU_MAX=2\nMEMORY=128\nMEMORY_MAX=192\n"
                + rig.applianceOs() + "CONTEXT=[ START_SCRIPT_BASE64=\"" + script + "\" ]");
        String name = "one-" + id;
        assertThat(rig.virsh.run("vcpucount", name, "--live", "--active").strip()).isEqualTo("1");
        long bootKb = guestSize(id, 1, 0)[1];

        // grown: both CPUs online in the guest, the balloon gives back 64 MB
        ok(rig.admin.call("one.vm.resize", id, "VCPU=2\nCPU=1\nMEMORY=192", false));
        XmlNode grown = rig.awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(grown.child("USER_TEMPLATE").text("ERROR")).isEmpty();
        assertThat(grown.child("TEMPLATE").text("VCPU")).isEqualTo("2");
        assertThat(grown.child("TEMPLATE").text("MEMORY")).isEqualTo("192");
        assertThat(grown.child("TEMPLATE").child("RESIZE")).isNull();
        assertThat(rig.virsh.run("vcpucount", name, "--live", "--active").strip()).isEqualTo("2");
        // the balloon is the guest's driver: it gives the memory back a moment after libvirt asked
        await().atMost(Duration.ofSeconds(30)).until(() -> currentMemoryKb(name) == 192 * 1024);
        long grownKb = guestSize(id, 2, bootKb + 48 * 1024)[1];

        // shrunk again through the balloon (the vCPU stays: unplugging needs the guest's consent)
        ok(rig.admin.call("one.vm.resize", id, "MEMORY=128", false));
        rig.awaitVm(id, ACTIVE, RUNNING, 60);
        await().atMost(Duration.ofSeconds(30)).until(() -> currentMemoryKb(name) == 128 * 1024);
        await().atMost(Duration.ofSeconds(30)).until(() -> lastSize(id) != null
                && lastSize(id)[1] <= grownKb - 48 * 1024);

        // beyond the room it booted with: refused before anything is tried, nothing changes
        OneResponse over = rig.admin.call("one.vm.resize", id, "VCPU=3", false);
        assertThat(over.ok()).isFalse();
        assertThat(over.errorCode()).isEqualTo(0x0800);
        assertThat(over.message()).contains("VCPU_MAX (2)");
        OneResponse overMemory = rig.admin.call("one.vm.resize", id, "MEMORY=256", false);
        assertThat(overMemory.message()).contains("MEMORY_MAX (192)");
        assertThat(rig.vm(id).child("TEMPLATE").text("MEMORY")).isEqualTo("128");

        ok(rig.admin.call("one.vm.action", "terminate-hard", id));
        rig.awaitVm(id, DONE, 0, 60);
        assertThat(rig.domstate(id)).isEmpty();
    }

    @Test
    void aResizeLibvirtRefusesLeavesTheVmRunningAtItsOldSize() {
        // no VCPU_MAX: the domain has exactly one vCPU and libvirt cannot add another
        int id = rig.runVm("NAME=kvm8-noroom\nCPU=0.5\nVCPU=1\nMEMORY=128\n" + rig.applianceOs());
        ok(rig.admin.call("one.vm.resize", id, "VCPU=2", false));
        await().atMost(Duration.ofSeconds(60)).until(() ->
                !rig.vm(id).child("USER_TEMPLATE").text("ERROR").isEmpty());
        XmlNode back = rig.awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(back.child("TEMPLATE").text("VCPU")).isEqualTo("1");
        assertThat(back.child("TEMPLATE").text("CPU")).isEqualTo("0.5");
        assertThat(back.child("USER_TEMPLATE").text("ERROR")).containsIgnoringCase("vcpu");
        assertThat(rig.virsh.run("vcpucount", "one-" + id, "--live", "--active").strip()).isEqualTo("1");
        assertThat(rig.domstate(id)).isEqualTo("running");

        ok(rig.admin.call("one.vm.action", "terminate-hard", id));
        rig.awaitVm(id, DONE, 0, 60);
    }

    private long currentMemoryKb(String domain) {
        for (String line : rig.virsh.run("dominfo", domain).split("\n")) {
            if (line.startsWith("Used memory:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new AssertionError("no Used memory in dominfo of " + domain);
    }

    /** Waits until the guest reports at least these CPUs and this much memory; returns what it reported. */
    private long[] guestSize(int id, int cpus, long minKb) {
        long[][] seen = new long[1][];
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
            seen[0] = lastSize(id);
            return seen[0] != null && seen[0][0] >= cpus && seen[0][1] >= minKb;
        });
        return seen[0];
    }

    /** The guest's last report on its console: {cpus, MemTotal kB}, or null before the first. */
    private long[] lastSize(int id) throws java.io.IOException {
        Path console = rig.vmDir(id).resolve("console.log");
        if (!Files.exists(console)) {
            return null;
        }
        Matcher m = SIZE.matcher(Files.readString(console, StandardCharsets.ISO_8859_1));
        long[] last = null;
        while (m.find()) {
            last = new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
        }
        return last;
    }
}
