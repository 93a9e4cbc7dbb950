package dev.nimbo.server.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.agent.libvirt.Virsh;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The front-end of the tests with real KVM hosts: one nimbod in this JVM (monitoring every second, no scheduler:
 * the tests place their VMs), its XML-RPC client, and the calls those tests share (VM and host info, waiting for
 * states, datastores and images, the test appliance's kernel and initrd). Its VM IDs start at a base of the test's
 * own, as libvirt domains are named one-ID and libvirtd is shared with other tests. Closing destroys the domains of
 * those VM IDs on every libvirt it was told of, stops nimbod and removes every file it made.
 */
public class KvmFrontEnd implements AutoCloseable {
    public static final int ACTIVE = 3;
    public static final int RUNNING = 3;
    public static final int DONE = 6;

    public final KvmFixture.Ready kvm = KvmFixture.ensureReady();
    /** Where everything lives: the front-end's data in front/, agents' under their own folders. */
    public final Path dir;
    /** Fixed for the life of the test: agents must find a restarted front-end at the same port. */
    public final int agentPort;
    public final int firstVmId;
    private final Map<String, String> settings;
    /** The libvirt URIs whose one-ID domains of this front-end's VMs are destroyed on close. */
    private final List<String> libvirtUris = new ArrayList<>(List.of("qemu:///system"));
    public NimboServer server;
    public OneClient admin;

    /** A front-end whose first VM gets ID {@code firstVmId}, with extra nimbod properties (may be empty). */
    public KvmFrontEnd(String name, int firstVmId, Map<String, String> settings) throws Exception {
        this.firstVmId = firstVmId;
        this.settings = Map.copyOf(settings);
        // libvirt runs QEMU as its own user: every directory down to the VM's files must be traversable
        dir = Files.createTempDirectory(name + "-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        agentPort = dev.nimbo.testing.NimbodProcess.freePort();
        startServer();
        if (firstVmId > 0) {
            server.controller().execute(tx -> {
                tx.reserveIdsUpTo(ObjectType.VM, firstVmId - 1);
                return null;
            });
        }
    }

    /** Starts nimbod (again, after {@code server.close()}: same data, same agent port). */
    public void startServer() throws Exception {
        Map<String, String> props = new java.util.TreeMap<>(Map.of("nimbo.agent.port", Integer.toString(agentPort),
                "nimbo.host.monitorInterval", "1", "nimbo.vm.monitorInterval", "1", "nimbo.sched.interval", "0"));
        props.putAll(settings);
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

    /** Also destroy this front-end's domains on that libvirt at close (a namespaced host's). */
    public void cleansUp(String libvirtUri) {
        libvirtUris.add(libvirtUri);
    }

    public static OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as(r.message()).isTrue();
        return r;
    }

    public XmlNode hostInfo(int hostId) {
        return XmlNode.parse(ok(admin.call("one.host.info", hostId)).stringValue());
    }

    /** A kvm host's enrolment token (its AGENT_TOKEN). */
    public String tokenOf(int hostId) {
        return hostInfo(hostId).child("TEMPLATE").text("AGENT_TOKEN");
    }

    public XmlNode vm(int id) {
        return XmlNode.parse(ok(admin.call("one.vm.info", id)).stringValue());
    }

    /**
     * Waits for STATE (and LCM_STATE when ACTIVE); a *_FAILURE phase, or UNKNOWN when not waited for, fails at once
     * with the VM's ERROR instead of waiting for the time-out.
     */
    public XmlNode awaitVm(int id, int state, int lcm, int seconds) {
        XmlNode[] last = new XmlNode[1];
        await().atMost(Duration.ofSeconds(seconds)).pollInterval(Duration.ofMillis(100)).until(() -> {
            last[0] = vm(id);
            int s = last[0].integer("STATE", -1);
            int l = last[0].integer("LCM_STATE", -1);
            boolean unknown = l == LcmState.UNKNOWN.code() && lcm != l;
            if (s == ACTIVE && (LcmState.of(l).isFailure() || unknown)) {
                throw new AssertionError("VM " + id + " failed: LCM_STATE " + l + ": "
                        + last[0].child("USER_TEMPLATE").text("ERROR"));
            }
            return s == state && (state != ACTIVE || l == lcm);
        });
        return last[0];
    }

    /** A datastore, once its first monitoring gave it capacity (images are refused for space before). */
    public int datastore(String template) {
        int ds = ok(admin.call("one.datastore.allocate", template, -1)).intValue();
        await().atMost(Duration.ofSeconds(60)).until(() -> XmlNode.parse(ok(admin.call("one.datastore.info", ds))
                .stringValue()).longValue("FREE_MB", 0) > 0);
        return ds;
    }

    /** An image, once READY. */
    public int image(String template, int ds) {
        int id = ok(admin.call("one.image.allocate", template, ds)).intValue();
        await().atMost(Duration.ofSeconds(60)).until(() -> imageInfo(id).integer("STATE", -1) == 1);
        return id;
    }

    public XmlNode imageInfo(int imageId) {
        return XmlNode.parse(ok(admin.call("one.image.info", imageId)).stringValue());
    }

    /** Waits for an image to leave LOCKED; fails at once on ERROR with its message. */
    public XmlNode awaitImage(int imageId) {
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

    private String applianceOs;

    /** The appliance's kernel and initrd as images (registered once): the OS line of a VM template that boots it. */
    public String applianceOs() {
        if (applianceOs == null) {
            String safe = kvm.appliance().toString();
            int files = datastore("NAME=appliance-files\nTYPE=FILE_DS\nDS_MAD=fs\nTM_MAD=shared\nSAFE_DIRS=\"" + safe
                    + "\"");
            int kernel = image("NAME=appliance-kernel\nTYPE=KERNEL\nPATH=\"" + safe + "/vmlinuz\"", files);
            int initrd = image("NAME=appliance-initrd\nTYPE=RAMDISK\nPATH=\"" + safe + "/initrd.img\"", files);
            applianceOs = "OS=[ KERNEL_DS=\"$FILE[IMAGE_ID=" + kernel + "]\", INITRD_DS=\"$FILE[IMAGE_ID=" + initrd
                    + "]\", KERNEL_CMD=\"console=ttyS0 quiet\" ]\n";
        }
        return applianceOs;
    }

    /** An image datastore (fs, shared) that may read the appliance's files. */
    public int applianceImages(String name) {
        return datastore("NAME=" + name + "\nDS_MAD=fs\nTM_MAD=shared\nSAFE_DIRS=\"" + kvm.appliance() + "\"");
    }

    /** Destroys the domains of this front-end's VMs (nothing may outlive a test, even one that failed half-way). */
    public void destroyDomains() {
        if (server == null) {
            return;
        }
        int last = server.controller().published().lastId(ObjectType.VM);
        for (String uri : libvirtUris) {
            Virsh virsh = new Virsh(uri);
            for (int id = firstVmId; id <= last; id++) {
                virsh.tryRun("destroy", "one-" + id);
            }
        }
    }

    /** The domains, then nimbod, then the files. Subclasses stop their agents between the first two. */
    @Override
    public void close() throws Exception {
        destroyDomains();
        stopAgents();
        if (server != null) {
            server.close();
        }
        deleteTree(dir);
    }

    /** The agents this front-end's test runs in this JVM; none here. */
    protected void stopAgents() throws Exception {
    }

    public static void deleteTree(Path p) throws IOException {
        if (p == null || !Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
