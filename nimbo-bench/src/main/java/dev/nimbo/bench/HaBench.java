package dev.nimbo.bench;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 11's benchmark: one.vm.allocate (on hold) throughput and latency from N closed-loop clients against one
 * plain nimbod and against the leader of a three-replica zone (all local processes), then the failover time over K
 * kill -9 of the leader: from the kill to the first write acknowledged through a surviving replica, after which the
 * killed replica is restarted and has to rejoin before the next kill.
 */
@Command(name = "ha", mixinStandardHelpOptions = true,
        description = "HA zone: allocate throughput and p99 with 1 vs 3 replicas, failover time over K leader kills.")
final class HaBench implements Callable<Integer> {
    private static final Pattern STATE = Pattern.compile("<STATE>(\\d+)</STATE>");
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(60);

    @Option(names = "--clients", description = "Concurrent writing clients. Default: ${DEFAULT-VALUE}")
    int clients = 3;

    @Option(names = "--seconds", description = "Measured seconds of each throughput run. Default: ${DEFAULT-VALUE}")
    int seconds = 20;

    @Option(names = "--warmup", description = "Warm-up seconds before each throughput run. Default: ${DEFAULT-VALUE}")
    int warmup = 5;

    @Option(names = "--kills", description = "Leader kills for the failover distribution (e.g. 20). Default: ${DEFAULT-VALUE}")
    int kills = 10;

    @Option(names = "--json", description = "Print the results as JSON instead of a table.")
    boolean json;

    private record Throughput(int replicas, int acknowledged, double perSecond, double p50, double p99, int errors) {
    }

