package dev.nimbo.server.agent;

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
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.vm.LcmState;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.server.NimboServer;
import dev.nimbo.server.ServerConfig;
import dev.nimbo.testing.KvmFixture;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * One nimbod (in this JVM) and one real agent on this machine's libvirt, for KVM tests beyond {@link KvmHostTest}:
 * the host enrolled, the appliance's kernel and initrd registered, VM IDs starting at a base of the test's own
 * (libvirt domains are named one-ID and libvirtd is shared with other tests running at the same time). Closing
 * destroys the domains of those VM IDs and removes every file it made.
 */
final class KvmRig implements AutoCloseable {
    static final int ACTIVE = 3;
    static final int RUNNING = 3;
    static final int DONE = 6;

    final KvmFixture.Ready kvm = KvmFixture.ensureReady();
    final Virsh virsh = new Virsh("qemu:///system");
    final Path dir;
    final Path agentData;
    final int agentPort;
    final int firstVmId;
    NimboServer server;
    OneClient admin;
    AgentConnection agent;
    AgentHandler handler;
    Thread agentThread;
    int host = -1;
    /** Where the agent serves its image cache to peers (null: it does not). */
    String cacheAddress;
    /** How the next agent's requests are answered (tests wrap the real handler to slow or cut it). */
    Function<AgentHandler, Function<dev.nimbo.drivers.agent.Frame, dev.nimbo.drivers.agent.Frame>> handlerWrapper =
            h -> h;

