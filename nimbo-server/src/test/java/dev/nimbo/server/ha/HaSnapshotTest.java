package dev.nimbo.server.ha;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.testing.NimbodCluster;
import dev.nimbo.testing.NimbodProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Log compaction with snapshots, on three real replicas that snapshot every 10 entries and roll small log
 * segments: a follower whose whole data directory is wiped comes back from the leader's snapshot plus the log
 * after it, and holds the same pools; a restart of all three keeps everything.
 */
@org.junit.jupiter.api.parallel.Isolated // elections and timeouts: nothing else on the CPUs meanwhile
class HaSnapshotTest {
    private static final Duration LONG = Duration.ofSeconds(120);

    @Test
    void aWipedReplicaCatchesUpFromTheLeadersSnapshot(@TempDir Path dir) throws Exception {
        Map<String, String> env = Map.of("NIMBO_HA_SNAPSHOT_EVERY", "10", "NIMBO_HA_LOG_SEGMENT_BYTES", "4096");
        try (NimbodCluster cluster = NimbodCluster.start(dir, 3, env)) {
            int leader = cluster.awaitLeader(LONG);
            assertThat(leader).isGreaterThanOrEqualTo(0);
            int wiped = (leader + 1) % 3;
            allocate(cluster.replica(leader), "before", 30);
            assertThat(snapshots(cluster.replica(leader).dataDir())).as("snapshots taken on the leader").isNotEmpty();

            assertThat(cluster.stop(wiped)).isZero();
            deleteTree(cluster.replica(wiped).dataDir());
            // Written while the replica is gone: the log up to here is compacted away on the leader.
            allocate(cluster.replica(leader), "while-away", 30);

            cluster.restart(wiped);
            List<Integer> all = List.of(0, 1, 2);
            String pool = cluster.awaitSamePool(all, LONG);
            assertThat(pool).contains("<NAME>before-0</NAME>").contains("<NAME>while-away-29</NAME>");
            assertThat(cluster.replica(wiped).log()).contains("installed the leader's snapshot");

            for (int i = 0; i < 3; i++) {
                assertThat(cluster.stop(i)).isZero();
            }
            cluster.restartAll();
            assertThat(cluster.awaitLeader(LONG)).isGreaterThanOrEqualTo(0);
            assertThat(cluster.awaitSamePool(all, LONG)).isEqualTo(pool);
        }
    }

    private static void allocate(NimbodProcess p, String prefix, int n) {
        try (OneClient c = p.client()) {
            for (int i = 0; i < n; i++) {
                OneResponse r = c.call("one.vm.allocate", "NAME = \"" + prefix + "-" + i + "\"\nCPU = 0.1\nMEMORY = 64\n", true);
                assertThat(r.ok()).as("allocate: %s", r.value()).isTrue();
            }
        }
    }

    private static List<Path> snapshots(Path dataDir) throws IOException {
        try (Stream<Path> files = Files.walk(dataDir.resolve("raft"))) {
            return files.filter(f -> f.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).toList();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

}
