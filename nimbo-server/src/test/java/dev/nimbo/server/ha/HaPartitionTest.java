package dev.nimbo.server.ha;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.testing.NimbodCluster;
import dev.nimbo.testing.NimbodProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real network partition: each of three nimbod replicas runs in its own network namespace. Raft (and forwarded
 * writes) travel over a veth link per replica to a bridge in a fourth namespace; the test reaches each replica's
 * API over a second veth link from this namespace, which stays up, so the cut-off replica remains reachable by
 * clients. Under steady writes through every replica the leader's Raft link is set down: the other two elect a
 * leader and go on acknowledging writes; the isolated one acknowledges nothing. Set up again, the old leader
 * follows the new one and all three converge with every acknowledged write.
 */
@org.junit.jupiter.api.parallel.Isolated // elections and timeouts: nothing else on the CPUs meanwhile
class HaPartitionTest {
    private static final Duration LONG = Duration.ofSeconds(120);

    @Test
    void theMajorityGoesOnTheMinorityRefusesAndHealingConverges(@TempDir Path dir) throws Exception {
        try (Network net = Network.create(3); NimbodCluster cluster = NimbodCluster.startInNamespaces(dir, net.placements(), Map.of())) {
            int old = cluster.awaitLeader(LONG);
            assertThat(old).as("a leader is elected").isGreaterThanOrEqualTo(0);

            // Steady writes, one client per replica; every acknowledged name is recorded.
            ConcurrentLinkedQueue<String> acknowledged = new ConcurrentLinkedQueue<>();
            AtomicInteger refusedByOld = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int replica = i;
                writers.add(Thread.ofPlatform().name("writer-" + i).start(() -> {
                    try (OneClient c = new OneClient(cluster.replica(replica).endpoint(), admin(), LONG)) {
                        for (int n = 0; !stop.get(); n++) {
                            String name = "w" + replica + "-" + n;
                            OneResponse r = call(c, name);
                            if (r != null && r.ok()) {
                                acknowledged.add(name);
                            } else if (replica == old) {
                                refusedByOld.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            await().atMost(LONG).until(() -> acknowledged.size() >= 6);

            net.cut(old);
            long cutAt = System.nanoTime();
            await().atMost(LONG).pollInterval(Duration.ofMillis(200)).until(() -> otherLeader(cluster, old) >= 0);
            int successor = otherLeader(cluster, old);
            System.out.printf("partition: leader %d cut off, %d leads after %.1f s%n", old, successor, (System.nanoTime() - cutAt) / 1e9);
            // The majority takes writes, directly and through its follower.
            int follower = 3 - old - successor;
            for (int replica : List.of(successor, follower)) {
                try (OneClient c = new OneClient(cluster.replica(replica).endpoint(), admin(), LONG)) {
                    String name = "majority-" + replica;
                    OneResponse r = await().atMost(LONG).until(() -> call(c, name), x -> x != null && x.ok());
                    acknowledged.add(name);
                    assertThat(r.intValue()).isGreaterThanOrEqualTo(0);
                }
            }
            // The isolated replica, still reachable by clients, acknowledges nothing.
            List<String> refusedNames = new ArrayList<>();
            try (OneClient c = new OneClient(cluster.replica(old).endpoint(), admin(), LONG)) {
                for (int i = 0; i < 2; i++) {
                    String name = "minority-" + i;
                    OneResponse r = call(c, name);
                    assertThat(r).as("the isolated replica answers").isNotNull();
                    assertThat(r.ok()).as("the isolated replica refuses %s: %s", name, r.value()).isFalse();
                    // ACTION while it still believes it leads (its write gate refuses), INTERNAL once it knows it
                    // does not and no leader is reachable (OpenNebula's "no leader found" is INTERNAL too).
                    assertThat(r.errorCode()).as("%s", r.value()).isIn(ErrorCode.ACTION.code(), ErrorCode.INTERNAL.code());
                    System.out.printf("isolated replica refused a write: error %d, %s%n", r.errorCode(), r.value());
                    refusedNames.add(name);
                }
            }
            int ackedBeforeHeal = acknowledged.size();

            net.heal(old);
            // The old leader follows the new one and converges; writes go on through all three.
            await().atMost(LONG).pollInterval(Duration.ofMillis(200)).until(() -> cluster.state(old) == 2);
            await().atMost(LONG).until(() -> acknowledged.size() >= ackedBeforeHeal + 3);
            stop.set(true);
            for (Thread t : writers) {
                t.join(LONG.toMillis() + 10_000);
                assertThat(t.isAlive()).isFalse();
            }
            String pool = cluster.awaitSamePool(List.of(0, 1, 2), LONG);
            System.out.printf("partition healed: %d writes acknowledged, %d refused by the isolated leader%n",
                    acknowledged.size(), refusedByOld.get());
            for (String name : acknowledged) {
                assertThat(pool).as("acknowledged %s", name).contains("<NAME>" + name + "</NAME>");
            }
            for (String name : refusedNames) {
                assertThat(pool).as("refused %s", name).doesNotContain("<NAME>" + name + "</NAME>");
            }
            assertThat(cluster.term(old)).isEqualTo(cluster.term(successor));

            // Fencing: the cut-off leader had stopped driving hypervisors before the new one started to.
            java.time.LocalDateTime oldStopped = lastLine(cluster.replica(old).dataDir(), dev.nimbo.server.LeaderWork.STOPPED);
            java.time.LocalDateTime newStarted = lastLine(cluster.replica(successor).dataDir(), dev.nimbo.server.LeaderWork.STARTED);
            System.out.printf("fencing: old leader stopped its managers at %s, the new one started them at %s%n",
                    oldStopped, newStarted);
            assertThat(oldStopped).as("the old leader stopped its managers").isNotNull();
            assertThat(newStarted).isNotNull();
            assertThat(oldStopped).as("no overlap of the two leaders' driving").isBefore(newStarted);
        }
    }

    /** The time of the last nimbod.log line containing text (same machine, same clock for every replica). */
    private static java.time.LocalDateTime lastLine(Path dataDir, String text) throws java.io.IOException {
        java.time.LocalDateTime last = null;
        for (String line : java.nio.file.Files.readAllLines(dataDir.resolve("nimbod.log"))) {
            if (line.contains(text) && line.length() > 23) {
                last = java.time.LocalDateTime.parse(line.substring(0, 23).replace(' ', 'T'));
            }
        }
        return last;
    }

    private static String admin() {
        return "oneadmin:" + NimbodProcess.ADMIN_PASSWORD;
    }

    /** one.vm.allocate on hold; null when the replica did not answer at all (connection or timeout). */
    private static OneResponse call(OneClient c, String name) {
        try {
            return c.call("one.vm.allocate", "NAME = \"" + name + "\"\nCPU = 0.1\nMEMORY = 64\n", true);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static int otherLeader(NimbodCluster cluster, int cut) {
        for (int i = 0; i < cluster.size(); i++) {
            if (i != cut && cluster.state(i) == NimbodCluster.LEADER) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Namespaces {@code nimbo-ha-PID-i} (replicas) and {@code nimbo-ha-PID-br} (the bridge). Replica i has
     * {@code raft} (10.77.0.i+1 on the bridge) and {@code api} (10.S.i.2, paired with {@code nhaPIDa<i>} = 10.S.i.1
     * here). All deleted on close, which also removes their links.
     */
    static final class Network implements AutoCloseable {
        private final String prefix = "nimbo-ha-" + ProcessHandle.current().pid();
        private final int subnet = 100 + (int) (ProcessHandle.current().pid() % 100);
        private final List<String> created = new ArrayList<>();
        private final List<NimbodCluster.Placement> placements = new ArrayList<>();

        static Network create(int n) throws IOException, InterruptedException {
            Network net = new Network();
            try {
                net.build(n);
            } catch (IOException | RuntimeException | InterruptedException e) {
                net.close();
                throw e;
            }
            return net;
        }

        private void build(int n) throws IOException, InterruptedException {
            String br = prefix + "-br";
            addNamespace(br);
            ip("-n", br, "link", "add", "br0", "type", "bridge");
            ip("-n", br, "link", "set", "br0", "up");
            for (int i = 0; i < n; i++) {
                String ns = ns(i);
                addNamespace(ns);
                ip("-n", ns, "link", "set", "lo", "up");
                ip("link", "add", "raft", "netns", ns, "type", "veth", "peer", "name", "b" + i, "netns", br);
                ip("-n", br, "link", "set", "b" + i, "master", "br0");
                ip("-n", br, "link", "set", "b" + i, "up");
                ip("-n", ns, "addr", "add", "10.77.0." + (i + 1) + "/24", "dev", "raft");
                ip("-n", ns, "link", "set", "raft", "up");
                String host = hostLink(i);
                ip("link", "add", host, "type", "veth", "peer", "name", "api", "netns", ns);
                ip("addr", "add", "10." + subnet + "." + i + ".1/24", "dev", host);
                ip("link", "set", host, "up");
                ip("-n", ns, "addr", "add", "10." + subnet + "." + i + ".2/24", "dev", "api");
                ip("-n", ns, "link", "set", "api", "up");
                placements.add(new NimbodCluster.Placement(ns, "10.77.0." + (i + 1), "10." + subnet + "." + i + ".2"));
            }
        }

        List<NimbodCluster.Placement> placements() {
            return placements;
        }

        /** Replica i loses the Raft network (its API link stays up). */
        void cut(int i) throws IOException, InterruptedException {
            ip("-n", ns(i), "link", "set", "raft", "down");
        }

        void heal(int i) throws IOException, InterruptedException {
            ip("-n", ns(i), "link", "set", "raft", "up");
        }

        private String ns(int i) {
            return prefix + "-" + i;
        }

        private String hostLink(int i) {
            return "nha" + (ProcessHandle.current().pid() % 100000) + "a" + i;
        }

        private void addNamespace(String name) throws IOException, InterruptedException {
            ip("netns", "add", name);
            created.add(name);
        }

        private static void ip(String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("ip"));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed (network namespaces need root): " + out.strip());
            }
        }

        @Override
        public void close() {
            // Deleting a namespace deletes its veth ends, and with them their peers here and on the bridge.
            for (String name : created.reversed()) {
                try {
                    ip("netns", "delete", name);
                } catch (IOException | InterruptedException e) {
                    System.err.println("could not delete namespace " + name + ": " + e.getMessage());
                }
            }
        }
    }
}
