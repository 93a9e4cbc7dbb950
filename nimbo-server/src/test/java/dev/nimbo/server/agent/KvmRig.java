package dev.nimbo.server.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.agent.AgentHandler;
import dev.nimbo.agent.libvirt.LibvirtVmm;
import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.core.xml.XmlNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A {@link KvmFrontEnd} with one real agent on this machine's libvirt, for the KVM tests: the host enrolled, the
 * appliance's kernel and initrd registered on demand, VM IDs from a base of the test's own. Closing destroys the
 * domains of those VM IDs, stops the agent and nimbod and removes every file it made.
 */
final class KvmRig extends KvmFrontEnd {
    final Virsh virsh = new Virsh("qemu:///system");
    final Path agentData;
    InProcessAgent agent;
    int host = -1;
    /** Where the agent serves its image cache to peers (null: it does not). */
    String cacheAddress;
    /** How the next agent's requests are answered (tests wrap the real handler to slow or cut it). */
    Function<AgentHandler, Function<dev.nimbo.drivers.agent.Frame, dev.nimbo.drivers.agent.Frame>> handlerWrapper =
            h -> h;

    /** A front-end whose first VM gets ID {@code firstVmId}. */
    KvmRig(String name, int firstVmId) throws Exception {
        this(name, firstVmId, Map.of());
    }

    /** As above, with extra nimbod properties. */
    KvmRig(String name, int firstVmId, Map<String, String> settings) throws Exception {
        super(name, firstVmId, settings);
        agentData = dir.resolve("agent");
        Files.createDirectories(agentData);
    }

    /** Creates the kvm host and runs its agent until the host is MONITORED. */
    void enrolHost(String name) {
        host = ok(admin.call("one.host.allocate", name, "kvm", "kvm", -1)).intValue();
        startAgent(tokenOf(host));
        await().atMost(Duration.ofSeconds(30)).until(() -> hostInfo().integer("STATE", -1) == 2);
    }

    /** The agent, with {@code token} (null: the certificate it enrolled with). */
    void startAgent(String token) {
        agent = new InProcessAgent("127.0.0.1", agentPort, token, agentData,
                store -> new LibvirtVmm(virsh, store, "qemu", Duration.ofSeconds(20)), cacheAddress, handlerWrapper);
    }

    void stopAgent() throws InterruptedException {
        agent.close();
    }

    @Override
    protected void stopAgents() throws InterruptedException {
        if (agent != null) {
            stopAgent();
        }
    }

    XmlNode hostInfo() {
        return hostInfo(host);
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
}
