package dev.nimbo.server.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.NimbodCluster;
import dev.nimbo.testing.NimbodProcess;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real agent process following the leader of three real nimbod replicas. The agent is given every front-end,
 * a follower first: followers do not listen for agents, so it enrols with and opens its session on the leader;
 * the host is monitored through it. The leader is then killed: the agent moves on to the new leader (the replicas
 * share one agent CA, so its certificate still opens a session there) and monitoring resumes. The agent runs the
 * real libvirt driver against qemu:///system, but only to report the host: no domain is created.
 */
@org.junit.jupiter.api.parallel.Isolated // elections and timeouts: nothing else on the CPUs meanwhile
class HaAgentTest {
    private static final Duration LONG = Duration.ofSeconds(120);
    private static final int MONITORED = 2;

    @Test
    void theAgentFollowsTheLeader(@TempDir Path dir) throws Exception {
        int[] agentPorts = {NimbodProcess.freePort(), NimbodProcess.freePort(), NimbodProcess.freePort()};
        Map<String, String> env = Map.of("NIMBO_AGENT_CA", dir.resolve("agent-ca").toString(),
                "NIMBO_AGENT_HEARTBEAT", "1", "NIMBO_HOST_MONITOR_INTERVAL", "1");
        Process agent = null;
        try (NimbodCluster cluster = NimbodCluster.start(dir, 3, env,
                id -> List.of("--agent-port", String.valueOf(agentPorts[id])))) {
            int leader = cluster.awaitLeader(LONG);
            assertThat(leader).isNotNegative();
            int follower = (leader + 1) % 3;
            int host;
            String token;
            try (OneClient c = cluster.replica(follower).client()) {
                host = awaitOk(() -> c.call("one.host.allocate", "ha11-agent-host", "kvm", "kvm", -1)).intValue();
                token = XmlNode.parse(awaitOk(() -> c.call("one.host.info", host)).stringValue()).child("TEMPLATE")
                        .text("AGENT_TOKEN");
            }
            assertThat(token).isNotBlank();
            // A follower runs no agent channel: nothing listens on its agent port.
            int followerPort = agentPorts[follower];
            assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress("127.0.0.1", followerPort), 2000))
                    .isInstanceOf(ConnectException.class);

            List<String> frontends = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                frontends.add("127.0.0.1:" + agentPorts[(follower + k) % 3]); // a follower first
            }
            Path agentData = dir.resolve("agent");
            Files.createDirectories(agentData);
            Path agentLog = dir.resolve("agent.log");
            agent = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xmx256m",
                    "-Dlogback.configurationFile=logback.xml",
                    "-Dnimbo.log.file=" + agentData.resolve("agent-file.log"), "-cp", System.getProperty("java.class.path"),
                    "dev.nimbo.agent.NimboAgent", "--frontend", String.join(",", frontends), "--token", token,
                    "--data", agentData.toString(), "--heartbeat", "1", "--monitor-interval", "1",
                    "--domain-type", "qemu", "--libvirt-uri", "qemu:///system")
                    .redirectErrorStream(true).redirectOutput(agentLog.toFile()).start();

            explained(agentLog, cluster, follower, host, () -> await().atMost(LONG).pollInterval(Duration.ofMillis(200))
                    .until(() -> hostState(cluster, follower, host) == MONITORED));
            assertThat(Files.readString(agentLog)).contains("session open with 127.0.0.1:" + agentPorts[leader]);

            long killedAt = System.currentTimeMillis() / 1000;
            cluster.kill(leader);
            int successor = cluster.awaitLeader(LONG);
            assertThat(successor).isNotNegative().isNotEqualTo(leader);
            // Monitored again through the new leader's session, after the kill (its MONITORING TIMESTAMP, in seconds).
            explained(agentLog, cluster, successor, host, () -> await().atMost(LONG).pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        XmlNode h = hostInfo(cluster, successor, host);
                        return h != null && h.integer("STATE", -1) == MONITORED
                                && monitoredAt(h) > killedAt + 1;
                    }));
            assertThat(Files.readString(agentLog)).contains("session open with 127.0.0.1:" + agentPorts[successor]);
            assertThat(agent.isAlive()).isTrue();
        } finally {
            if (agent != null) {
                agent.destroyForcibly().waitFor();
            }
        }
    }

    /** Runs an await; when it times out, fails with what the agent logged and the host as the replica shows it. */
    private static void explained(Path agentLog, NimbodCluster cluster, int replica, int host, Runnable await)
            throws java.io.IOException {
        try {
            await.run();
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            XmlNode h = hostInfo(cluster, replica, host);
            throw new AssertionError(e.getMessage() + "\nhost " + host + " on replica " + replica + ": "
                    + (h == null ? "none" : "STATE " + h.integer("STATE", -1) + ", monitored at "
                    + monitoredAt(h) + ", ERROR " + h.child("TEMPLATE").text("ERROR", ""))
                    + "\nagent log:\n" + Files.readString(agentLog), e);
        }
    }

    private static long monitoredAt(XmlNode host) {
        XmlNode m = host.child("MONITORING");
        return m == null ? 0 : m.longValue("TIMESTAMP", 0);
    }

    private static int hostState(NimbodCluster cluster, int replica, int host) {
        XmlNode h = hostInfo(cluster, replica, host);
        return h == null ? -1 : h.integer("STATE", -1);
    }

    private static XmlNode hostInfo(NimbodCluster cluster, int replica, int host) {
        try (OneClient c = cluster.replica(replica).client()) {
            OneResponse r = c.call("one.host.info", host);
            return r.ok() ? XmlNode.parse(r.stringValue()) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static OneResponse awaitOk(java.util.function.Supplier<OneResponse> call) {
        OneResponse[] last = new OneResponse[1];
        await().atMost(LONG).pollInterval(Duration.ofMillis(200)).until(() -> {
            try {
                last[0] = call.get();
                return last[0].ok();
            } catch (RuntimeException e) {
                return false;
            }
        });
        return last[0];
    }
}
