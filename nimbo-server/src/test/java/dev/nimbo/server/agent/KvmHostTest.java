package dev.nimbo.server.agent;

import static dev.nimbo.server.agent.KvmFrontEnd.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.client.OneClient;
import dev.nimbo.core.xml.XmlNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A real KVM host: nimbod, an agent driving this machine's libvirt/QEMU (domain type qemu: software emulation),
 * the test appliance registered as KERNEL, RAMDISK and DATABLOCK images, and one guest taken through its life
 * while we check it is really up (it answers ping on the test bridge from our own namespace, its console says its
 * context was read). Tagged {@code kvm}: {@code -DexcludedGroups=kvm} skips it where libvirt cannot run.
 */
@Tag("kvm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KvmHostTest {
    static final int ACTIVE = 3;
    static final int POWEROFF = 8;
    static final int SUSPENDED = 5;
    static final int STOPPED = 4;
    static final int UNDEPLOYED = 9;
    static final int DONE = 6;
    static final int RUNNING = 3;
    static final String GUEST_IP = "10.213.0.50";

    KvmRig rig;

    @BeforeAll
    void start() throws Exception {
        rig = new KvmRig("nimbo-kvm-test", 9000);
        rig.enrolHost("kvm-test-host");
    }

    @AfterAll
    void stop() throws Exception {
        // nothing may outlive the test, even when it failed half-way: none of its VMs' domains, no wild
        new Virsh("qemu:///system").tryRun("destroy", "nimbo-test-wild");
        if (rig != null) {
            rig.close();
        }
    }

    /** The front-end's client (a new one after a restart). */
    OneClient admin() {
        return rig.admin;
    }

    XmlNode hostInfo() {
        return rig.hostInfo();
    }

    XmlNode vm(int id) {
        return rig.vm(id);
    }

    XmlNode awaitVm(int id, int state, int lcm, int seconds) {
        return rig.awaitVm(id, state, lcm, seconds);
    }

    Path vmDirOf(int id) {
        return rig.agentData.resolve("datastores/0/" + id);
    }

    /** The guest answers ping; else the failure shows what its console said. */
    void assertPings(String what, int seconds, Path vmDir) throws java.io.IOException {
        if (!rig.kvm.ping(GUEST_IP, seconds)) {
            Path log = vmDir.resolve("console.log");
            throw new AssertionError(what + ": no answer in " + seconds + " s; console:\n"
                    + (Files.exists(log) ? Files.readString(log) : "(none)"));
        }
    }

    @Test
    void aGuestBootsReadsItsContextAnswersPingAndGoesThroughItsLife() throws Exception {
        String safe = rig.kvm.appliance().toString();
        String os = rig.applianceOs(); // kernel and initrd in a FILE_DS
        int images = rig.applianceImages("kvm-images");
        // persistent: a full copy on the host, copied back into the image when the VM ends
        int data = rig.image("NAME=appliance-data\nTYPE=DATABLOCK\nPERSISTENT=YES\nPATH=\"" + safe
                + "/datablock.qcow2\"", images);
        // non-persistent: a qcow2 linked clone of the host's cached copy
        int scratch = rig.image("NAME=appliance-scratch\nTYPE=DATABLOCK\nPATH=\"" + safe + "/datablock.raw\"", images);
        Path dataSource = Path.of(XmlNode.parse(ok(admin().call("one.image.info", data)).stringValue()).text("SOURCE"));
        int net = ok(admin().call("one.vn.allocate", "NAME=kvm-test-net\nVN_MAD=dummy\nBRIDGE=" + rig.kvm.bridge()
                + "\nNETWORK_MASK=255.255.255.0\nAR=[ TYPE=IP4, IP=" + GUEST_IP + ", SIZE=2 ]", -1)).intValue();

        XmlNode h = hostInfo();
        assertThat(h.child("TEMPLATE").text("HYPERVISOR")).isEqualTo("qemu");
        assertThat(h.child("TEMPLATE").text("KVM_DOMAIN_TYPE")).isEqualTo("qemu");
        assertThat(h.child("TEMPLATE").text("LIBVIRT_VERSION")).matches("\\d+\\.\\d+\\.\\d+");

        String template = "NAME=guest\nCPU=0.5\nVCPU=1\nMEMORY=160\n" + os
                + "DISK=[ IMAGE_ID=" + data + " ]\nDISK=[ IMAGE_ID=" + scratch + " ]\nDISK=[ TYPE=fs, SIZE=8 ]\n"
                + "NIC=[ NETWORK_ID=" + net + " ]\n"
                + "GRAPHICS=[ TYPE=VNC, LISTEN=127.0.0.1 ]\n"
                + "CONTEXT=[ NETWORK=YES, SET_HOSTNAME=kvm-guest, SSH_PUBLIC_KEY=\"ssh-ed25519 AAAAtest nimbo\","
                // the start script writes a marker on the persistent disk (first disk on the SCSI bus)
                // then reports every second the NIC addresses its context CD-ROM holds now
                + " START_SCRIPT=\"echo nimbo-was-here > /dev/sda; sync; echo start script done; (while true; do"
                + " echo nimbo-ctx $(cat /dev/sr0 | grep -ao ETH._IP=.[0-9.]*) end; sleep 1; done) &\" ]";
        long t0 = System.nanoTime();
        int id = ok(admin().call("one.vm.allocate", template, false)).intValue();
        ok(admin().call("one.vm.deploy", id, rig.host, false, -1));
        XmlNode vm = awaitVm(id, ACTIVE, RUNNING, 120);
        assertThat(vm.text("DEPLOY_ID")).isEqualTo("one-" + id);
        assertPings("guest answers ping", 120, vmDirOf(id));
        long toPing = (System.nanoTime() - t0) / 1_000_000;
        System.out.println("KVM: instantiate to ping " + toPing + " ms");

        Path vmDir = rig.agentData.resolve("datastores/0/" + id);
        // the guest answers ping as soon as its NIC is up: its last lines may come a moment later
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.readString(vmDir.resolve("console.log"))
                .contains("ready hostname="));
        String console = Files.readString(vmDir.resolve("console.log"));
        assertThat(console).contains("nimbo-appliance: context from").contains(GUEST_IP)
                .contains("start script done").contains("ready hostname=kvm-guest");
        // the persistent DATABLOCK is a full qcow2 copy, the other a linked clone, the volatile disk a new qcow2 file
        assertThat(Files.readString(vmDir.resolve("disk.0.format"))).isEqualTo("qcow2");
        assertThat(Virsh.exec(List.of("qemu-img", "info", "-U", vmDir.resolve("disk.0").toString()), 30))
                .doesNotContain("backing file");
        assertThat(Virsh.exec(List.of("qemu-img", "info", "-U", vmDir.resolve("disk.1").toString()), 30))
                .contains("backing file: " + rig.agentData.resolve("cache"));
        assertThat(Files.readString(vmDir.resolve("disk.2.format"))).isEqualTo("qcow2");
        // the guest is the front-end's: not a wild
        assertThat(hostInfo().child("TEMPLATE").all("VM")).allMatch(v -> v.children().isEmpty());
        assertThat(Files.readString(vmDir.resolve("deployment.xml"))).contains("<kernel>" + vmDir.resolve("kernel"))
                .contains("type='qemu'").contains("<source bridge='" + rig.kvm.bridge() + "'/>")
                .contains("<graphics type='vnc' listen='127.0.0.1'");
        // VM monitoring comes from libvirt's counters
        await().atMost(Duration.ofSeconds(20)).until(() -> vm(id).child("MONITORING").child("MEMORY") != null
                && Long.parseLong(vm(id).child("MONITORING").text("MEMORY")) > 0);

        // the agent goes away: the host shows it, the guest is not touched; it comes back on its certificate alone
        rig.stopAgent();
        await().atMost(Duration.ofSeconds(30)).until(() -> hostInfo().integer("STATE", -1) == 3);
        // (a monitoring in flight when it left says so, the next ones that it is not connected)
        assertThat(hostInfo().child("TEMPLATE").text("ERROR")).containsPattern("agent .*(not connected|disconnected)");
        assertThat(vm(id).integer("LCM_STATE", -1)).isEqualTo(RUNNING);
        assertPings("guest keeps running without its agent", 10, vmDirOf(id));
        rig.startAgent(null);
        await().atMost(Duration.ofSeconds(30)).until(() -> hostInfo().integer("STATE", -1) == 2);

        // the front-end restarts: the agent reconnects by itself, the VM is still RUNNING there and monitored, and
        // what the agent measured meanwhile fills the host's monitoring history
        rig.server.close();
        long cutFrom = System.currentTimeMillis() / 1000;
        await().atMost(Duration.ofSeconds(30)).until(() -> rig.agent.connection.buffered() >= 3);
        long cutTo = System.currentTimeMillis() / 1000;
        rig.startServer();
        await().atMost(Duration.ofSeconds(60)).until(() -> hostInfo().integer("STATE", -1) == 2
                && rig.agent.connection.sessions() >= 2);
        assertThat(vm(id).integer("LCM_STATE", -1)).isEqualTo(RUNNING);
        await().atMost(Duration.ofSeconds(20)).until(() -> XmlNode.parse(ok(admin().call("one.host.monitoring",
                rig.host))
                .stringValue()).all("MONITORING").stream().map(m -> m.longValue("TIMESTAMP", 0))
                .filter(t -> t > cutFrom && t <= cutTo).count() >= 2);
        assertThat(rig.agent.connection.buffered()).isZero();
        long before = System.currentTimeMillis() / 1000;
        await().atMost(Duration.ofSeconds(20)).until(() -> vm(id).child("MONITORING").longValue("TIMESTAMP", 0)
                >= before);
        assertPings("guest answers ping", 10, vmDirOf(id));

        // poweroff: ACPI, and the appliance powers off on it
        ok(admin().call("one.vm.action", "poweroff", id));
        awaitVm(id, POWEROFF, 0, 60);
        assertThat(new Virsh("qemu:///system").tryRun("domstate", "one-" + id).ok()).isFalse();
        assertThat(Files.readString(vmDir.resolve("console.log"))).contains("power button, powering off");
        // while it is off: a disk snapshot (on the linked clone's file) taken, reverted to, deleted; a disk grown
        String clone = vmDir.resolve("disk.1").toString();
        int dsnap = ok(admin().call("one.vm.disksnapshotcreate", id, 1, "off-snap")).intValue();
        awaitVm(id, POWEROFF, 0, 60);
        assertThat(Virsh.exec(List.of("qemu-img", "snapshot", "-l", clone), 30)).contains("snap-" + dsnap);
        ok(admin().call("one.vm.disksnapshotrevert", id, 1, dsnap));
        awaitVm(id, POWEROFF, 0, 60);
        ok(admin().call("one.vm.disksnapshotdelete", id, 1, dsnap));
        awaitVm(id, POWEROFF, 0, 60);
        assertThat(Virsh.exec(List.of("qemu-img", "snapshot", "-l", clone), 30)).doesNotContain("snap-" + dsnap);
        // a disk attached and detached while off: made on the host's disk, then dropped
        ok(admin().call("one.vm.attach", id, "DISK=[ TYPE=fs, SIZE=2 ]"));
        awaitVm(id, POWEROFF, 0, 60);
        assertThat(vm(id).child("USER_TEMPLATE").text("ERROR")).isEmpty();
        assertThat(vmDir.resolve("disk.4")).exists();
        ok(admin().call("one.vm.detach", id, 4));
        awaitVm(id, POWEROFF, 0, 60);
        assertThat(vmDir.resolve("disk.4")).doesNotExist();
        ok(admin().call("one.vm.diskresize", id, 2, "16"));
        XmlNode grown = awaitVm(id, POWEROFF, 0, 60);
        assertThat(grown.child("USER_TEMPLATE").text("ERROR")).isEmpty();
        assertThat(Virsh.exec(List.of("qemu-img", "info", vmDir.resolve("disk.2").toString()), 30))
                .contains("virtual size: 16 MiB");
        ok(admin().call("one.vm.action", "resume", id));
        awaitVm(id, ACTIVE, RUNNING, 60);
        assertPings("guest answers ping after resume", 120, vmDirOf(id));
        // a new CONTEXT reaches the running guest: its CD-ROM gets the new ISO
        ok(admin().call("one.vm.updateconf", id, "CONTEXT=[ NETWORK=YES, SET_HOSTNAME=kvm-guest-2 ]", 1));
        awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(vm(id).child("USER_TEMPLATE").text("ERROR")).isEmpty();
        String ctxIso = vm(id).child("TEMPLATE").child("CONTEXT").text("DISK_ID");
        assertThat(Files.readString(vmDir.resolve("disk." + ctxIso), java.nio.charset.StandardCharsets.ISO_8859_1))
                .contains("SET_HOSTNAME='kvm-guest-2'");
        // a running VM's disk grows live
        ok(admin().call("one.vm.diskresize", id, 2, "24"));
        awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(vm(id).child("USER_TEMPLATE").text("ERROR")).isEmpty();
        assertThat(Virsh.exec(List.of("qemu-img", "info", "-U", vmDir.resolve("disk.2").toString()), 30))
                .contains("virtual size: 24 MiB");

        // suspend saves the guest's memory to a checkpoint; resume restores it (no new boot)
        ok(admin().call("one.vm.action", "suspend", id));
        awaitVm(id, SUSPENDED, 0, 60);
        assertThat(Files.exists(vmDir.resolve("checkpoint"))).isTrue();
        ok(admin().call("one.vm.action", "resume", id));
        awaitVm(id, ACTIVE, RUNNING, 60);
        assertPings("guest answers ping after restore", 30, vmDirOf(id));
        assertThat(Files.exists(vmDir.resolve("checkpoint"))).isFalse();

        // undeploy: the guest shuts down and its files wait on the front-end; resume boots it again on the host
        Path parked = rig.dir.resolve("front/datastores/0/" + id);
        ok(admin().call("one.vm.action", "undeploy", id));
        awaitVm(id, UNDEPLOYED, 0, 90);
        assertThat(Files.exists(vmDir)).as("nothing of the VM left on the host").isFalse();
        assertThat(parked.resolve("disk.0")).exists();
        ok(admin().call("one.vm.action", "resume", id));
        ok(admin().call("one.vm.deploy", id, rig.host, false, -1));
        awaitVm(id, ACTIVE, RUNNING, 120);
        assertThat(parked).doesNotExist();
        assertPings("guest answers ping after undeploy and resume", 120, vmDirOf(id));
        assertThat(Virsh.exec(List.of("qemu-img", "info", "-U", vmDir.resolve("disk.1").toString()), 30))
                .contains("backing file: " + rig.agentData.resolve("cache"));
        // stop: saved with its memory and moved to the front-end; resume restores it where it was
        ok(admin().call("one.vm.action", "stop", id));
        awaitVm(id, STOPPED, 0, 120);
        assertThat(parked.resolve("checkpoint")).exists();
        assertThat(Files.exists(vmDir)).isFalse();
        ok(admin().call("one.vm.action", "resume", id));
        ok(admin().call("one.vm.deploy", id, rig.host, false, -1));
        awaitVm(id, ACTIVE, RUNNING, 120);
        assertPings("guest answers ping after stop and resume", 30, vmDirOf(id));

        Virsh virsh = new Virsh("qemu:///system");
        String dom = "one-" + id;
        // reboot (ACPI request: this guest has no reboot handler, so it keeps running) and reset (a hard one)
        ok(admin().call("one.vm.action", "reboot", id));
        awaitVm(id, ACTIVE, RUNNING, 60);
        ok(admin().call("one.vm.action", "reboot-hard", id));
        awaitVm(id, ACTIVE, RUNNING, 60);
        assertPings("guest answers ping after reset", 120, vmDirOf(id));

        // a system snapshot with memory, reverted and deleted
        int snap = ok(admin().call("one.vm.snapshotcreate", id, "before")).intValue();
        awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(virsh.run("snapshot-list", dom, "--name")).contains("snap-" + snap);
        ok(admin().call("one.vm.snapshotrevert", id, snap));
        awaitVm(id, ACTIVE, RUNNING, 60);
        assertPings("guest answers ping after snapshot revert", 30, vmDirOf(id));
        ok(admin().call("one.vm.snapshotdelete", id, snap));
        awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(virsh.run("snapshot-list", dom, "--name")).doesNotContain("snap-" + snap);

        // hot-plug: a volatile disk and a second NIC, then out again
        ok(admin().call("one.vm.attach", id, "DISK=[ TYPE=fs, SIZE=4, DEV_PREFIX=vd ]"));
        XmlNode attached = awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(attached.child("USER_TEMPLATE").text("ERROR")).isEmpty();
        assertThat(virsh.run("domblklist", dom)).contains(vmDir.resolve("disk.4").toString());
        ok(admin().call("one.vm.detach", id, 4));
        awaitVm(id, ACTIVE, RUNNING, 60);
        await().atMost(Duration.ofSeconds(20)).until(() ->
                !virsh.run("domblklist", dom).contains(vmDir.resolve("disk.4").toString()));
        assertThat(Files.exists(vmDir.resolve("disk.4"))).isFalse();
        ok(admin().call("one.vm.attachnic", id, "NIC=[ NETWORK_ID=" + net + " ]"));
        XmlNode withTwo = awaitVm(id, ACTIVE, RUNNING, 60);
        assertThat(withTwo.child("USER_TEMPLATE").text("ERROR")).isEmpty();
        assertThat(virsh.run("domiflist", dom).lines().filter(l -> l.contains(rig.kvm.bridge())).count()).isEqualTo(2);
        // the guest's context CD-ROM now tells it the new NIC's address too, and without it after the detach
        String ip1 = withTwo.child("TEMPLATE").all("NIC").get(1).text("IP");
        awaitGuestContext(vmDir, "ETH0_IP=" + GUEST_IP, "ETH1_IP=" + ip1);
        ok(admin().call("one.vm.detachnic", id, 1));
        awaitVm(id, ACTIVE, RUNNING, 60);
        await().atMost(Duration.ofSeconds(20)).until(() ->
                virsh.run("domiflist", dom).lines().filter(l -> l.contains(rig.kvm.bridge())).count() == 1);
        awaitGuestContext(vmDir, "ETH0_IP=" + GUEST_IP);

        ok(admin().call("one.vm.action", "terminate-hard", id));
        awaitVm(id, DONE, 0, 60);
        assertThat(new Virsh("qemu:///system").tryRun("domstate", "one-" + id).ok()).isFalse();
        assertThat(Files.exists(vmDir)).as("nothing left of the VM on the host").isFalse();
        try (Stream<Path> s = Files.list(rig.agentData.resolve("cache"))) {
            assertThat(s.filter(p -> p.toString().endsWith(".part")).count()).isZero();
        }
        // the persistent image got the guest's writes back
        Path raw = rig.dir.resolve("data.raw");
        Virsh.exec(List.of("qemu-img", "convert", "-O", "raw", dataSource.toString(), raw.toString()), 60);
        assertThat(new String(Files.readAllBytes(raw), 0, 14, java.nio.charset.StandardCharsets.US_ASCII))
                .isEqualTo("nimbo-was-here");
    }

    /**
     * Waits until the guest's latest report of its context CD-ROM (see the start script) holds exactly the NIC
     * addresses {@code expected} ("ETH0_IP=10.0.0.1", ...; the report also shows the start script's own pattern, which
     * names no NIC).
     */
    private static void awaitGuestContext(Path vmDir, String... expected) {
        Pattern address = Pattern.compile("(ETH\\d+_IP)='?([0-9.]+)");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            String console = Files.readString(vmDir.resolve("console.log"),
                    java.nio.charset.StandardCharsets.ISO_8859_1);
            List<String> reports = console.lines().map(String::strip).filter(l -> l.startsWith("nimbo-ctx ")).toList();
            assertThat(reports).as("the guest's reports of its context CD-ROM; its console ends with %s",
                    console.substring(Math.max(0, console.length() - 1500))).isNotEmpty();
            Matcher m = address.matcher(reports.get(reports.size() - 1));
            List<String> seen = new java.util.ArrayList<>();
            while (m.find()) {
                seen.add(m.group(1) + "=" + m.group(2));
            }
            assertThat(seen).as(reports.get(reports.size() - 1)).containsExactly(expected);
        });
    }

    /**
     * The agent's network drivers through nimbod with a real guest: a {@code bridge} network whose bridge and
     * uplink (PHYDEV, a veth to a namespace of our own) the agent makes on deploy, with the guest's security group
     * chains changed live by attachsg, detachsg and a group's update, and removes on terminate; an 802.1Q network
     * with a PHYDEV the host lacks fails the VM with the driver's reason.
     */
    @Test
    void aGuestOnABridgeNetworkGetsItsBridgeMadeAndRemovedByTheAgent() throws Exception {
        dev.nimbo.agent.net.HostShell sh = dev.nimbo.agent.net.HostShell.host();
        String ns = "n10e2e";
        sh.ok("ip", "netns", "del", ns);
        sh.ok("ip", "link", "del", "n10up0");
        sh.ok("ip", "link", "del", "n10br0");
        sh.run("ip", "netns", "add", ns);
        int id = -1;
        try {
            sh.run("ip", "link", "add", "n10up0", "type", "veth", "peer", "name", "n10up1", "netns", ns);
            sh.run("ip", "link", "set", "n10up0", "up");
            sh.run("ip", "-n", ns, "addr", "add", "10.214.0.1/24", "dev", "n10up1");
            sh.run("ip", "-n", ns, "link", "set", "n10up1", "up");
            String os = rig.applianceOs() + "CONTEXT=[ NETWORK=YES ]\nCPU=0.5\nVCPU=1\nMEMORY=160\n";

            // a driver error is the VM's error
            int broken = ok(admin().call("one.vn.allocate", "NAME=n10-broken\nVN_MAD=802.1Q\nBRIDGE=n10br1\n"
                    + "PHYDEV=n10nope\nVLAN_ID=4000\nAR=[ TYPE=IP4, IP=10.215.0.5, SIZE=1 ]", -1)).intValue();
            int failing = ok(admin().call("one.vm.allocate", os + "NIC=[ NETWORK_ID=" + broken + " ]", false))
                    .intValue();
            ok(admin().call("one.vm.deploy", failing, rig.host, false, -1));
            try {
                // (its kernel and initrd reach the host first: slow on a loaded machine)
                await().atMost(Duration.ofSeconds(180)).until(() -> vm(failing).integer("LCM_STATE", -1) == 36);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("VM " + failing + " did not fail its boot: STATE " + vm(failing).text("STATE")
                        + ", LCM_STATE " + vm(failing).text("LCM_STATE") + ", ERROR "
                        + vm(failing).child("USER_TEMPLATE").text("ERROR"), e);
            }
            assertThat(vm(failing).child("USER_TEMPLATE").text("ERROR"))
                    .contains("PHYDEV n10nope does not exist on this host");
            assertThat(sh.linkExists("n10br1")).isFalse();
            ok(admin().call("one.vm.action", "terminate-hard", failing));

            int net = ok(admin().call("one.vn.allocate", "NAME=n10-bridged\nVN_MAD=bridge\nBRIDGE=n10br0\n"
                    + "PHYDEV=n10up0\nNETWORK_MASK=255.255.255.0\nAR=[ TYPE=IP4, IP=10.214.0.50, SIZE=2 ]", -1))
                    .intValue();
            id = ok(admin().call("one.vm.allocate", os + "NIC=[ NETWORK_ID=" + net + " ]", false)).intValue();
            int vmId = id;
            ok(admin().call("one.vm.deploy", id, rig.host, false, -1));
            awaitVm(id, ACTIVE, RUNNING, 120);
            assertThat(sh.run("ip", "-o", "link", "show", "master", "n10br0")).contains("n10up0")
                    .contains("one-" + id + "-0");
            assertThat(sh.run("nft", "list", "chain", "bridge", "nimbo", "one-" + id + "-0-o"))
                    .contains("ether saddr != 02:00:0a:d6:00:32 drop").contains("ip saddr != 10.214.0.50 drop");
            await().atMost(Duration.ofSeconds(120)).until(() ->
                    sh.ok("ip", "netns", "exec", ns, "busybox", "ping", "-c", "1", "-W", "1", "10.214.0.50"));

            // security groups change live: a group without ICMP in place of the default one blocks ping, and
            // ICMP committed into it lets ping through again
            int sg = ok(admin().call("one.secgroup.allocate", "NAME=n10-sg\nRULE=[ PROTOCOL=TCP, RULE_TYPE=inbound,"
                    + " RANGE=22 ]\nRULE=[ PROTOCOL=ALL, RULE_TYPE=outbound ]")).intValue();
            ok(admin().call("one.vm.attachsg", id, 0, sg));
            for (String group : vm(id).child("TEMPLATE").child("NIC").text("SECURITY_GROUPS").split(",")) {
                if (!group.isBlank() && Integer.parseInt(group.strip()) != sg) {
                    ok(admin().call("one.vm.detachsg", id, 0, Integer.parseInt(group.strip())));
                }
            }
            String inChain = "one-" + id + "-0-i";
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                String chain = sh.run("nft", "list", "chain", "bridge", "nimbo", inChain);
                return chain.contains("tcp dport 22") && !chain.contains("l4proto != 255"); // group 0's inbound ALL
            });
            assertThat(sh.ok("ip", "netns", "exec", ns, "busybox", "ping", "-c", "2", "-W", "1", "10.214.0.50"))
                    .as("ICMP is not in the group").isFalse();
            ok(admin().call("one.secgroup.update", sg, "RULE=[ PROTOCOL=ICMP, RULE_TYPE=inbound ]\n"
                    + "RULE=[ PROTOCOL=ALL, RULE_TYPE=outbound ]", 0));
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    sh.ok("ip", "netns", "exec", ns, "busybox", "ping", "-c", "1", "-W", "1", "10.214.0.50"));
            assertThat(sh.run("nft", "list", "chain", "bridge", "nimbo", inChain)).doesNotContain("dport");
            await().atMost(Duration.ofSeconds(30)).until(() -> XmlNode.parse(ok(admin().call("one.secgroup.info", sg))
                    .stringValue()).child("UPDATED_VMS").all("ID").stream().map(XmlNode::text)
                    .anyMatch(v -> v.equals(String.valueOf(vmId))));

            ok(admin().call("one.vm.action", "terminate-hard", id));
            awaitVm(id, DONE, 0, 60);
            assertThat(sh.linkExists("n10br0")).as("the bridge goes with its last guest").isFalse();
            assertThat(sh.run("ip", "-o", "link", "show", "n10up0")).doesNotContain("master");
            assertThat(sh.ok("nft", "list", "chain", "bridge", "nimbo", "one-" + vmId + "-0-o")).isFalse();
        } finally {
            if (id >= 0) {
                new Virsh("qemu:///system").tryRun("destroy", "one-" + id);
            }
            sh.ok("ip", "link", "del", "n10br0");
            sh.ok("ip", "link", "del", "n10up0");
            sh.ok("ip", "netns", "del", ns);
        }
    }

    @Test
    void domainsTheFrontEndDidNotPlaceAreReportedAsWilds() throws Exception {
        if (rig.agent.connection.sessions() == 0 || hostInfo().integer("STATE", -1) != 2) {
            rig.stopAgent(); // the other test stopped half-way: start from a connected agent again
            rig.startAgent(null);
            await().atMost(Duration.ofSeconds(30)).until(() -> hostInfo().integer("STATE", -1) == 2);
        }
        Path xml = rig.dir.resolve("wild.xml");
        // a tiny domain with no disk: SeaBIOS idles, enough to be a running domain
        Files.writeString(xml, "<domain type='qemu'><name>nimbo-test-wild</name><memory unit='MiB'>32</memory>"
                + "<vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os></domain>");
        Virsh virsh = new Virsh("qemu:///system");
        virsh.run("create", xml.toString());
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> hostInfo().child("TEMPLATE").all("VM").stream()
                    .anyMatch(v -> "nimbo-test-wild".equals(v.text("DEPLOY_ID"))));
        } finally {
            virsh.tryRun("destroy", "nimbo-test-wild");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> hostInfo().child("TEMPLATE").all("VM").stream()
                .noneMatch(v -> "nimbo-test-wild".equals(v.text("DEPLOY_ID"))));
    }
}
