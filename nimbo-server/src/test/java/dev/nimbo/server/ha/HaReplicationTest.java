package dev.nimbo.server.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.testing.NimbodCluster;
import dev.nimbo.testing.NimbodProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three real nimbod replicas: one leader, writes through any replica, reads of one's own writes, then kill -9 of
 * the leader under a steady write load from clients of every replica. Measures the failover time (printed) and
 * checks that every acknowledged write is on every surviving replica, that the replicas hold the same pools, that
 * the killed one catches up on restart, and that a restart of all three keeps everything.
 */
@org.junit.jupiter.api.parallel.Isolated // elections and timeouts: nothing else on the CPUs meanwhile
class HaReplicationTest {
    private static final Duration LONG = Duration.ofSeconds(120);
    private static final Pattern VM = Pattern.compile("<VM><ID>(\\d+)</ID>.*?<NAME>([^<]*)</NAME>");

    /** A write a client saw acknowledged, with when its call started and ended. */
    record Ack(int id, String name, long startNanos, long endNanos) {
    }

    @Test
    void replicasAgreeAndSurviveTheLeadersKill(@TempDir Path dir) throws Exception {
        // The role hooks come from the configuration file's ha section, the ID and peers from the options.
        Path config = dir.resolve("nimbod.yaml");
        java.nio.file.Files.writeString(config, """
                ha:
                  leader_hook: echo leader >> roles.txt
                  follower_hook: echo follower >> roles.txt
                """);
        try (NimbodCluster cluster = NimbodCluster.start(dir, 3, Map.of(), List.of("--config", config.toString()))) {
            int leader = cluster.awaitLeader(LONG);
            assertThat(leader).as("a leader is elected").isGreaterThanOrEqualTo(0);
            int follower = (leader + 1) % 3;
            // Every replica starts as a follower; the leader then runs its leader hook, the others do not.
            for (int i = 0; i < 3; i++) {
                String now = i == leader ? "leader" : "follower";
                Path roles = cluster.replica(i).dataDir().resolve("roles.txt");
                await().atMost(LONG).pollInterval(Duration.ofMillis(100)).until(() -> !lines(roles).isEmpty() && lines(roles).get(0).equals("follower")
                        && lines(roles).getLast().equals(now));
            }

            // A write through a follower is forwarded, and the follower then shows it at once (read your write).
            try (OneClient c = cluster.replica(follower).client()) {
                int id = awaitOk(() -> c.call("one.vm.allocate", vmTemplate("ryw"), true), LONG).intValue();
                OneResponse info = c.call("one.vm.info", id);
                assertThat(info.ok()).as("own write visible on the follower: %s", info.value()).isTrue();
                assertThat(info.stringValue()).contains("<NAME>ryw</NAME>");
            }
            // The leader refuses nothing; followers report FOLLOWER in the leader's term; the zone lists all three.
            await().atMost(LONG).pollInterval(Duration.ofMillis(100)).until(() -> countStates(cluster, NimbodCluster.LEADER) == 1 && countStates(cluster, 2) == 2);
            assertThat(cluster.term(0)).isEqualTo(cluster.term(1)).isEqualTo(cluster.term(2));
            try (OneClient c = cluster.replica(follower).client()) {
                String zone = c.call("one.zone.info", 0).stringValue();
                assertThat(zone.split("<SERVER>", -1)).hasSize(4);
            }

            // Steady writes from one client per replica; a client whose replica dies moves to the next one.
            ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int first = i;
                clients.add(Thread.ofPlatform().name("writer-" + i).start(() -> write(cluster, first, acks, stop)));
            }
            Thread.sleep(3000);
            int before = acks.size();
            long killedAt = System.nanoTime();
            int killed = cluster.awaitLeader(LONG);
            cluster.kill(killed);
            killedAt = System.nanoTime();
            long failoverNanos = -1;
            long deadline = System.nanoTime() + LONG.toNanos();
            while (failoverNanos < 0 && System.nanoTime() < deadline) {
                for (Ack a : acks) {
                    if (a.startNanos() > killedAt) {
                        failoverNanos = failoverNanos < 0 ? a.endNanos() - killedAt : Math.min(failoverNanos, a.endNanos() - killedAt);
                    }
                }
                Thread.sleep(50);
            }
            Thread.sleep(2000);
            stop.set(true);
            for (Thread t : clients) {
                t.join(LONG.toMillis());
            }
            System.out.printf("HA failover: %d writes acknowledged before the kill, %d in all; first write after "
                    + "killing leader %d acknowledged %.2f s after the kill%n", before, acks.size(), killed, failoverNanos / 1e9);
            assertThat(before).as("writes went through before the kill").isPositive();
            assertThat(failoverNanos).as("a write was acknowledged after the kill").isPositive();

            int successor = cluster.awaitLeader(LONG);
            Path successorRoles = cluster.replica(successor).dataDir().resolve("roles.txt");
            await().atMost(LONG).pollInterval(Duration.ofMillis(100)).until(() -> !lines(successorRoles).isEmpty() && lines(successorRoles).getLast().equals("leader"));

            // Every acknowledged write on every surviving replica; the survivors hold identical pools.
            List<Integer> alive = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                if (i != killed) {
                    alive.add(i);
                }
            }
            String agreed = cluster.awaitSamePool(alive, LONG);
            Map<Integer, String> vms = vms(agreed);
            for (Ack a : acks) {
                assertThat(vms).as("acknowledged VM %d", a.id()).containsEntry(a.id(), a.name());
            }

