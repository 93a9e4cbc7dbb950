package dev.nimbo.bench;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.server.NimboServer;
import dev.nimbo.server.ServerConfig;
import dev.nimbo.testing.NimbodProcess;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The front-end of the edge benchmark and demo: a nimbod in this JVM (agents dial {@link #agentPort}, the
 * scheduler off: VMs are placed by hand), its oneadmin client and the state polls both need. Not thread-safe.
 */
final class EdgeFront implements AutoCloseable {
    final NimboServer server;
    final OneClient admin;
    final int agentPort;

    private EdgeFront(NimboServer server, OneClient admin, int agentPort) {
        this.server = server;
        this.admin = admin;
        this.agentPort = agentPort;
    }

    /** Starts it in dir with heartbeats and host/VM monitoring every so many seconds. */
    static EdgeFront start(Path dir, int heartbeatSeconds, int monitorSeconds) throws Exception {
        int agentPort = NimbodProcess.freePort();
        List<String> props = List.of("nimbo.agent.port", "nimbo.agent.heartbeat", "nimbo.host.monitorInterval",
                "nimbo.vm.monitorInterval", "nimbo.sched.interval");
        List<String> values = List.of(Integer.toString(agentPort), Integer.toString(heartbeatSeconds),
                Integer.toString(monitorSeconds), Integer.toString(monitorSeconds), "0");
        for (int i = 0; i < props.size(); i++) {
            System.setProperty(props.get(i), values.get(i));
        }
        NimboServer server;
        try {
            server = NimboServer.start(new ServerConfig(dir.resolve("front"), "127.0.0.1", 0, null, 0,
                    ServerConfig.DEFAULT_MAX_REQUEST_BYTES, 1000));
        } finally {
            props.forEach(System::clearProperty);
        }
        OneClient admin = new OneClient(URI.create("http://127.0.0.1:" + server.port() + "/RPC2"),
                Files.readString(dir.resolve("front/one_auth")).strip());
        return new EdgeFront(server, admin, agentPort);
    }

    /** A new kvm host; returns its ID. */
    int host(String name) {
        return ok(admin.call("one.host.allocate", name, "kvm", "kvm", -1)).intValue();
    }

    /** The host's one-time enrolment token. */
    String token(int host) {
        return XmlNode.parse(ok(admin.call("one.host.info", host)).stringValue()).child("TEMPLATE").text("AGENT_TOKEN");
    }

    int hostState(int host) {
        return XmlNode.parse(ok(admin.call("one.host.info", host)).stringValue()).integer("STATE", -1);
    }

    XmlNode vm(int id) {
        return XmlNode.parse(ok(admin.call("one.vm.info", id)).stringValue());
    }

    int vmState(int id) {
        return vm(id).integer("STATE", -1);
    }

    /** LCM_STATE while ACTIVE, else -1. */
    int vmLcm(int id) {
        XmlNode v = vm(id);
        return v.integer("STATE", -1) == 3 ? v.integer("LCM_STATE", -1) : -1;
    }

    /** A registered image once READY. */
    int image(String template, int ds) throws InterruptedException {
        int id = ok(admin.call("one.image.allocate", template, ds)).intValue();
        await(120, () -> XmlNode.parse(ok(admin.call("one.image.info", id)).stringValue()).integer("STATE", -1) == 1);
        return id;
    }

    /** A datastore once its first monitoring gave it capacity (images are refused for space before). */
    int datastore(String template) throws InterruptedException {
        int id = ok(admin.call("one.datastore.allocate", template, -1)).intValue();
        await(60, () -> XmlNode.parse(ok(admin.call("one.datastore.info", id)).stringValue())
                .longValue("FREE_MB", 0) > 0);
        return id;
    }

    static OneResponse ok(OneResponse r) {
        if (!r.ok()) {
            throw new IllegalStateException(r.message());
        }
        return r;
    }

    /** Polls until done; IllegalStateException after the time-out. */
    static void await(int seconds, BooleanSupplier done) throws InterruptedException {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("not done within " + seconds + " s");
            }
            Thread.sleep(20);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
