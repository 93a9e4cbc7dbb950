package dev.nimbo.server.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.agent.link.AgentConnection;
import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.server.NimboServer;
import dev.nimbo.server.ServerConfig;
import dev.nimbo.testing.DummyHypervisor;
import dev.nimbo.testing.NimbodProcess;
import dev.nimbo.testing.WanRelay;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VM HA on host failure (no QEMU: agents with a simulated hypervisor behind emulated links): in a cluster with
 * HOST_FAILURE=RECREATE, a VM of a host in ERROR beyond the grace period is recreated on another host; in a cluster
 * without it (the default) a VM of a host in ERROR stays RUNNING where it is.
 */
class HostFailurePolicyTest {
    @TempDir
    Path dir;
    NimboServer server;
    OneClient admin;
    final List<WanRelay> links = new ArrayList<>();
    final List<AgentConnection> agents = new ArrayList<>();

    @AfterEach
    void stop() {
        agents.forEach(AgentConnection::close);
        links.forEach(WanRelay::close);
        if (server != null) {
            server.close();
        }
    }

    static OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as(r.message()).isTrue();
        return r;
    }

    int hostState(int id) {
        return XmlNode.parse(ok(admin.call("one.host.info", id)).stringValue()).integer("STATE", -1);
    }

    XmlNode vm(int id) {
        return XmlNode.parse(ok(admin.call("one.vm.info", id)).stringValue());
    }

    boolean runningOn(int vm, int host) {
        XmlNode v = vm(vm);
        List<XmlNode> h = v.child("HISTORY_RECORDS").all("HISTORY");
        return v.integer("STATE", -1) == 3 && v.integer("LCM_STATE", -1) == 3 && !h.isEmpty()
                && h.get(h.size() - 1).integer("HID", -1) == host;
    }

    /** A kvm host whose agent (simulated hypervisor) dials through its own link. */
    int site(String name, int agentPort) throws Exception {
        WanRelay link = WanRelay.loopback(agentPort, WanRelay.Shape.NONE);
        links.add(link);
        int id = ok(admin.call("one.host.allocate", name, "kvm", "kvm", -1)).intValue();
        String token = XmlNode.parse(ok(admin.call("one.host.info", id)).stringValue()).child("TEMPLATE")
                .text("AGENT_TOKEN");
        Path data = dir.resolve(name);
        Files.createDirectories(data);
        DummyHypervisor hv = new DummyHypervisor(data);
        AgentConnection a = new AgentConnection("127.0.0.1", link.port(), token, data, Duration.ofSeconds(1), hv,
                hv::sample, Duration.ofSeconds(1));
        agents.add(a);
        Thread.ofVirtual().start(() -> {
            try {
                a.run();
            } catch (Exception e) {
                // closed by the test
            }
        });
        return id;
    }

    @Test
    void vmsOfAFailedHostAreRecreatedElsewhereOnlyWhereTheClusterAsksForIt() throws Exception {
        int agentPort = NimbodProcess.freePort();
        System.setProperty("nimbo.agent.port", Integer.toString(agentPort));
        System.setProperty("nimbo.agent.heartbeat", "1");
        System.setProperty("nimbo.host.monitorInterval", "1");
        System.setProperty("nimbo.sched.interval", "1");
        try {
            server = NimboServer.start(new ServerConfig(dir.resolve("front"), "127.0.0.1", 0, null, 0,
                    ServerConfig.DEFAULT_MAX_REQUEST_BYTES, 1000));
        } finally {
            for (String p : List.of("nimbo.agent.port", "nimbo.agent.heartbeat", "nimbo.host.monitorInterval",
                    "nimbo.sched.interval")) {
                System.clearProperty(p);
            }
        }
        admin = new OneClient(URI.create("http://127.0.0.1:" + server.port() + "/RPC2"),
                Files.readString(dir.resolve("front/one_auth")).strip());
        int cluster = ok(admin.call("one.cluster.allocate", "ha-cluster")).intValue();
        ok(admin.call("one.cluster.update", cluster, "HOST_FAILURE=RECREATE\nHOST_FAILURE_GRACE=2", 1));
        ok(admin.call("one.cluster.adddatastore", cluster, 0)); // the system datastore
        int failing = site("ha-a", agentPort);
        int spare = site("ha-b", agentPort);
        int plain = site("edge-c", agentPort); // default cluster: no policy
        ok(admin.call("one.cluster.addhost", cluster, failing));
        ok(admin.call("one.cluster.addhost", cluster, spare));
        await().atMost(Duration.ofSeconds(60)).until(() -> hostState(failing) == 2 && hostState(spare) == 2
                && hostState(plain) == 2);
        int protectedVm = ok(admin.call("one.vm.allocate", "NAME=ha\nCPU=0.1\nMEMORY=16", true)).intValue();
        ok(admin.call("one.vm.deploy", protectedVm, failing, false, -1));
        int edgeVm = ok(admin.call("one.vm.allocate", "NAME=edge\nCPU=0.1\nMEMORY=16", true)).intValue();
        ok(admin.call("one.vm.deploy", edgeVm, plain, false, -1));
        await().atMost(Duration.ofSeconds(60)).until(() -> runningOn(protectedVm, failing) && runningOn(edgeVm, plain));

        links.get(0).cut();
        links.get(2).cut();
        await().atMost(Duration.ofSeconds(30)).until(() -> hostState(failing) == 3 && hostState(plain) == 3);
        await().atMost(Duration.ofSeconds(60)).until(() -> runningOn(protectedVm, spare));
        assertThat(runningOn(edgeVm, plain)).as("no policy: left where it runs").isTrue();
        assertThat(hostState(plain)).isEqualTo(3);
    }
}