    @Override
    public Integer call() throws Exception {
        Path base = Files.createTempDirectory("nimbo-bench-ha-");
        Throughput single;
        try (Zone zone = Zone.start(base.resolve("single"), 1)) {
            single = hold(zone, zone.awaitLeader());
        }
        Throughput three;
        double[] failovers;
        try (Zone zone = Zone.start(base.resolve("three"), 3)) {
            three = hold(zone, zone.awaitLeader());
            failovers = failovers(zone);
        }
        double[] sorted = failovers.clone();
        Arrays.sort(sorted);
        if (json) {
            StringBuilder f = new StringBuilder();
            for (double s : failovers) {
                f.append(f.isEmpty() ? "" : ",").append(String.format(Locale.ROOT, "%.3f", s));
            }
            System.out.printf(Locale.ROOT, "{\"clients\":%d,\"seconds\":%d,\"throughput\":[%s,%s],\"failover_seconds\":[%s],"
                    + "\"failover_median\":%s,\"failover_max\":%s}%n", clients, seconds, json(single), json(three), f,
                    jsonNumber(percentile(sorted, 50)), jsonNumber(percentile(sorted, 100)));
        } else {
            System.out.printf("one.vm.allocate (on hold), %d clients, %d s after %d s warm-up, to the leader%n", clients, seconds, warmup);
            System.out.printf("%-10s %10s %10s %10s %10s %8s%n", "replicas", "writes", "writes/s", "p50 ms", "p99 ms", "errors");
            for (Throughput t : List.of(single, three)) {
                System.out.printf(Locale.ROOT, "%-10d %10d %10.1f %10.1f %10.1f %8d%n", t.replicas(), t.acknowledged(),
                        t.perSecond(), t.p50(), t.p99(), t.errors());
            }
            System.out.printf(Locale.ROOT, "failover over %d leader kills (kill -9 to first acknowledged write): "
                    + "min %.2f s, median %.2f s, p90 %.2f s, max %.2f s%n  each: %s%n", failovers.length,
                    percentile(sorted, 0), percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 100),
                    Arrays.toString(failovers));
        }
        return 0;
    }

    private static String json(Throughput t) {
        return String.format(Locale.ROOT, "{\"replicas\":%d,\"acknowledged\":%d,\"per_second\":%.1f,\"p50_ms\":%.2f,"
                + "\"p99_ms\":%.2f,\"errors\":%d}", t.replicas(), t.acknowledged(), t.perSecond(), t.p50(), t.p99(), t.errors());
    }

    /** JSON has no NaN: no kills (--kills 0) give null. */
    private static String jsonNumber(double v) {
        return Double.isNaN(v) ? "null" : String.format(Locale.ROOT, "%.3f", v);
    }

    private static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int idx = (int) Math.max(0, Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1));
        return sorted[idx];
    }

    /** Closed-loop allocate from every client to the leader; only calls started after the warm-up count. */
    private Throughput hold(Zone zone, int leader) throws InterruptedException {
        long measureFrom = System.nanoTime() + Duration.ofSeconds(warmup).toNanos();
        long measureTo = measureFrom + Duration.ofSeconds(seconds).toNanos();
        List<Latencies> parts = new ArrayList<>();
        int[] errors = new int[clients];
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Latencies mine = new Latencies();
            parts.add(mine);
            int client = i;
            threads.add(Thread.ofPlatform().name("ha-client-" + i).start(() -> {
                try (OneClient c = zone.client(leader)) {
                    for (int n = 0; System.nanoTime() < measureTo; n++) {
                        long t0 = System.nanoTime();
                        OneResponse r = c.call("one.vm.allocate", "NAME = \"b" + client + "-" + n + "\"\nCPU = 0.1\nMEMORY = 64\n", true);
                        long t1 = System.nanoTime();
                        if (t0 >= measureFrom && t1 <= measureTo) {
                            if (r.ok()) {
                                mine.add(t1 - t0);
                            } else {
                                errors[client]++;
                            }
                        }
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        Latencies all = Latencies.merge(parts);
        return new Throughput(zone.size(), all.count(), all.count() / (double) seconds, all.percentileMs(50),
                all.percentileMs(99), Arrays.stream(errors).sum());
    }

    /** K times: kill -9 the leader, time until a write through a survivor is acknowledged, restart the killed one. */
    private double[] failovers(Zone zone) throws Exception {
        double[] result = new double[kills];
        for (int k = 0; k < kills; k++) {
            int leader = zone.awaitLeader();
            int survivor = (leader + 1) % zone.size();
            try (OneClient c = zone.client(survivor)) {
                zone.replica(leader).kill();
                long t0 = System.nanoTime();
                // The survivor forwards the write once it knows a leader (or leads itself); retry what it refuses.
                for (int n = 0; ; n++) {
                    OneResponse r = call(c, "failover-" + k + "-" + n);
                    if (r != null && r.ok()) {
                        result[k] = (System.nanoTime() - t0) / 1e9;
                        break;
                    }
                    if (System.nanoTime() - t0 > Duration.ofMinutes(2).toNanos()) {
                        throw new IOException("no write acknowledged within 2 minutes of killing leader " + leader);
                    }
                }
            }
            System.err.printf(Locale.ROOT, "kill %d of %d: leader %d, first acknowledged write after %.2f s%n", k + 1, kills,
                    leader, result[k]);
            zone.replica(leader).launch();
            zone.awaitFollower(leader);
        }
        return result;
    }

    private static OneResponse call(OneClient c, String name) {
        try {
            return c.call("one.vm.allocate", "NAME = \"" + name + "\"\nCPU = 0.1\nMEMORY = 64\n", true);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** n local nimbod processes: a plain daemon for n = 1, replicas of one zone otherwise. */
    private static final class Zone implements AutoCloseable {
        private final BenchDaemon[] replicas;

        private Zone(BenchDaemon[] replicas) {
            this.replicas = replicas;
        }

        static Zone start(Path base, int n) throws IOException, InterruptedException {
            int[] api = new int[n];
            int[] raft = new int[n];
            List<String> peers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                api[i] = freePort();
                raft[i] = freePort();
                peers.add(i + "=127.0.0.1:" + raft[i] + ":" + api[i]);
            }
            BenchDaemon[] replicas = new BenchDaemon[n];
            for (int i = 0; i < n; i++) {
                List<String> args = n == 1 ? List.of() : List.of("--ha-id", String.valueOf(i), "--ha-peers", String.join(",", peers));
                replicas[i] = BenchDaemon.prepare(base.resolve("replica" + i), Map.of("NIMBO_SCHED_INTERVAL", "0"), api[i], args);
            }
            Zone zone = new Zone(replicas);
            // A replica answers only once a majority is up: launch them together.
            List<Thread> threads = new ArrayList<>();
            List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            for (BenchDaemon d : replicas) {
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        d.launch();
                    } catch (IOException | RuntimeException e) {
                        failures.add(e);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            if (!failures.isEmpty()) {
                zone.close();
                throw new IOException("replicas did not start: " + failures, failures.get(0));
            }
            return zone;
        }

        int size() {
            return replicas.length;
        }

        BenchDaemon replica(int i) {
            return replicas[i];
        }

        OneClient client(int i) {
            return new OneClient(replicas[i].endpoint(), replicas[i].session(), CALL_TIMEOUT);
        }

        /** 3 leader, 2 follower, 1 candidate; -1 when it does not answer. */
        int state(int i) {
            try (OneClient c = client(i)) {
                OneResponse r = c.call("one.zone.raftstatus");
                Matcher m = r.ok() ? STATE.matcher(r.stringValue()) : null;
                return m != null && m.find() ? Integer.parseInt(m.group(1)) : -1;
            } catch (RuntimeException e) {
                return -1;
            }
        }

        int awaitLeader() throws IOException {
            if (replicas.length == 1) {
                return 0;
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (System.nanoTime() < deadline) {
                for (int i = 0; i < replicas.length; i++) {
                    if (state(i) == 3) {
                        return i;
                    }
                }
                BenchDaemon.sleep(Duration.ofMillis(100));
            }
            throw new IOException("no leader within 2 minutes");
        }

        void awaitFollower(int i) throws IOException {
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (state(i) != 2 && state(i) != 3) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("replica " + i + " did not rejoin within 2 minutes");
                }
                BenchDaemon.sleep(Duration.ofMillis(100));
            }
        }

        private static int freePort() throws IOException {
            try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
                return s.getLocalPort();
            }
        }

        @Override
        public void close() {
            for (BenchDaemon d : replicas) {
                d.close();
            }
        }
    }
}
