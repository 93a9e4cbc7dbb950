package dev.nimbo.server.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nimbo.agent.AgentHandler;
import dev.nimbo.agent.host.HostProbe;
import dev.nimbo.agent.libvirt.LibvirtVmm;
import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.agent.link.AgentConnection;
import dev.nimbo.agent.link.Identity;
import dev.nimbo.agent.store.HostStore;
import dev.nimbo.client.OneClient;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostState;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.drivers.agent.AgentPki;
import dev.nimbo.server.NimboServer;
import dev.nimbo.server.ServerConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent channel end to end, in one JVM: a real nimbod front-end (agent listener on a free port) and real
 * agents (TLS, enrolment, heartbeats, the host probe of this machine). No libvirt needed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AgentChannelTest {
    @TempDir
    static Path dir;
    NimboServer server;
    OneClient client;
    int agentPort;

    @BeforeAll
    void start() throws Exception {
        System.setProperty("nimbo.agent.port", "0");
        System.setProperty("nimbo.agent.heartbeat", "1");
        System.setProperty("nimbo.host.monitorInterval", "1");
        try {
            server = NimboServer.start(new ServerConfig(dir.resolve("front"), "127.0.0.1", 0, null, 0,
                    ServerConfig.DEFAULT_MAX_REQUEST_BYTES, 1000));
        } finally {
            System.clearProperty("nimbo.agent.port");
            System.clearProperty("nimbo.agent.heartbeat");
            System.clearProperty("nimbo.host.monitorInterval");
        }
        agentPort = Integer.parseInt(Files.readString(dir.resolve("front/agent-port")).strip());
        String session = Files.readString(dir.resolve("front/one_auth")).strip();
        client = new OneClient(URI.create("http://127.0.0.1:" + server.port() + "/RPC2"), session);
    }

    @AfterAll
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private int newKvmHost(String name) {
        return (Integer) client.call("one.host.allocate", name, "kvm", "kvm", -1).value();
    }

    private Host host(int id) {
        return (Host) server.controller().published().get(ObjectType.HOST, id);
    }

    private AgentConnection agent(String token, Path data) {
        HostStore store = new HostStore(data);
        return new AgentConnection("127.0.0.1", agentPort, token, data, Duration.ofSeconds(1),
                new AgentHandler(new HostProbe(Path.of("/proc"), Path.of("/sys"), data, List.of()), store,
                        new LibvirtVmm(new Virsh("qemu:///system"), store, "qemu", Duration.ofSeconds(5))));
    }

    private static Thread runInBackground(AgentConnection a) {
        return Thread.ofVirtual().start(() -> {
            try {
                a.run();
            } catch (Exception e) {
                // closed by the test
            }
        });
    }

    @Test
    void enrolsWithItsTokenOnceThenRunsOnItsCertificateAndHostFollowsTheAgent() throws Exception {
        int id = newKvmHost("kvm-good");
        String token = host(id).template().get("AGENT_TOKEN");
        assertThat(token).startsWith("nimbo1." + id + ".");

        Path data = dir.resolve("agent-good");
        AgentConnection a = agent(token, data);
        Thread t = runInBackground(a);
        await().atMost(Duration.ofSeconds(20)).until(() -> host(id).state() == HostState.MONITORED);
        Host h = host(id);
        assertThat(h.template().get("AGENT_TOKEN")).isNull(); // one-time
        assertThat(h.template().get("AGENT_CERT_SHA256")).isEqualTo(AgentPki.fingerprint(Identity.load(data).cert()));
        assertThat(h.template().get("HYPERVISOR")).isEqualTo("qemu");
        assertThat(Long.parseLong(h.template().get("TOTALCPU")))
                .isEqualTo(Runtime.getRuntime().availableProcessors() * 100L);
        assertThat(h.share().totalMem()).isGreaterThan(0);
        assertThat(h.share().numaNodes()).isNotEmpty();

        // the same token again is refused: it was used
        assertThatThrownBy(() -> agent(token, dir.resolve("agent-reuse")).run())
                .isInstanceOf(AgentConnection.RefusedException.class).hasMessageContaining("already used");

        // the agent goes: the host goes to ERROR, saying why
        a.close();
        t.join(5000);
        await().atMost(Duration.ofSeconds(20)).until(() -> host(id).state() == HostState.ERROR);
        assertThat(host(id).template().get("ERROR")).contains("agent is not connected");

        // it comes back with its certificate alone (no token): MONITORED again
        AgentConnection again = agent(null, data);
        Thread t2 = runInBackground(again);
        await().atMost(Duration.ofSeconds(20)).until(() -> host(id).state() == HostState.MONITORED);
        again.close();
        t2.join(5000);
    }

    @Test
    void badTokensAreRefused() throws Exception {
        int id = newKvmHost("kvm-bad-token");
        String token = host(id).template().get("AGENT_TOKEN");
        String[] p = token.split("\\.");
        String wrongSecret = p[0] + "." + p[1] + ".AAAAwrongsecretAAAA." + p[3];
        assertThatThrownBy(() -> agent(wrongSecret, dir.resolve("a1")).run())
                .isInstanceOf(AgentConnection.RefusedException.class).hasMessageContaining("bad or already used");
        String wrongCa = p[0] + "." + p[1] + "." + p[2] + "." + "0".repeat(64);
        assertThatThrownBy(() -> agent(wrongCa, dir.resolve("a2")).run())
                .isInstanceOf(AgentConnection.RefusedException.class).hasMessageContaining("TLS");
        assertThatThrownBy(() -> agent("garbage", dir.resolve("a3")).run())
                .isInstanceOf(AgentConnection.RefusedException.class).hasMessageContaining("not an enrolment token");
        assertThat(Files.exists(dir.resolve("a1/agent/cert.pem"))).isFalse();
        // the real token still works: failed attempts did not use it up
        assertThat(host(id).template().get("AGENT_TOKEN")).isEqualTo(token);
    }

    @Test
    void enrolmentTokensExpireAndANewOneCanBeMade() throws Exception {
        int id = newKvmHost("kvm-expiring");
        Host h = host(id);
        long now = System.currentTimeMillis() / 1000;
        long expires = Long.parseLong(h.template().get("AGENT_TOKEN_EXPIRES"));
        assertThat(expires).isBetween(now + 86_400 - 60, now + 86_400 + 5); // 24 h by default
        String token = h.template().get("AGENT_TOKEN");

        // a day later (as if): the token is refused, saying when it expired and what to do
        server.controller().execute(tx -> {
            Host cur = (Host) tx.get(ObjectType.HOST, id);
            tx.put(cur.withUserTemplate(cur.template().with("AGENT_TOKEN_EXPIRES", Long.toString(now - 1)), null));
            return null;
        });
        Path data = dir.resolve("agent-expiring");
        assertThatThrownBy(() -> agent(token, data).run()).isInstanceOf(AgentConnection.RefusedException.class)
                .hasMessageContaining("enrolment token of host " + id + " expired at")
                .hasMessageContaining("nimbo host token " + id);
        assertThat(Files.exists(data.resolve("agent/cert.pem"))).isFalse();
        assertThat(host(id).template().get("AGENT_TOKEN")).isEqualTo(token); // nothing changed

        // nimbo host token: AGENT_TOKEN set to anything makes a fresh token of the server's, valid for 24 h again
        assertThat(client.call("one.host.update", id, "AGENT_TOKEN = \"my-own-token\"", 1).ok()).isTrue();
        String fresh = host(id).template().get("AGENT_TOKEN");
        assertThat(fresh).isNotEqualTo(token).isNotEqualTo("my-own-token").startsWith("nimbo1." + id + ".");
        assertThat(Long.parseLong(host(id).template().get("AGENT_TOKEN_EXPIRES"))).isGreaterThan(now + 86_000);
        assertThatThrownBy(() -> agent(token, dir.resolve("agent-old-token")).run())
                .isInstanceOf(AgentConnection.RefusedException.class).hasMessageContaining("bad or already used");
        AgentConnection a = agent(fresh, data);
        Thread t = runInBackground(a);
        await().atMost(Duration.ofSeconds(20)).until(() -> host(id).state() == HostState.MONITORED);
        assertThat(host(id).template().get("AGENT_TOKEN")).isNull();
        assertThat(host(id).template().get("AGENT_TOKEN_EXPIRES")).isNull();
        a.close();
        t.join(5000);
    }

    @Test
    void certificatesFromAnotherCaOrReplacedOnesAreRefused() throws Exception {
        int id = newKvmHost("kvm-bad-cert");
        // a certificate naming the host, signed by a CA of our own: the TLS handshake fails or the session is refused
        KeyPair caKey = AgentPki.newKeyPair();
        X509Certificate otherCa = AgentPki.selfSignedCa(caKey, "evil", Duration.ofDays(1));
        KeyPair key = AgentPki.newKeyPair();
        X509Certificate forged = AgentPki.issueFor(key, "host-" + id, caKey.getPrivate(), otherCa, Duration.ofDays(1));
        Path data = dir.resolve("forged");
        X509Certificate realCa = AgentPki.readCertificate(Files.readString(dir.resolve("front/agent-ca/ca.pem")));
        new Identity(key, forged, realCa).save(data);
        AgentConnection a = agent(null, data);
        Thread t = runInBackground(a);
        Thread.sleep(3000);
        assertThat(a.sessions()).isZero();
        assertThat(host(id).state()).isNotEqualTo(HostState.MONITORED);
        a.close();
        t.join(5000);

        // a genuine certificate of the CA whose host was re-enrolled since (fingerprint no longer current)
        String token = host(id).template().get("AGENT_TOKEN");
        Path first = dir.resolve("first");
        AgentConnection enrolled = agent(token, first);
        Thread t1 = runInBackground(enrolled);
        await().atMost(Duration.ofSeconds(20)).until(() -> enrolled.sessions() > 0);
        enrolled.close();
        t1.join(5000);
        server.controller().execute(tx -> {
            Host h = (Host) tx.get(ObjectType.HOST, id);
            tx.put(h.withUserTemplate(h.template().with("AGENT_CERT_SHA256", "00"), null));
            return null;
        });
        AgentConnection revoked = agent(null, first);
        Thread t3 = runInBackground(revoked);
        Thread.sleep(3000);
        assertThat(revoked.sessions()).isZero();
        revoked.close();
        t3.join(5000);
    }
}
