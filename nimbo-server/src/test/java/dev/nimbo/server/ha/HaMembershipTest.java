package dev.nimbo.server.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.testing.NimbodCluster;
import dev.nimbo.testing.NimbodProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * one.zone.addserver / delserver / resetserver on real replicas: a fourth nimbod joins a running three-server
 * zone, catches up and serves the same pools; then it is removed again and the zone keeps working.
 */
@org.junit.jupiter.api.parallel.Isolated // elections and timeouts: nothing else on the CPUs meanwhile
class HaMembershipTest {
    private static final Duration LONG = Duration.ofSeconds(120);

    @Test
    void aServerJoinsCatchesUpAndLeaves(@TempDir Path dir) throws Exception {
        try (NimbodCluster cluster = NimbodCluster.start(dir, 3, Map.of())) {
            int leader = cluster.awaitLeader(LONG);
            assertThat(leader).isGreaterThanOrEqualTo(0);
            int follower = (leader + 1) % 3;
            try (OneClient c = cluster.replica(leader).client()) {
                for (int i = 0; i < 5; i++) {
                    assertThat(c.call("one.vm.allocate", "NAME = \"m" + i + "\"\nCPU = 0.1\nMEMORY = 64\n", true).ok()).isTrue();
                }
            }

            // The new server starts with the whole list; it answers only once the zone has taken it in.
            int api = NimbodProcess.freePort();
            int raft = NimbodProcess.freePort();
            Path newDir = dir.resolve("replica3");
            CompletableFuture<NimbodProcess> joining = CompletableFuture.supplyAsync(() -> {
                try {
                    return NimbodProcess.start(newDir, api, Map.of(), List.of("--ha-id", "3", "--ha-peers",
                            cluster.peers() + ",3=127.0.0.1:" + raft + ":" + api));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            await().atMost(LONG).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> logOf(newDir).contains("Raft server 3 of 4 started"));
            try (OneClient c = cluster.replica(follower).client()) {
                // Through a follower: membership calls are forwarded to the leader like any write.
                OneResponse added = c.call("one.zone.addserver", 0, "SERVER = [ NAME = \"server-3\", ENDPOINT = "
                        + "\"http://127.0.0.1:" + api + "/RPC2\", RAFT = \"127.0.0.1:" + raft + "\" ]");
                assertThat(added.ok()).as("addserver: %s", added.value()).isTrue();
                try (NimbodProcess joined = joining.get(); OneClient n = joined.client()) {
                    // it catches up from the leader's log (or snapshot) after it answers: wait for the last write
                    await().atMost(LONG).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() ->
                            n.call("one.vmpool.info", -2, -1, -1, -1).stringValue().contains("<NAME>m4</NAME>"));
                    await().atMost(LONG).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> n.call("one.zone.raftstatus").stringValue().contains("<STATE>2</STATE>"));
                    assertThat(n.call("one.zone.raftstatus").stringValue()).contains("<SERVER_ID>3</SERVER_ID>");
                    // A write through the new server reaches everyone.
                    assertThat(n.call("one.vm.allocate", "NAME = \"via-new\"\nCPU = 0.1\nMEMORY = 64\n", true).ok()).isTrue();
                    await().atMost(LONG).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> c.call("one.zone.info", 0).stringValue().split("<SERVER>", -1).length == 5);
                    await().atMost(LONG).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> c.call("one.vmpool.info", -2, -1, -1, -1).stringValue().contains("<NAME>via-new</NAME>"));
                    assertThat(c.call("one.zone.resetserver", 0, 3).ok()).isTrue();
                    assertThat(c.call("one.zone.resetserver", 0, 9).ok()).isFalse();

                    OneResponse removed = c.call("one.zone.delserver", 0, 3);
                    assertThat(removed.ok()).as("delserver: %s", removed.value()).isTrue();
                    await().atMost(LONG).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> c.call("one.zone.info", 0).stringValue().split("<SERVER>", -1).length == 4);
                    joined.kill();
                    assertThat(c.call("one.vm.allocate", "NAME = \"after-del\"\nCPU = 0.1\nMEMORY = 64\n", true).ok()).isTrue();
                    assertThat(c.call("one.zone.delserver", 0, 3).ok()).as("already gone").isFalse();
                }
            }
        }
    }

    private static String logOf(Path dataDir) {
        try {
            Path out = dataDir.resolve("stdout.log");
            return java.nio.file.Files.exists(out) ? java.nio.file.Files.readString(out) : "";
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
