package dev.nimbo.server.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.NimbodCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader is killed while VMs wait for their drivers (dummy drivers taking seconds per operation): two being
 * deployed (PROLOG/BOOT) and one powering off. The new leader, once it has waited out the fence, issues each
 * interrupted operation again exactly once (one recovery pass, nothing failed), and the VMs end where they were
 * going: RUNNING and POWEROFF.
 */
@org.junit.jupiter.api.parallel.Isolated // elections and timeouts: nothing else on the CPUs meanwhile
class HaTakeoverTest {
    private static final Duration LONG = Duration.ofSeconds(120);
    private static final int ACTIVE = 3;
    private static final int POWEROFF = 8;
    private static final int RUNNING = 3;

    @Test
    void theNewLeaderResumesInterruptedOperationsOnce(@TempDir Path dir) throws Exception {
        Map<String, String> env = Map.of("NIMBO_DUMMY_LATENCY", "4s", "NIMBO_HOST_MONITOR_INTERVAL", "1",
                "NIMBO_AGENT_PORT", "-1");
        try (NimbodCluster cluster = NimbodCluster.start(dir, 3, env)) {
            int leader = cluster.awaitLeader(LONG);
            assertThat(leader).isNotNegative();
            int vm1;
            int vm2;
            int vm3;
            try (OneClient c = cluster.replica(leader).client()) {
                int host = awaitOk(() -> c.call("one.host.allocate", "ha11-dummy", "dummy", "dummy", -1)).intValue();
                await().atMost(LONG).pollInterval(Duration.ofMillis(200))
                        .until(() -> info(c, "one.host.info", host).integer("STATE", -1) == 2);
                vm3 = ok(c.call("one.vm.allocate", "NAME = \"off\"\nCPU = 0.1\nMEMORY = 64\n", false)).intValue();
                ok(c.call("one.vm.deploy", vm3, host, false, -1));
                await().atMost(LONG).pollInterval(Duration.ofMillis(200)).until(() -> lcm(c, vm3) == RUNNING);
                vm1 = ok(c.call("one.vm.allocate", "NAME = \"a\"\nCPU = 0.1\nMEMORY = 64\n", false)).intValue();
                vm2 = ok(c.call("one.vm.allocate", "NAME = \"b\"\nCPU = 0.1\nMEMORY = 64\n", false)).intValue();
                ok(c.call("one.vm.deploy", vm1, host, false, -1));
                ok(c.call("one.vm.deploy", vm2, host, false, -1));
                ok(c.call("one.vm.action", "poweroff", vm3));
                // Each is waiting for its driver (4 s per operation) when the leader dies.
                for (int vm : List.of(vm1, vm2, vm3)) {
                    XmlNode v = info(c, "one.vm.info", vm);
                    assertThat(v.integer("STATE", -1)).as("VM %d", vm).isEqualTo(ACTIVE);
                    assertThat(v.integer("LCM_STATE", -1)).as("VM %d in a transient phase", vm).isNotEqualTo(RUNNING);
                }
            }
            cluster.kill(leader);
            int successor = cluster.awaitLeader(LONG);
            assertThat(successor).isNotNegative().isNotEqualTo(leader);
            try (OneClient c = cluster.replica(successor).client()) {
                await().atMost(LONG).pollInterval(Duration.ofMillis(200)).until(() -> lcm(c, vm1) == RUNNING
                        && lcm(c, vm2) == RUNNING && info(c, "one.vm.info", vm3).integer("STATE", -1) == POWEROFF);
            }
            String log = Files.readString(cluster.replica(successor).dataDir().resolve("nimbod.log"));
            assertThat(log.split("VMs interrupted by the previous run: ", -1)).as("one recovery pass").hasSize(2);
            assertThat(log).contains("VMs interrupted by the previous run: 3 operations issued again, 0 failed");
        }
    }

    private static int lcm(OneClient c, int vm) {
        XmlNode v = info(c, "one.vm.info", vm);
        return v == null ? -1 : v.integer("LCM_STATE", -1);
    }

    private static XmlNode info(OneClient c, String method, int id) {
        try {
            OneResponse r = c.call(method, id);
            return r.ok() ? XmlNode.parse(r.stringValue()) : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as("%s", r.ok() ? "" : r.stringValue()).isTrue();
        return r;
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
