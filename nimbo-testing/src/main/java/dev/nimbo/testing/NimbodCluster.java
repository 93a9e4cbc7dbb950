package dev.nimbo.testing;

import dev.nimbo.client.OneResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A replicated front-end for failure tests: N real nimbod processes, each with its own data directory, API port
 * and Raft port, started with {@code --ha-id}/{@code --ha-peers} naming all of them. Not thread-safe: one test
 * thread drives it (clients of the replicas may run anywhere).
 */
public final class NimbodCluster implements AutoCloseable {
    private static final Pattern STATE = Pattern.compile("<STATE>(\\d+)</STATE>");
    private static final Pattern TERM = Pattern.compile("<TERM>(\\d+)</TERM>");
    private static final Pattern COMMIT = Pattern.compile("<COMMIT>(\\d+)</COMMIT>");
    public static final int LEADER = 3;

    private final int[] apiPorts;
    private final String peers;
    private final NimbodProcess[] replicas;

    /**
     * Where replica i runs for partition tests: its network namespace, the address its peers reach it at (Raft and
     * forwarded writes) and the address the test process reaches its API at.
     */
    public record Placement(String netns, String peerHost, String clientHost) {
    }

    private NimbodCluster(int n) throws IOException {
        this(java.util.Collections.nCopies(n, "127.0.0.1"));
    }

    private NimbodCluster(List<String> hosts) throws IOException {
        int n = hosts.size();
        this.apiPorts = new int[n];
        int[] raftPorts = new int[n];
        List<String> entries = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            apiPorts[i] = NimbodProcess.freePort();
            raftPorts[i] = NimbodProcess.freePort();
            entries.add(i + "=" + hosts.get(i) + ":" + raftPorts[i] + ":" + apiPorts[i]);
        }
        this.peers = String.join(",", entries);
        this.replicas = new NimbodProcess[n];
    }

    /**
     * Starts n replicas (server IDs 0..n-1) together and waits until each answers oneadmin: a replica answers
     * once a leader is elected and the first start's users are replicated, which needs a majority up.
     */
    public static NimbodCluster start(Path base, int n, Map<String, String> env) throws IOException {
        return start(base, n, env, List.of());
    }

    /** As {@link #start(Path, int, Map)} with more nimbod arguments, the same for every replica. */
    public static NimbodCluster start(Path base, int n, Map<String, String> env, List<String> args) throws IOException {
        return start(base, n, env, id -> args);
    }

    /** As {@link #start(Path, int, Map)} with more nimbod arguments for each replica (e.g. its own agent port). */
    public static NimbodCluster start(Path base, int n, Map<String, String> env,
                                      java.util.function.IntFunction<List<String>> argsOf) throws IOException {
        NimbodCluster c = new NimbodCluster(n);
        try {
            c.inParallel(id -> {
                List<String> all = new ArrayList<>(List.of("--ha-id", String.valueOf(id), "--ha-peers", c.peers));
                all.addAll(argsOf.apply(id));
                c.replicas[id] = NimbodProcess.start(base.resolve("replica" + id), c.apiPorts[id], env, all);
            });
        } catch (IOException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /**
     * Starts one replica per placement, each in its own network namespace (needs root). Its API listens on every
     * address of its namespace (peers forward to peerHost, the test dials clientHost); Raft on peerHost only.
     */
    public static NimbodCluster startInNamespaces(Path base, List<Placement> placements, Map<String, String> env)
            throws IOException {
        NimbodCluster c = new NimbodCluster(placements.stream().map(Placement::peerHost).toList());
        try {
            c.inParallel(id -> {
                Placement p = placements.get(id);
                c.replicas[id] = NimbodProcess.startInNamespace(base.resolve("replica" + id), c.apiPorts[id], env,
                        List.of("--ha-id", String.valueOf(id), "--ha-peers", c.peers), p.netns(), "0.0.0.0", p.clientHost());
            });
        } catch (IOException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** Restarts all stopped replicas together (a lone replica cannot answer before a majority is back). */
    public void restartAll() throws IOException {
        inParallel(id -> replicas[id].restart());
    }

    private interface Launch {
        void run(int replica) throws IOException;
    }

    private void inParallel(Launch launch) throws IOException {
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < replicas.length; i++) {
            int id = i;
            threads.add(Thread.ofPlatform().name("launch-replica-" + i).start(() -> {
                try {
                    launch.run(id);
                } catch (IOException | RuntimeException e) {
                    failures.add(e);
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failures.add(e);
            }
        }
        if (!failures.isEmpty()) {
            throw new IOException("replicas did not start: " + failures, failures.get(0));
        }
    }

    public int size() {
        return replicas.length;
    }

    public NimbodProcess replica(int i) {
        return replicas[i];
    }

    /** The --ha-peers value all replicas run with. */
    public String peers() {
        return peers;
    }

    /** Raft state of replica i as one.zone.raftstatus reports it (3 leader, 2 follower, 1 candidate), -1 if down. */
    public int state(int i) {
        String xml = raftStatus(i);
        return xml == null ? -1 : number(STATE, xml);
    }

    public long term(int i) {
        String xml = raftStatus(i);
        return xml == null ? -1 : number(TERM, xml);
    }

    public long commit(int i) {
        String xml = raftStatus(i);
        return xml == null ? -1 : number(COMMIT, xml);
    }

    /** one.zone.raftstatus of replica i, or null when it is down or does not answer. */
    public String raftStatus(int i) {
        if (replicas[i] == null || !replicas[i].isAlive()) {
            return null;
        }
        try (var c = replicas[i].client()) {
            OneResponse r = c.call("one.zone.raftstatus");
            return r.ok() ? r.stringValue() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static int number(Pattern p, String xml) {
        Matcher m = p.matcher(xml);
        if (!m.find()) {
            throw new IllegalStateException("no " + p + " in " + xml);
        }
        return Integer.parseInt(m.group(1));
    }

    /** The index of the replica that reports itself leader, waiting up to timeout; -1 if none did. */
    public int awaitLeader(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            for (int i = 0; i < replicas.length; i++) {
                if (state(i) == LEADER) {
                    return i;
                }
            }
            Thread.sleep(100);
        }
        return -1;
    }

    /**
     * The VM pool (one.vmpool.info of every VM) once the given replicas answer exactly the same document: they
     * have applied the same log. Fails after the timeout, showing what each answered.
     */
    public String awaitSamePool(List<Integer> which, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> last = List.of();
        while (System.nanoTime() < deadline) {
            List<String> pools = new ArrayList<>();
            for (int i : which) {
                pools.add(vmPool(i));
            }
            if (pools.stream().allMatch(p -> p != null && p.equals(pools.get(0)))) {
                return pools.get(0);
            }
            last = pools;
            Thread.sleep(200);
        }
        throw new AssertionError("replicas " + which + " did not converge: " + last);
    }

    private String vmPool(int i) {
        if (replicas[i] == null || !replicas[i].isAlive()) {
            return null;
        }
        try (var c = replicas[i].client()) {
            OneResponse r = c.call("one.vmpool.info", -2, -1, -1, -1);
            return r.ok() ? r.stringValue() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** SIGKILL replica i. */
    public void kill(int i) throws InterruptedException {
        replicas[i].kill();
    }

    /** SIGTERM replica i and wait for it. */
    public int stop(int i) throws InterruptedException {
        return replicas[i].stop();
    }

    /** Starts a stopped or killed replica again on its data, ports and peers. */
    public void restart(int i) throws IOException {
        replicas[i].restart();
    }

    @Override
    public void close() {
        for (NimbodProcess p : replicas) {
            if (p != null) {
                p.close();
            }
        }
    }
}