    /** A front-end whose first VM gets ID {@code firstVmId}. */
    KvmRig(String name, int firstVmId) throws Exception {
        this.firstVmId = firstVmId;
        // libvirt runs QEMU as its own user: every directory down to the VM's files must be traversable
        dir = Files.createTempDirectory(name + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        agentData = dir.resolve("agent");
        Files.createDirectories(agentData);
        agentPort = dev.nimbo.testing.NimbodProcess.freePort();
        startServer(Map.of());
        server.controller().execute(tx -> {
            tx.reserveIdsUpTo(ObjectType.VM, firstVmId - 1);
            return null;
        });
    }

    /** Starts nimbod with the test settings (monitoring every second, no scheduler) and these extra properties. */
    void startServer(Map<String, String> extra) throws Exception {
        Map<String, String> props = new java.util.TreeMap<>(Map.of("nimbo.agent.port", Integer.toString(agentPort),
                "nimbo.host.monitorInterval", "1", "nimbo.vm.monitorInterval", "1", "nimbo.sched.interval", "0"));
        props.putAll(extra);
        props.forEach(System::setProperty);
        try {
            server = NimboServer.start(new ServerConfig(dir.resolve("front"), "127.0.0.1", 0, null, 0,
                    ServerConfig.DEFAULT_MAX_REQUEST_BYTES, 1000));
        } finally {
            props.keySet().forEach(System::clearProperty);
        }
        admin = new OneClient(URI.create("http://127.0.0.1:" + server.port() + "/RPC2"),
                Files.readString(dir.resolve("front/one_auth")).strip());
    }

    /** Creates the kvm host and runs its agent until the host is MONITORED. */
    void enrolHost(String name) {
        host = ok(admin.call("one.host.allocate", name, "kvm", "kvm", -1)).intValue();
        startAgent(hostInfo().child("TEMPLATE").text("AGENT_TOKEN"));
        await().atMost(Duration.ofSeconds(30)).until(() -> hostInfo().integer("STATE", -1) == 2);
    }

    void startAgent(String token) {
        HostStore store = new HostStore(agentData);
        HostProbe probe = new HostProbe(Path.of("/proc"), Path.of("/sys"), agentData, List.of());
        handler = new AgentHandler(probe, store,
                new LibvirtVmm(virsh, store, "qemu", Duration.ofSeconds(20)), cacheAddress, 0);
        agent = new AgentConnection("127.0.0.1", agentPort, token, agentData, Duration.ofSeconds(2),
                handlerWrapper.apply(handler));
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
        handler.close();
    }

    XmlNode hostInfo() {
        return XmlNode.parse(ok(admin.call("one.host.info", host)).stringValue());
    }

    XmlNode vm(int id) {
        return XmlNode.parse(ok(admin.call("one.vm.info", id)).stringValue());
    }

    /** Waits for STATE (and LCM_STATE when ACTIVE); a *_FAILURE phase fails at once with the VM's ERROR. */
    XmlNode awaitVm(int id, int state, int lcm, int seconds) {
        XmlNode[] last = new XmlNode[1];
        await().atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = vm(id);
            int s = last[0].integer("STATE", -1);
            int l = last[0].integer("LCM_STATE", -1);
            if (s == ACTIVE && LcmState.of(l).isFailure()) {
                throw new AssertionError("VM " + id + " failed: LCM_STATE " + l + ": "
                        + last[0].child("USER_TEMPLATE").text("ERROR"));
            }
            return s == state && (state != ACTIVE || l == lcm);
        });
        return last[0];
    }

    static OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as(r.message()).isTrue();
        return r;
    }

    /** A datastore, once its first monitoring gave it capacity (images are refused for space before). */
    int datastore(String template) {
        int ds = ok(admin.call("one.datastore.allocate", template, -1)).intValue();
        await().atMost(Duration.ofSeconds(60)).until(() -> XmlNode.parse(ok(admin.call("one.datastore.info", ds))
                .stringValue()).longValue("FREE_MB", 0) > 0);
        return ds;
    }

    /** An image, once READY. */
    int image(String template, int ds) {
        int id = ok(admin.call("one.image.allocate", template, ds)).intValue();
        await().atMost(Duration.ofSeconds(60)).until(() ->
                XmlNode.parse(ok(admin.call("one.image.info", id)).stringValue()).integer("STATE", -1) == 1);
        return id;
    }

    XmlNode imageInfo(int imageId) {
        return XmlNode.parse(ok(admin.call("one.image.info", imageId)).stringValue());
    }

    /** Waits for an image to leave LOCKED; fails at once on ERROR with its message. */
    XmlNode awaitImage(int imageId) {
        XmlNode[] last = new XmlNode[1];
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            last[0] = imageInfo(imageId);
            int state = last[0].integer("STATE", -1);
            if (state == 5) {
                throw new AssertionError("image " + imageId + " in ERROR: " + last[0].child("TEMPLATE").text("ERROR"));
            }
            return state == 1;
        });
        return last[0];
    }

    /** The first {@code n} bytes of a disk file's content, whatever its format (qemu-img converts it to raw). */
    String firstBytes(Path disk, int n) throws IOException {
        Path raw = Files.createTempFile(dir, "content-", ".raw");
        try {
            Virsh.exec(List.of("qemu-img", "convert", "-U", "-O", "raw", disk.toString(), raw.toString()), 60);
            byte[] b = Files.readAllBytes(raw);
            return new String(b, 0, Math.min(n, b.length), java.nio.charset.StandardCharsets.US_ASCII);
        } finally {
            Files.deleteIfExists(raw);
        }
    }

    private String applianceOs;

    /** The appliance's kernel and initrd as images (registered once): the OS line of a VM template that boots it. */
    String applianceOs() {
        if (applianceOs == null) {
            applianceOs = registerAppliance();
        }
        return applianceOs;
    }

    private String registerAppliance() {
        String safe = kvm.appliance().toString();
        int files = datastore("NAME=appliance-files\nTYPE=FILE_DS\nDS_MAD=fs\nTM_MAD=shared\nSAFE_DIRS=\"" + safe + "\"");
        int kernel = image("NAME=appliance-kernel\nTYPE=KERNEL\nPATH=\"" + safe + "/vmlinuz\"", files);
        int initrd = image("NAME=appliance-initrd\nTYPE=RAMDISK\nPATH=\"" + safe + "/initrd.img\"", files);
        return "OS=[ KERNEL_DS=\"$FILE[IMAGE_ID=" + kernel + "]\", INITRD_DS=\"$FILE[IMAGE_ID=" + initrd + "]\","
                + " KERNEL_CMD=\"console=ttyS0 quiet\" ]\n";
    }

    /** Allocates and deploys a VM on the rig's host; returns its ID once RUNNING. */
    int runVm(String template) {
        int id = ok(admin.call("one.vm.allocate", template, false)).intValue();
        assertThat(id).isGreaterThanOrEqualTo(firstVmId);
        ok(admin.call("one.vm.deploy", id, host, false, -1));
        awaitVm(id, ACTIVE, RUNNING, 120);
        return id;
    }

    /** The libvirt state of a VM's domain ("running", "paused", ...), "" when there is none. */
    String domstate(int vmId) {
        Virsh.Result r = virsh.tryRun("domstate", "one-" + vmId);
        return r.ok() ? r.output().strip() : "";
    }

    Path vmDir(int vmId) {
        return agentData.resolve("datastores/0/" + vmId);
    }

    @Override
    public void close() throws Exception {
        // nothing may outlive the test, even when it failed half-way: only our own VM IDs' domains
        if (server != null) {
            int last = server.controller().published().lastId(ObjectType.VM);
            for (int id = firstVmId; id <= last; id++) {
                virsh.tryRun("destroy", "one-" + id);
            }
        }
        if (agent != null) {
            stopAgent();
        }
        if (server != null) {
            server.close();
        }
        deleteTree(dir);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
