package dev.nimbo.server.edge;

import static dev.nimbo.server.agent.KvmFrontEnd.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.agent.libvirt.LibvirtVmm;
import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.server.agent.InProcessAgent;
import dev.nimbo.server.agent.KvmFrontEnd;
import dev.nimbo.testing.WanRelay;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
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

    KvmFrontEnd front;
    WanRelay link;
    InProcessAgent agent;
    int host;

    @BeforeAll
    void start() throws Exception {
        // libvirt domains are named one-ID on a machine other tests share: our VM IDs start far from theirs
        front = new KvmFrontEnd("edge9-site", 8700, Map.of("nimbo.agent.heartbeat", "2"));
        link = WanRelay.loopback(front.agentPort, WanRelay.Shape.wan(Duration.ofMillis(200), Duration.ofMillis(5),
                100));
        host = ok(front.admin.call("one.host.allocate", "edge9-site-a", "kvm", "kvm", -1)).intValue();
        startAgent(front.tokenOf(host));
        await().atMost(Duration.ofSeconds(60)).until(() -> hostState() == HOST_MONITORED);
    }

    /** The site's agent, in this JVM, reaching the front-end only through the relay. */
    void startAgent(String token) {
        agent = new InProcessAgent("127.0.0.1", link.port(), token, front.dir.resolve("agent"), store ->
                new LibvirtVmm(new Virsh("qemu:///system"), store, "qemu", Duration.ofSeconds(20)), null, h -> h);
    }

    void stopAgent() throws InterruptedException {
        agent.close();
    }

    @AfterAll
    void stop() throws Exception {
        if (agent != null) {
            stopAgent();
        }
        if (link != null) {
            link.close();
        }
        if (front != null) {
            front.close();
        }
    }

    /** The front-end's client (a new one after a restart). */
    OneClient admin() {
        return front.admin;
    }

    int hostState() {
        return front.hostInfo(host).integer("STATE", -1);
    }

    XmlNode vm(int id) {
        return front.vm(id);
    }

    void awaitVm(int id, int state, int lcm, int seconds) {
        front.awaitVm(id, state, lcm, seconds);
    }

    /** Pings the guest from inside the site once a second while it runs; counts the misses. */
    final class SitePing implements AutoCloseable {
        final AtomicInteger sent = new AtomicInteger();
        final AtomicInteger missed = new AtomicInteger();
        volatile boolean stop;
        final Thread thread = Thread.ofVirtual().start(() -> {
            while (!stop) {
                sent.incrementAndGet();
                if (!front.kvm.ping(GUEST_IP, 3)) {
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
        int net = ok(admin().call("one.vn.allocate", "NAME=edge-net\nVN_MAD=dummy\nBRIDGE=" + front.kvm.bridge()
                + "\nNETWORK_MASK=255.255.255.0\nAR=[ TYPE=IP4, IP=" + GUEST_IP + ", SIZE=1 ]", -1)).intValue();

        // life cycle over 200 ms RTT: the kernel and initrd (15 MB) cross the 100 Mbit/s link at deploy
        long t0 = System.nanoTime();
        int guest = ok(admin().call("one.vm.allocate", "NAME=edge-guest\nCPU=0.5\nVCPU=1\nMEMORY=128\n"
                + front.applianceOs() + "NIC=[ NETWORK_ID=" + net + " ]\n"
                + "CONTEXT=[ NETWORK=YES ]", false)).intValue();
        ok(admin().call("one.vm.deploy", guest, host, false, -1));
        awaitVm(guest, ACTIVE, RUNNING, 180);
        System.out.println("edge: deploy over 200 ms RTT / 100 Mbit/s (15 MB of images) took "
                + (System.nanoTime() - t0) / 1_000_000 + " ms");
        assertThat(front.kvm.ping(GUEST_IP, 150)).as("the guest answers ping in its site").isTrue();
        // a second VM, a bare domain, to be stopped on the host while nobody can see it
        int idle = ok(admin().call("one.vm.allocate", "NAME=edge-idle\nCPU=0.1\nVCPU=1\nMEMORY=32", false)).intValue();
        ok(admin().call("one.vm.deploy", idle, host, false, -1));
        awaitVm(idle, ACTIVE, RUNNING, 60);

        // ---- cut 1: an operation in flight, the guest keeps answering, the front-end keeps VM states
        link.cut();
        // sent before the front-end notices the cut: the request is lost on the way, the VM waits in its transition
        ok(admin().call("one.vm.action", "poweroff-hard", guest));
        long cutFrom = System.currentTimeMillis() / 1000;
        try (SitePing ping = new SitePing()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> hostState() == HOST_ERROR);
            assertThat(vm(idle).integer("LCM_STATE", -1)).as("no false failure").isEqualTo(RUNNING);
            OneResponse refused = admin().call("one.vm.action", "poweroff", idle);
            assertThat(refused.ok()).isFalse();
            assertThat(refused.message()).contains("unreachable");
            assertThat(refused.errorCode()).isEqualTo(0x800);
            assertThat(vm(idle).integer("LCM_STATE", -1)).isEqualTo(RUNNING);
            new Virsh("qemu:///system").run("destroy", "one-" + idle); // stops on the host during the cut
            long end = System.nanoTime() + Duration.ofSeconds(CUT_SECONDS).toNanos();
            while (System.nanoTime() < end) {
                Thread.sleep(250);
            }
            assertThat(agent.connection.buffered()).as("monitoring kept while cut off").isGreaterThan(0);
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
            await().atMost(Duration.ofSeconds(20)).until(() -> XmlNode.parse(ok(admin().call("one.host.monitoring",
                    host)).stringValue()).all("MONITORING").stream().map(m -> m.longValue("TIMESTAMP", 0))
                    .anyMatch(t -> t > cutFrom && t <= cutTo));
        }

        // ---- resume, then cut 2: the agent and the front-end both restart while the site is cut off
        ok(admin().call("one.vm.action", "resume", guest));
        awaitVm(guest, ACTIVE, RUNNING, 120);
        assertThat(front.kvm.ping(GUEST_IP, 150)).as("the guest answers ping after resume").isTrue();
        link.cut();
        try (SitePing ping = new SitePing()) {
            stopAgent();
            startAgent(null);
            front.server.close();
            front.startServer();
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

        ok(admin().call("one.vm.action", "terminate-hard", guest));
        ok(admin().call("one.vm.action", "terminate-hard", idle));
        awaitVm(guest, DONE, 0, 90);
        awaitVm(idle, DONE, 0, 90);
        assertThat(new Virsh("qemu:///system").tryRun("domstate", "one-" + guest).ok()).isFalse();
    }
}
