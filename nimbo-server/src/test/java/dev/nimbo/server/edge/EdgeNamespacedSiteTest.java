package dev.nimbo.server.edge;

import static dev.nimbo.server.agent.KvmFrontEnd.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.client.OneClient;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.server.agent.KvmFrontEnd;
import dev.nimbo.testing.KvmFixture;
import dev.nimbo.testing.PingWatch;
import dev.nimbo.testing.WanRelay;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An edge site that is a host of its own: a network namespace with its own addresses and libvirtd
 * ({@code scripts/kvm-second-host.sh}) where its own agent process runs. The front-end's agent port listens on
 * loopback only, so the site reaches it solely through a {@link WanRelay} (200 ms RTT, 100 Mbit/s) listening on the
 * management bridge. A real guest boots there and answers ping from inside the site; the link is cut (default 10 s,
 * {@code -Dnimbo.test.edgeCutSeconds}): the guest keeps answering, the host goes to ERROR, the VM stays RUNNING; the
 * link returns: the host is MONITORED again; terminate leaves no domain nor file. Tagged {@code kvm}.
 */
@Tag("kvm")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EdgeNamespacedSiteTest {
    static final int ACTIVE = 3;
    static final int RUNNING = 3;
    static final int DONE = 6;
    static final int HOST_MONITORED = 2;
    static final int HOST_ERROR = 3;
    static final int FIRST_VM_ID = 8800;
    /** On the mig9 guest network, away from KvmMigrationTest's guests. */
    static final String GUEST_IP = "10.219.0.150";
    /** The site's own address on its guest bridge, to ping its guests from inside the site. */
    static final String SITE_GUEST_NET_IP = "10.219.0.151";
    static final int CUT_SECONDS = Integer.getInteger("nimbo.test.edgeCutSeconds", 10);

    KvmFixture.Ready kvm;
    KvmFixture.NamespacedHost site;
    KvmFrontEnd front;
    Path dir;
    OneClient admin;
    WanRelay link;
    Process agent;
    int host;

    @BeforeAll
    void start() throws Exception {
        kvm = KvmFixture.ensureReady();
        site = KvmFixture.namespacedHost("mig9nss1", 187);
        Virsh.exec(List.of("ip", "netns", "exec", site.name(), "sh", "-c", "ip -o addr show dev " + site.bridge()
                + " | grep -q 'inet " + SITE_GUEST_NET_IP + "/' || ip addr add " + SITE_GUEST_NET_IP + "/24 dev "
                + site.bridge()), 10);
        // the agent port binds the XML-RPC address, loopback: the namespaced site cannot reach it but by the relay
        front = new KvmFrontEnd("nss-site", FIRST_VM_ID, Map.of("nimbo.agent.heartbeat", "2"));
        front.cleansUp(site.libvirtUri());
        dir = front.dir;
        admin = front.admin;
        WanRelay.Shape wan = WanRelay.Shape.wan(Duration.ofMillis(200), Duration.ofMillis(5), 100);
        link = WanRelay.start(new InetSocketAddress(site.managementGateway(), 0),
                new InetSocketAddress("127.0.0.1", front.agentPort), wan, wan);
        host = ok(admin.call("one.host.allocate", "nss-site-1", "kvm", "kvm", -1)).intValue();
        String token = front.tokenOf(host);
        Path agentData = dir.resolve("agent");
        Files.createDirectories(agentData);
        // its own process inside the site's namespaces, on the site's libvirtd, dialling the relay's address
        agent = KvmFixture.startInHost(site, dir.resolve("agent.log"), List.of(
                ProcessHandle.current().info().command().orElse("java"), "-Xmx192m",
                "-Dlogback.configurationFile=logback.xml", // the agent's own logging (INFO to its log), not the tests'
                "-cp", System.getProperty("java.class.path"), "dev.nimbo.agent.NimboAgent",
                "--frontend", site.managementGateway() + ":" + link.port(), "--token", token,
                "--data", agentData.toString(), "--heartbeat", "2", "--monitor-interval", "1",
                "--domain-type", "qemu", "--libvirt-uri", "qemu:///system"));
        explained(() -> await().atMost(Duration.ofSeconds(90)).until(() -> hostState() == HOST_MONITORED));
    }

    @AfterAll
    void stop() throws Exception {
        if (agent != null) {
            KvmFixture.stopInHost(agent);
        }
        if (link != null) {
            link.close();
        }
        if (front != null) {
            front.close();
        }
        if (site != null) {
            KvmFixture.removeNamespacedHost(site.name()); // its libvirtd and anything left with it
        }
    }

    /** Runs an await; when it fails, says what the site's agent logged. */
    void explained(Runnable await) throws java.io.IOException {
        try {
            await.run();
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError(e.getMessage() + "\nagent log:\n" + Files.readString(dir.resolve("agent.log")), e);
        }
    }

    int hostState() {
        return XmlNode.parse(ok(admin.call("one.host.info", host)).stringValue()).integer("STATE", -1);
    }

    XmlNode vm(int id) {
        return front.vm(id);
    }

    void awaitVm(int id, int state, int lcm, int seconds) {
        front.awaitVm(id, state, lcm, seconds);
    }

    boolean domainAtSite(int id) {
        return new Virsh(site.libvirtUri()).tryRun("domstate", "one-" + id).ok();
    }

    @Test
    void aNamespacedSiteWithItsOwnAgentAndLibvirtKeepsItsGuestThroughACut() throws Exception {
        assertThat(link.connections()).as("the site's agent came through the relay").isGreaterThan(0);
        assertThat(Files.readString(dir.resolve("agent.log")))
                .contains("session open with " + site.managementGateway() + ":" + link.port());
        // the site has its own network: the front-end's loopback port is not there, only the relay is
        assertThat(Virsh.exec(List.of("ip", "netns", "exec", site.name(), "sh", "-c", "timeout 5 bash -c 'echo >"
                + " /dev/tcp/127.0.0.1/" + front.agentPort + "' 2>/dev/null && echo open || echo closed"), 10))
                .isEqualTo("closed");
        int net = ok(admin.call("one.vn.allocate", "NAME=nss-net\nVN_MAD=dummy\nBRIDGE=" + site.bridge()
                + "\nNETWORK_MASK=255.255.255.0\nAR=[ TYPE=IP4, IP=" + GUEST_IP + ", SIZE=1 ]", -1)).intValue();
        int guest = ok(admin.call("one.vm.allocate", "NAME=nss-guest\nCPU=0.5\nVCPU=1\nMEMORY=128\n"
                + front.applianceOs() + "NIC=[ NETWORK_ID=" + net + " ]\n"
                + "CONTEXT=[ NETWORK=YES ]", false)).intValue();
        assertThat(guest).isGreaterThanOrEqualTo(FIRST_VM_ID);
        ok(admin.call("one.vm.deploy", guest, host, false, -1));
        awaitVm(guest, ACTIVE, RUNNING, 180);
        assertThat(domainAtSite(guest)).as("the domain runs on the site's own libvirtd").isTrue();

        try (PingWatch ping = PingWatch.start(site.name(), GUEST_IP)) {
            await("the guest answers ping inside the site").atMost(Duration.ofSeconds(150))
                    .until(() -> ping.answers() > 0);
            await().atMost(Duration.ofSeconds(30)).until(() -> ping.silenceMillis() < 500);
            ping.resetGap();
            long before = ping.answers();

            link.cut();
            long cutAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(30)).until(() -> hostState() == HOST_ERROR);
            assertThat(vm(guest).integer("LCM_STATE", -1)).as("no false failure").isEqualTo(RUNNING);
            while (System.nanoTime() - cutAt < Duration.ofSeconds(CUT_SECONDS).toNanos()) {
                Thread.sleep(250);
            }
            assertThat(hostState()).isEqualTo(HOST_ERROR);
            long restored = System.nanoTime();
            link.restore();
            explained(() -> await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> hostState() == HOST_MONITORED));
            System.out.println("nss: namespaced site MONITORED again " + (System.nanoTime() - restored) / 1_000_000
                    + " ms after a " + CUT_SECONDS + " s cut; longest ping silence inside the site "
                    + ping.longestGapMillis() + " ms");
            assertThat(vm(guest).integer("LCM_STATE", -1)).isEqualTo(RUNNING);
            assertThat(ping.answers() - before).as("answers inside the site during the cut")
                    .isGreaterThan(CUT_SECONDS * 5L);
            assertThat(ping.longestGapMillis()).as("longest ping silence inside the site (ms)").isLessThan(3000);
        }

        ok(admin.call("one.vm.action", "terminate-hard", guest));
        awaitVm(guest, DONE, 0, 90);
        assertThat(domainAtSite(guest)).isFalse();
        try (Stream<Path> left = Files.walk(dir.resolve("agent"))) {
            assertThat(left.filter(p -> p.toString().contains("/datastores/") && p.getFileName().toString()
                    .equals(Integer.toString(guest)))).as("the VM's directory at the site").isEmpty();
        }
    }
}