            // The killed replica comes back as a follower and catches up from the log.
            cluster.restart(killed);
            List<Integer> all = List.of(0, 1, 2);
            assertThat(cluster.awaitSamePool(all, LONG)).isEqualTo(agreed);

            // All three stopped and started again: same state, and writes work again.
            for (int i = 0; i < 3; i++) {
                assertThat(cluster.stop(i)).isZero();
            }
            // A leader that stops gives up its role: its follower hook ran last.
            assertThat(lines(successorRoles)).last().isEqualTo("follower");
            cluster.restartAll();
            assertThat(cluster.awaitLeader(LONG)).isGreaterThanOrEqualTo(0);
            assertThat(cluster.awaitSamePool(all, LONG)).isEqualTo(agreed);
            try (OneClient c = cluster.replica(0).client()) {
                awaitOk(() -> c.call("one.vm.allocate", vmTemplate("after-restart"), true), LONG);
            }
        }
    }

    @Test
    void wrongHaOptionsStopTheDaemonWithAClearMessage(@TempDir Path dir) throws Exception {
        NimbodProcess.ProcessResult notAmong = NimbodProcess.runToExit(dir.resolve("a"), LONG, "--data", dir.resolve("a").toString(),
                "--port", "0", "--ha-id", "5", "--ha-peers", "0=127.0.0.1:7001,1=127.0.0.1:7002");
        assertThat(notAmong.exitCode()).isEqualTo(1);
        assertThat(notAmong.output()).contains("--ha-id 5 is not among --ha-peers");
        NimbodProcess.ProcessResult noId = NimbodProcess.runToExit(dir.resolve("b"), LONG, "--data", dir.resolve("b").toString(),
                "--port", "0", "--ha-peers", "0=127.0.0.1:7001");
        assertThat(noId.exitCode()).isEqualTo(1);
        assertThat(noId.output()).contains("--ha-peers needs --ha-id");
        // Nothing was started: no Raft log, no database.
        assertThat(dir.resolve("a").resolve("raft")).doesNotExist();
        assertThat(dir.resolve("a").resolve("nimbo.db")).doesNotExist();
    }

    private static void write(NimbodCluster cluster, int first, ConcurrentLinkedQueue<Ack> acks, AtomicBoolean stop) {
        int target = first;
        int seq = 0;
        OneClient c = cluster.replica(target).client();
        try {
            while (!stop.get()) {
                String name = "w" + first + "-" + seq++;
                long start = System.nanoTime();
                try {
                    OneResponse r = c.call("one.vm.allocate", vmTemplate(name), true);
                    if (r.ok()) {
                        acks.add(new Ack(r.intValue(), name, start, System.nanoTime()));
                    } else {
                        Thread.sleep(20);
                    }
                } catch (RuntimeException e) {
                    // transport failure: this replica is down; use the next one
                    c.close();
                    target = (target + 1) % cluster.size();
                    c = cluster.replica(target).client();
                    Thread.sleep(20);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            c.close();
        }
    }

    private static List<String> lines(Path file) {
        try {
            return java.nio.file.Files.exists(file) ? java.nio.file.Files.readAllLines(file) : List.of();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String vmTemplate(String name) {
        return "NAME = \"" + name + "\"\nCPU = 0.1\nMEMORY = 64\n";
    }

    private static int countStates(NimbodCluster cluster, int state) {
        int n = 0;
        for (int i = 0; i < cluster.size(); i++) {
            if (cluster.state(i) == state) {
                n++;
            }
        }
        return n;
    }

    private static Map<Integer, String> vms(String pool) {
        Map<Integer, String> out = new TreeMap<>();
        Matcher m = VM.matcher(pool);
        while (m.find()) {
            out.put(Integer.parseInt(m.group(1)), m.group(2));
        }
        return out;
    }

    private static OneResponse awaitOk(java.util.function.Supplier<OneResponse> call, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        OneResponse last = null;
        while (System.nanoTime() < deadline) {
            try {
                last = call.get();
                if (last.ok()) {
                    return last;
                }
            } catch (RuntimeException e) {
                // not answering yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("call did not succeed: " + (last == null ? "no answer" : last.value()));
    }
}
