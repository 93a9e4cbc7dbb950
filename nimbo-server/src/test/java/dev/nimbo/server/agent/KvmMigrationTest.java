package dev.nimbo.server.agent;

import static dev.nimbo.server.agent.KvmFrontEnd.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.agent.libvirt.LibvirtVmm;
import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.agent.net.HostNetworks;
import dev.nimbo.agent.net.HostShell;
import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.KvmFixture;
import dev.nimbo.testing.PingWatch;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Migration between two real KVM hosts of this machine: each a libvirtd of its own in its own mount and network
 * namespaces ({@code scripts/kvm-second-host.sh}), each with its agent, the guest's bridge joined to a test
 * namespace that pings it. One test appliance guest is refused a migration to a host whose agent is gone (it keeps
 * running where it was, with the reason) and to a non-admin owner, then migrated cold (save, files streamed host to
 * host, restore), cold with a power-off (booted on the new host), and live (libvirt live migration with storage
 * copy) while it is pinged every 100 ms: the longest
 * silence is measured and bounded, and the host it left keeps neither domain nor files. Tagged {@code kvm}.
 */
@Tag("kvm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvmMigrationTest {
    static final int ACTIVE = 3;
    static final int RUNNING = 3;
    static final String GUEST_IP = "10.219.0.50";
    /** The bridge of the guest's second NIC (VN_MAD bridge): made by the agent on whichever host the guest runs. */
    static final String VM_BRIDGE = "mg10vm0";
    /** Generous for a loaded CI machine; the measured figure is printed and kept in docs/benchmarks.md. */
    static final long MAX_PING_GAP_MS = 10_000;

    KvmFixture.NamespacedHost[] ns = new KvmFixture.NamespacedHost[2];
    KvmFrontEnd front;
    OneClient admin;
    final int[] host = new int[2];
    final InProcessAgent[] agents = new InProcessAgent[2];

    @BeforeAll
    void start() throws Exception {
        ns[0] = KvmFixture.namespacedHost("mig9h1", 1);
        ns[1] = KvmFixture.namespacedHost("mig9h2", 2);
        front = new KvmFrontEnd("nimbo-kvm-migration", 9300, Map.of());
        admin = front.admin;
        for (KvmFixture.NamespacedHost h : ns) {
            front.cleansUp(h.libvirtUri());
        }
        for (int i = 0; i < 2; i++) {
            // a host is named by its address: the address libvirt and QEMU migrate to
            host[i] = ok(admin.call("one.host.allocate", ns[i].address(), "kvm", "kvm", -1)).intValue();
            startAgent(i, front.tokenOf(host[i]));
        }
        for (int i = 0; i < 2; i++) {
            int h = i;
            await().atMost(Duration.ofSeconds(60)).until(() -> hostInfo(h).integer("STATE", -1) == 2);
        }
    }

    Path agentData(int i) {
        return front.dir.resolve("agent" + i);
    }

    /** An agent of host i, in this JVM, driving that host's libvirtd through its socket. */
    void startAgent(int i, String token) {
        // the agent's network drivers work in the host's network namespace, where its guests' taps are
        agents[i] = new InProcessAgent("127.0.0.1", front.agentPort, token, agentData(i), store -> new LibvirtVmm(
                new Virsh(ns[i].libvirtUri()), store, "qemu", Duration.ofSeconds(20),
                new HostNetworks(HostShell.namespace(ns[i].name()), false)), null, h -> h);
    }

    void stopAgent(int i) throws InterruptedException {
        agents[i].close();
    }

    @AfterAll
    void stop() throws Exception {
        for (int i = 0; i < 2; i++) {
            if (agents[i] != null) {
                stopAgent(i);
            }
        }
        if (front != null) {
            front.close();
        }
        // the namespaced hosts go with their guests: nothing outlives the test
        for (KvmFixture.NamespacedHost h : ns) {
            if (h != null) {
                KvmFixture.removeNamespacedHost(h.name());
            }
        }
    }

    XmlNode hostInfo(int i) {
        return front.hostInfo(host[i]);
    }

    XmlNode vm(int id) {
        return front.vm(id);
    }

    XmlNode awaitRunning(int id, int seconds) {
        return front.awaitVm(id, ACTIVE, RUNNING, seconds);
    }

    /** The host the VM's last history record places it on. */
    int placedOn(XmlNode vm) {
        List<XmlNode> h = vm.child("HISTORY_RECORDS").all("HISTORY");
        return h.get(h.size() - 1).integer("HID", -1);
    }

    boolean domainOn(int i, int vmId) {
        return new Virsh(ns[i].libvirtUri()).tryRun("domstate", "one-" + vmId).ok();
    }

    Path vmDir(int i, int vmId) {
        return agentData(i).resolve("datastores/0/" + vmId);
    }

    void assertPings(String what, int seconds) {
        await(what).atMost(Duration.ofSeconds(seconds)).until(() -> Virsh.exec(List.of("sh", "-c",
                "ip netns exec " + ns[0].testNetns() + " busybox ping -c 1 -W 1 " + GUEST_IP
                        + " >/dev/null && echo yes || echo no"), 10).equals("yes"));
    }

    /** The ports of a bridge in host i's network namespace; null when the bridge does not exist there. */
    List<String> bridgePorts(int i, String bridge) {
        HostShell sh = HostShell.namespace(ns[i].name());
        if (!sh.ok("ip", "link", "show", bridge)) {
            return null;
        }
        return sh.run("ip", "-o", "link", "show", "master", bridge).lines()
                .map(l -> l.split(":\\s+")[1].split("@")[0]).toList();
    }

    /** The VM's second NIC is on host i only: its bridge there with the VM's tap, no bridge on the other host. */
    void networkOnlyOn(int i, int vmId) {
        assertThat(bridgePorts(i, VM_BRIDGE)).as("bridge on host " + (i + 1)).contains("one-" + vmId + "-1");
        assertThat(bridgePorts(1 - i, VM_BRIDGE)).as("bridge left on host " + (2 - i)).isNull();
    }

    @Test
    void aGuestMigratesColdAndLiveBetweenTwoHostsAndKeepsAnsweringPing() throws Exception {
        String safe = front.kvm.appliance().toString();
        String os = front.applianceOs(); // kernel and initrd in a FILE_DS
        int images = front.applianceImages("mig-images");
        int data = front.image("NAME=data\nTYPE=DATABLOCK\nPERSISTENT=YES\nPATH=\"" + safe + "/datablock.qcow2\"",
                images);
        int scratch = front.image("NAME=scratch\nTYPE=DATABLOCK\nPATH=\"" + safe + "/datablock.raw\"", images);
        int net = ok(admin.call("one.vn.allocate", "NAME=mig-net\nVN_MAD=dummy\nBRIDGE=" + ns[0].bridge()
                + "\nNETWORK_MASK=255.255.255.0\nAR=[ TYPE=IP4, IP=" + GUEST_IP + ", SIZE=2 ]", -1)).intValue();
        int bridged = ok(admin.call("one.vn.allocate", "NAME=mig-bridged\nVN_MAD=bridge\nBRIDGE=" + VM_BRIDGE
                + "\nAR=[ TYPE=ETHER, SIZE=2 ]", -1)).intValue();
        // a persistent full copy, a linked clone of a cached image, a volatile disk, a context CD-ROM: all move
        String template = "NAME=migrant\nCPU=0.5\nVCPU=1\nMEMORY=128\n" + os
                + "DISK=[ IMAGE_ID=" + data + " ]\nDISK=[ IMAGE_ID=" + scratch + " ]\nDISK=[ TYPE=fs, SIZE=8 ]\n"
                + "NIC=[ NETWORK_ID=" + net + " ]\nNIC=[ NETWORK_ID=" + bridged + " ]\n"
                + "CONTEXT=[ NETWORK=YES, SET_HOSTNAME=migrant ]";
        int id = ok(admin.call("one.vm.allocate", template, false)).intValue();
        ok(admin.call("one.vm.deploy", id, host[0], false, -1));
        awaitRunning(id, 120);
        assertPings("the guest answers ping on host 1", 120);
        networkOnlyOn(0, id);

        // migration is an admin operation: the VM's own (non-admin) owner is refused
        int user = ok(admin.call("one.user.allocate", "tenant", "secret", "", new Object[0])).intValue();
        ok(admin.call("one.vm.chown", id, user, -1));
        OneClient tenant = new OneClient(URI.create("http://127.0.0.1:" + front.server.port() + "/RPC2"),
                "tenant:secret");
        OneResponse refused = tenant.call("one.vm.migrate", id, host[1], true, false, -1, 0);
        assertThat(refused.ok()).isFalse();
        assertThat(refused.errorCode()).isEqualTo(0x200);

        // the target's agent is gone: neither migration is accepted (ACTION, "unreachable", as any action on a
        // host that cannot be reached) and the guest keeps running on host 1, its history unchanged
        stopAgent(1);
        await().atMost(Duration.ofSeconds(30)).until(() -> hostInfo(1).integer("STATE", -1) == 3);
        for (boolean live : new boolean[] {true, false}) {
            int records = vm(id).child("HISTORY_RECORDS").all("HISTORY").size();
            OneResponse unreachable = admin.call("one.vm.migrate", id, host[1], live, false, -1, 0);
            assertThat(unreachable.ok()).isFalse();
            assertThat(unreachable.errorCode()).isEqualTo(0x800);
            assertThat(unreachable.message()).contains("unreachable").contains(ns[1].address());
            XmlNode still = awaitRunning(id, 60);
            assertThat(placedOn(still)).isEqualTo(host[0]);
            assertThat(still.child("HISTORY_RECORDS").all("HISTORY")).hasSize(records);
            assertThat(domainOn(0, id)).isTrue();
        }
        assertPings("the guest still answers ping on host 1", 10);
        startAgent(1, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> hostInfo(1).integer("STATE", -1) == 2);

        try (PingWatch watch = PingWatch.start(ns[0].testNetns(), GUEST_IP)) {
            // cold: saved on host 1, its files streamed to host 2, restored there with its memory
            long t0 = System.nanoTime();
            ok(admin.call("one.vm.migrate", id, host[1], false, false, -1, 0));
            XmlNode moved = awaitRunning(id, 180);
            long coldMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(placedOn(moved)).isEqualTo(host[1]);
            List<XmlNode> hist = moved.child("HISTORY_RECORDS").all("HISTORY");
            assertThat(hist.get(hist.size() - 2).integer("HID", -1)).isEqualTo(host[0]);
            assertThat(hist.get(hist.size() - 2).text("ACTION")).isEqualTo("1"); // migrate
            assertPings("the guest answers ping after a cold migration", 60);
            assertThat(domainOn(1, id)).isTrue();
            assertThat(domainOn(0, id)).isFalse();
            assertThat(vmDir(0, id)).doesNotExist();
            networkOnlyOn(1, id);
            assertThat(Virsh.exec(List.of("qemu-img", "info", "-U", vmDir(1, id).resolve("disk.1").toString()), 30))
                    .contains("backing file: " + agentData(1).resolve("cache"));
            System.out.println("KVM migration: cold (save, copy, restore) " + coldMs + " ms");

            // powered off (ACPI) for the move, booted afresh on host 1 from its moved disks
            long t2 = System.nanoTime();
            ok(admin.call("one.vm.migrate", id, host[0], false, false, -1, 1));
            assertThat(placedOn(awaitRunning(id, 180))).isEqualTo(host[0]);
            assertPings("the guest answers ping after a power-off migration", 120);
            System.out.println("KVM migration: power-off (ACPI, copy, boot to ping) "
                    + (System.nanoTime() - t2) / 1_000_000 + " ms");
            assertThat(domainOn(1, id)).isFalse();
            assertThat(vmDir(1, id)).doesNotExist();
            assertThat(Files.readString(vmDir(0, id).resolve("deployment.xml"))).contains(vmDir(0, id).toString())
                    .doesNotContain(agentData(1).toString());

            // live: libvirt moves the running guest to host 2, copying its disks; ping never stops for long
            await().atMost(Duration.ofSeconds(30)).until(() -> watch.silenceMillis() < 500);
            watch.resetGap();
            long before = watch.answers();
            long t1 = System.nanoTime();
            ok(admin.call("one.vm.migrate", id, host[1], true, false, -1, 0));
            XmlNode live = awaitRunning(id, 180);
            long liveMs = (System.nanoTime() - t1) / 1_000_000;
            await().atMost(Duration.ofSeconds(20)).until(() -> watch.answers() > before + 10);
            long gap = watch.longestGapMillis();
            System.out.println("KVM migration: live " + liveMs + " ms in all, longest ping gap " + gap + " ms");
            assertThat(placedOn(live)).isEqualTo(host[1]);
            assertThat(gap).as("longest ping gap during live migration (ms)").isLessThan(MAX_PING_GAP_MS);
            assertThat(domainOn(1, id)).isTrue();
            assertThat(domainOn(0, id)).isFalse();
            assertThat(vmDir(0, id)).doesNotExist();
            assertThat(live.child("USER_TEMPLATE").text("ERROR")).isNullOrEmpty();
            // the target made the guest's bridge before it arrived; the source removed its own after it left
            networkOnlyOn(1, id);
        }

        ok(admin.call("one.vm.action", "terminate-hard", id));
        await().atMost(Duration.ofSeconds(60)).until(() -> vm(id).integer("STATE", -1) == 6);
        assertThat(domainOn(1, id)).isFalse();
        assertThat(vmDir(1, id)).doesNotExist();
        assertThat(bridgePorts(1, VM_BRIDGE)).isNull();
    }
}
