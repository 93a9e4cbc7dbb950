package dev.nimbo.server.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.agent.AgentHandler;
import dev.nimbo.agent.host.HostProbe;
import dev.nimbo.agent.libvirt.LibvirtVmm;
import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.agent.link.AgentConnection;
import dev.nimbo.agent.store.HostStore;
import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.server.NimboServer;
import dev.nimbo.server.ServerConfig;
import dev.nimbo.testing.KvmFixture;
import dev.nimbo.testing.NimbodProcess;
import dev.nimbo.testing.WanRelay;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An edge site behind an emulated WAN ({@link WanRelay}: 200 ms RTT, 100 Mbit/s, jitter): its agent reaches the
 * front-end only through the relay, a real QEMU guest runs there. Proves, with one guest boot:
 * <ul>
 * <li>the life cycle over the long link: images sent, deploy, a poweroff in flight when the link is cut completes
 * after it returns, resume;
 * <li>a cut link (default 10 s, {@code -Dnimbo.test.edgeCutSeconds}): the guest answers ping inside the site the
 * whole time, the host goes to ERROR while the VMs stay RUNNING, a VM action is refused as "host unreachable",
 * a VM whose domain stopped during the cut is POWEROFF after reconciliation, the monitoring the agent took while
 * cut off reaches the history; the reconcile time is printed;
 * <li>the agent and the front-end both restarting during a cut: everything reconnects by itself when it ends.
 * </ul>
 * Tagged {@code kvm}.
 */
