package dev.nimbo.server.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.testing.NimbodCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader frozen with SIGSTOP (cut off from the others, as in a partition, until SIGCONT): the other two elect a
 * leader and take writes; when the old leader runs again it still believes it leads for a moment, and writes
 * sent to it then are either refused or really committed. Afterwards every acknowledged write is on every replica
 * and the three hold identical pools.
 */
@org.junit.jupiter.api.parallel.Isolated // elections and timeouts: nothing else on the CPUs meanwhile
class HaFrozenLeaderTest {
    private static final Duration LONG = Duration.ofSeconds(120);

    @Test
    void aFrozenLeaderIsReplacedAndRejoinsWithoutDivergence(@TempDir Path dir) throws Exception {
        try (NimbodCluster cluster = NimbodCluster.start(dir, 3, Map.of())) {
            int old = cluster.awaitLeader(LONG);
            assertThat(old).isGreaterThanOrEqualTo(0);
            List<String> acknowledged = new ArrayList<>();
            try (OneClient c = cluster.replica(old).client()) {
                allocate(c, "before", acknowledged);
            }

            cluster.replica(old).signal("STOP");
            int successor;
            try {
                await().atMost(LONG).pollInterval(Duration.ofMillis(200)).until(() -> otherLeader(cluster, old) >= 0);
                successor = otherLeader(cluster, old);
                try (OneClient c = cluster.replica(successor).client()) {
                    for (int i = 0; i < 5; i++) {
                        allocate(c, "majority-" + i, acknowledged);
                    }
                }
            } finally {
                cluster.replica(old).signal("CONT");
            }

            // Straight after waking up: whatever it acknowledges must really be committed.
            int refused = 0;
            try (OneClient c = new OneClient(cluster.replica(old).endpoint(), "oneadmin:" + dev.nimbo.testing.NimbodProcess.ADMIN_PASSWORD,
                    LONG)) {
                for (int i = 0; i < 5; i++) {
                    String name = "woken-" + i;
                    OneResponse r = c.call("one.vm.allocate", template(name), true);
                    if (r.ok()) {
                        acknowledged.add(name);
                    } else {
                        refused++;
                    }
                }
            }
            System.out.printf("frozen leader %d replaced by %d; %d of 5 writes to it after waking were refused%n", old,
                    successor, refused);

            String pool = cluster.awaitSamePool(List.of(0, 1, 2), LONG);
            for (String name : acknowledged) {
                assertThat(pool).as("acknowledged %s", name).contains("<NAME>" + name + "</NAME>");
            }
            await().atMost(LONG).until(() -> cluster.state(old) == 2 || cluster.state(old) == NimbodCluster.LEADER);
        }
    }

    private static int otherLeader(NimbodCluster cluster, int frozen) {
        for (int i = 0; i < cluster.size(); i++) {
            if (i != frozen && cluster.state(i) == NimbodCluster.LEADER) {
                return i;
            }
        }
        return -1;
    }

    private static void allocate(OneClient c, String name, List<String> acknowledged) {
        OneResponse r = c.call("one.vm.allocate", template(name), true);
        assertThat(r.ok()).as("allocate %s: %s", name, r.value()).isTrue();
        acknowledged.add(name);
    }

    private static String template(String name) {
        return "NAME = \"" + name + "\"\nCPU = 0.1\nMEMORY = 64\n";
    }
}