@Tag("kvm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EdgeSiteTest {
    static final int ACTIVE = 3;
    static final int RUNNING = 3;
    static final int POWEROFF = 8;
    static final int DONE = 6;
    static final int HOST_MONITORED = 2;
    static final int HOST_ERROR = 3;
    /** Not the address KvmHostTest uses: both may run at once on a shared machine. */
    static final String GUEST_IP = "10.213.0.190";
    static final int CUT_SECONDS = Integer.getInteger("nimbo.test.edgeCutSeconds", 10);

    KvmFixture.Ready kvm;
    Path dir;
    NimboServer server;
    OneClient admin;
    WanRelay link;
    AgentConnection agent;
    Thread agentThread;
    Path agentData;
    int agentPort;
    int host;
    final List<String> domains = new java.util.ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        kvm = KvmFixture.ensureReady();
        dir = Files.createTempDirectory("edge9-site-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        agentPort = NimbodProcess.freePort();
        startServer();
        link = WanRelay.loopback(agentPort, WanRelay.Shape.wan(Duration.ofMillis(200), Duration.ofMillis(5), 100));
        host = ok(admin.call("one.host.allocate", "edge9-site-a", "kvm", "kvm", -1)).intValue();
        String token = XmlNode.parse(ok(admin.call("one.host.info", host)).stringValue()).child("TEMPLATE")
                .text("AGENT_TOKEN");
        agentData = dir.resolve("agent");
        Files.createDirectories(agentData);
        startAgent(token);
        await().atMost(Duration.ofSeconds(60)).until(() -> hostState() == HOST_MONITORED);
        // libvirt domains are named one-ID on a machine other tests share: start our VM IDs far from theirs
        for (int i = 0; i < 40; i++) {
            int id = ok(admin.call("one.vm.allocate", "NAME=filler\nCPU=0.1\nMEMORY=8", true)).intValue();
            ok(admin.call("one.vm.action", "terminate-hard", id));
        }
    }

    void startServer() throws Exception {
        System.setProperty("nimbo.agent.port", Integer.toString(agentPort));
        System.setProperty("nimbo.agent.heartbeat", "2");
        System.setProperty("nimbo.host.monitorInterval", "1");
        System.setProperty("nimbo.vm.monitorInterval", "1");
        System.setProperty("nimbo.sched.interval", "0");
        try {
            server = NimboServer.start(new ServerConfig(dir.resolve("front"), "127.0.0.1", 0, null, 0,
                    ServerConfig.DEFAULT_MAX_REQUEST_BYTES, 1000));
        } finally {
            for (String p : List.of("nimbo.agent.port", "nimbo.agent.heartbeat", "nimbo.host.monitorInterval",
                    "nimbo.vm.monitorInterval", "nimbo.sched.interval")) {
                System.clearProperty(p);
            }
        }
        admin = new OneClient(URI.create("http://127.0.0.1:" + server.port() + "/RPC2"),
                Files.readString(dir.resolve("front/one_auth")).strip());
    }

    void startAgent(String token) {
        HostStore store = new HostStore(agentData);
        HostProbe probe = new HostProbe(Path.of("/proc"), Path.of("/sys"), agentData, List.of());
        agent = new AgentConnection("127.0.0.1", link.port(), token, agentData, Duration.ofSeconds(2),
                new AgentHandler(probe, store,
                        new LibvirtVmm(new Virsh("qemu:///system"), store, "qemu", Duration.ofSeconds(20))),
                () -> dev.nimbo.agent.NimboAgent.sample(probe, "qemu"), Duration.ofSeconds(1));
        AgentConnection a = agent;
        agentThread = Thread.ofVirtual().start(() -> {
            try {
                a.run();
            } catch (Exception e) {
                // closed by the test
            }
        });
    }

    void stopAgent() throws InterruptedException {
        agent.close();
        agentThread.join(5000);
    }

    @AfterAll
    void stop() throws Exception {
        Virsh virsh = new Virsh("qemu:///system");
        for (String d : domains) {
            virsh.tryRun("destroy", d);
        }
        if (agent != null) {
            stopAgent();
        }
        if (link != null) {
            link.close();
        }
        if (server != null) {
            server.close();
        }
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    int hostState() {
        return XmlNode.parse(ok(admin.call("one.host.info", host)).stringValue()).integer("STATE", -1);
    }

    XmlNode vm(int id) {
        return XmlNode.parse(ok(admin.call("one.vm.info", id)).stringValue());
    }

    void awaitVm(int id, int state, int lcm, int seconds) {
        await().atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(100)).until(() -> {
            XmlNode v = vm(id);
            int l = v.integer("LCM_STATE", -1);
            if (v.integer("STATE", -1) == ACTIVE && dev.nimbo.core.vm.LcmState.of(l).isFailure()) {
                throw new AssertionError("VM " + id + " failed: " + v.child("USER_TEMPLATE").text("ERROR"));
            }
            return v.integer("STATE", -1) == state && (state != ACTIVE || l == lcm);
        });
    }

    static OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as(r.message()).isTrue();
        return r;
    }

    int image(String template, int ds) {
        int id = ok(admin.call("one.image.allocate", template, ds)).intValue();
        await().atMost(Duration.ofSeconds(60)).until(() ->
                XmlNode.parse(ok(admin.call("one.image.info", id)).stringValue()).integer("STATE", -1) == 1);
        return id;
    }

    /** Pings the guest from inside the site once a second while it runs; counts the misses. */
    final class SitePing implements AutoCloseable {
        final AtomicInteger sent = new AtomicInteger();
        final AtomicInteger missed = new AtomicInteger();
        volatile boolean stop;
        final Thread thread = Thread.ofVirtual().start(() -> {
            while (!stop) {
                sent.incrementAndGet();
                if (!kvm.ping(GUEST_IP, 3)) {
                    missed.incrementAndGet();
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        @Override
        public void close() throws InterruptedException {
            stop = true;
            thread.join(10_000);
        }
    }

    @Test
    void aSiteKeepsRunningThroughCutsAndRestartsAndReconcilesWhenItsLinkReturns() throws Exception {
        String safe = kvm.appliance().toString();
        int files = ok(admin.call("one.datastore.allocate", "NAME=edge-files\nTYPE=FILE_DS\nDS_MAD=fs\nTM_MAD=shared\n"
                + "SAFE_DIRS=\"" + safe + "\"", -1)).intValue();
        await().atMost(Duration.ofSeconds(60)).until(() -> XmlNode.parse(ok(admin.call("one.datastore.info", files))
                .stringValue()).longValue("FREE_MB", 0) > 0);
        int kernel = image("NAME=edge-kernel\nTYPE=KERNEL\nPATH=\"" + safe + "/vmlinuz\"", files);
        int initrd = image("NAME=edge-initrd\nTYPE=RAMDISK\nPATH=\"" + safe + "/initrd.img\"", files);
        int net = ok(admin.call("one.vn.allocate", "NAME=edge-net\nVN_MAD=dummy\nBRIDGE=" + kvm.bridge()
                + "\nNETWORK_MASK=255.255.255.0\nAR=[ TYPE=IP4, IP=" + GUEST_IP + ", SIZE=1 ]", -1)).intValue();

        // life cycle over 200 ms RTT: the kernel and initrd (15 MB) cross the 100 Mbit/s link at deploy
        long t0 = System.nanoTime();
        int guest = ok(admin.call("one.vm.allocate", "NAME=edge-guest\nCPU=0.5\nVCPU=1\nMEMORY=128\n"
                + "OS=[ KERNEL_DS=\"$FILE[IMAGE_ID=" + kernel + "]\", INITRD_DS=\"$FILE[IMAGE_ID=" + initrd + "]\","
                + " KERNEL_CMD=\"console=ttyS0 quiet\" ]\nNIC=[ NETWORK_ID=" + net + " ]\n"
                + "CONTEXT=[ NETWORK=YES ]", false)).intValue();
        domains.add("one-" + guest);
        ok(admin.call("one.vm.deploy", guest, host, false, -1));
        awaitVm(guest, ACTIVE, RUNNING, 180);
        System.out.println("edge: deploy over 200 ms RTT / 100 Mbit/s (15 MB of images) took "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertThat(kvm.ping(GUEST_IP, 150)).as("the guest answers ping in its site").isTrue();
        // a second VM, a bare domain, to be stopped on the host while nobody can see it
        int idle = ok(admin.call("one.vm.allocate", "NAME=edge-idle\nCPU=0.1\nVCPU=1\nMEMORY=32", false)).intValue();
        domains.add("one-" + idle);
        ok(admin.call("one.vm.deploy", idle, host, false, -1));
        awaitVm(idle, ACTIVE, RUNNING, 60);

        // ---- cut 1: an operation in flight, the guest keeps answering, the front-end keeps VM states
        link.cut();
        // sent before the front-end notices the cut: the request is lost on the way, the VM waits in its transition
        ok(admin.call("one.vm.action", "poweroff-hard", guest));
        long cutFrom = System.currentTimeMillis() / 1000;
        try (SitePing ping = new SitePing()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> hostState() == HOST_ERROR);
            assertThat(vm(idle).integer("LCM_STATE", -1)).as("no false failure").isEqualTo(RUNNING);
            OneResponse refused = admin.call("one.vm.action", "poweroff", idle);
            assertThat(refused.ok()).isFalse();
            assertThat(refused.message()).contains("unreachable");
            assertThat(refused.errorCode()).isEqualTo(0x800);
            assertThat(vm(idle).integer("LCM_STATE", -1)).isEqualTo(RUNNING);
            new Virsh("qemu:///system").run("destroy", "one-" + idle); // stops on the host during the cut
            long end = System.nanoTime() + Duration.ofSeconds(CUT_SECONDS).toNanos();
            while (System.nanoTime() < end) {
                Thread.sleep(250);
            }
            assertThat(agent.buffered()).as("monitoring kept while cut off").isGreaterThan(0);
            long cutTo = System.currentTimeMillis() / 1000;
            long restored = System.nanoTime();
            link.restore();
            ping.close();
            assertThat(ping.missed.get()).as("pings missed inside the site (of " + ping.sent.get() + ")").isZero();
            assertThat(ping.sent.get()).isGreaterThanOrEqualTo(3);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() ->
                    hostState() == HOST_MONITORED && vm(idle).integer("STATE", -1) == POWEROFF);
            System.out.println("edge: reconciled " + (System.nanoTime() - restored) / 1_000_000
                    + " ms after the link returned (host MONITORED, a VM stopped during the cut POWEROFF)");
            // the poweroff that was cut off completes by itself
            awaitVm(guest, POWEROFF, 0, 90);
            await().atMost(Duration.ofSeconds(20)).until(() -> XmlNode.parse(ok(admin.call("one.host.monitoring",
                    host)).stringValue()).all("MONITORING").stream().map(m -> m.longValue("TIMESTAMP", 0))
                    .anyMatch(t -> t > cutFrom && t <= cutTo));
        }

        // ---- resume, then cut 2: the agent and the front-end both restart while the site is cut off
        ok(admin.call("one.vm.action", "resume", guest));
        awaitVm(guest, ACTIVE, RUNNING, 120);
        assertThat(kvm.ping(GUEST_IP, 150)).as("the guest answers ping after resume").isTrue();
        link.cut();
        try (SitePing ping = new SitePing()) {
            stopAgent();
            startAgent(null);
            server.close();
            startServer();
            await().atMost(Duration.ofSeconds(30)).until(() -> hostState() == HOST_ERROR);
            assertThat(vm(guest).integer("LCM_STATE", -1)).isEqualTo(RUNNING);
            long end = System.nanoTime() + Duration.ofSeconds(CUT_SECONDS).toNanos();
            while (System.nanoTime() < end) {
                Thread.sleep(250);
            }
            long restored = System.nanoTime();
            link.restore();
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() ->
                    hostState() == HOST_MONITORED);
            System.out.println("edge: after agent and front-end restarts during a cut, host MONITORED "
                    + (System.nanoTime() - restored) / 1_000_000 + " ms after the link returned");
            ping.close();
            assertThat(ping.missed.get()).as("pings missed inside the site (of " + ping.sent.get() + ")").isZero();
        }
        assertThat(vm(guest).integer("LCM_STATE", -1)).isEqualTo(RUNNING);
        long before = System.currentTimeMillis() / 1000;
        await().atMost(Duration.ofSeconds(30)).until(() -> vm(guest).child("MONITORING").longValue("TIMESTAMP", 0)
                >= before);

        ok(admin.call("one.vm.action", "terminate-hard", guest));
        ok(admin.call("one.vm.action", "terminate-hard", idle));
        awaitVm(guest, DONE, 0, 90);
        awaitVm(idle, DONE, 0, 90);
        assertThat(new Virsh("qemu:///system").tryRun("domstate", "one-" + guest).ok()).isFalse();
    }
}
