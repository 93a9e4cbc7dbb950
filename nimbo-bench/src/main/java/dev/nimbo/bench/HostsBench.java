package dev.nimbo.bench;

import dev.nimbo.client.xmlrpc.XmlRpcCodec;
import dev.nimbo.server.NimboServer;
import dev.nimbo.server.ServerConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 3's host benchmark: registers N dummy hosts through the API (80 % DUMMY_PROFILE=edge-small, 20 %
 * telco-large), times until every one is MONITORED with its profile, then drives the mix host.info 60 % /
 * hostpool.info 40 % open loop at fixed rates (latency counted from each request's scheduled time, so a slow
 * server cannot hide behind a slow client), and finally one.host.info closed loop to saturation. Starts its
 * own nimbod in this JVM on a temporary data directory unless --endpoint is given.
 */
@Command(name = "hosts", mixinStandardHelpOptions = true,
        description = "Register dummy hosts, wait until monitored, drive host.info/hostpool.info at fixed rates.")
final class HostsBench implements Callable<Integer> {
    static final String HOST_INFO = "one.host.info";
    static final String POOL_INFO = "one.hostpool.info";

    @Option(names = "--hosts", description = "Dummy hosts to register. Default: ${DEFAULT-VALUE}")
    int hosts = 1250;

    @Option(names = {"--rate", "--rates"}, split = ",",
            description = "Open-loop rates of the mix, req/s, one run each. Default: ${DEFAULT-VALUE}")
    List<Integer> rates = new ArrayList<>(List.of(30, 300));

    @Option(names = "--seconds", description = "Measured duration of each run. Default: ${DEFAULT-VALUE}")
    int seconds = 30;

    @Option(names = "--warmup", description = "Warm-up seconds before the first run, not measured. Default: ${DEFAULT-VALUE}")
    int warmup = 5;

    @Option(names = "--clients", description = "Closed-loop clients of the host.info saturation run (0 skips it). "
            + "Default: ${DEFAULT-VALUE}")
    int clients = 16;

    @Option(names = "--max-in-flight", description = "Open-loop requests outstanding at most; later ones wait "
            + "(their wait counts as latency). Default: ${DEFAULT-VALUE}")
    int maxInFlight = 64;

    @Option(names = "--monitor-timeout", description = "Seconds to wait for all hosts to be monitored. "
            + "Default: ${DEFAULT-VALUE}")
    int monitorTimeout = 600;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    Path json;

    @Option(names = "--endpoint", description = "Use a running daemon instead of starting one.")
    URI endpoint;

    @Option(names = "--session", description = "Session string for --endpoint (user:password).")
    String session;

    /** Per method: latencies of the successful calls, and the failures. */
    static final class MethodStats {
        final Latencies latencies = new Latencies();
        int errors;
        String firstError;

        synchronized void ok(long nanos) {
            latencies.add(nanos);
        }

        synchronized void failed(Exception e) {
            if (errors++ == 0) {
                firstError = String.valueOf(e.getMessage());
            }
        }
    }

    record RunResult(String name, double targetRate, double seconds, Map<String, MethodStats> methods,
                     Map<String, Latencies> sorted, int lost) {
    }

    private final List<RunResult> results = new ArrayList<>();
    private final Map<String, Object> setup = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        NimboServer server = null;
        try {
            if (endpoint == null) {
                Path dir = Files.createTempDirectory("nimbo-bench-");
                System.setProperty("nimbo.log.file", dir.resolve("nimbod.log").toString());
                long s = System.nanoTime();
                server = NimboServer.start(new ServerConfig(dir, "127.0.0.1", 0, null, 0,
                        ServerConfig.DEFAULT_MAX_REQUEST_BYTES, 600_000));
                setup.put("startupMs", (System.nanoTime() - s) / 1e6);
                endpoint = URI.create("http://127.0.0.1:" + server.port() + "/RPC2");
                session = Files.readString(System.getenv("ONE_AUTH") != null ? Path.of(System.getenv("ONE_AUTH"))
                        : dir.resolve("one_auth")).strip();
            }
            if (session == null) {
                throw new IllegalArgumentException("--session is needed with --endpoint");
            }
            List<Integer> ids = createHosts();
            if (ids.isEmpty()) {
                throw new IllegalStateException("no hosts");
            }
            byte[][] infoCalls = new byte[ids.size()][];
            for (int i = 0; i < ids.size(); i++) {
                infoCalls[i] = RawRpcConnection.encode(HOST_INFO, List.of(session, ids.get(i)));
            }
            byte[] poolCall = RawRpcConnection.encode(POOL_INFO, List.of(session));
            try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
                setup.put("hostpoolBytes", c.callAndDiscard(poolCall));
                setup.put("hostInfoBytes", c.callAndDiscard(infoCalls[0]));
            }
            if (warmup > 0 && !rates.isEmpty()) {
                openLoop("warm-up", rates.get(0), warmup, infoCalls, poolCall);
            }
            for (int rate : rates) {
                results.add(openLoop("mix", rate, seconds, infoCalls, poolCall));
            }
            if (clients > 0) {
                results.add(saturation(infoCalls));
            }
            report(System.out);
            if (json != null) {
                Files.writeString(json, toJson());
            }
            return results.stream().anyMatch(r -> r.lost > 0
                    || r.methods.values().stream().anyMatch(m -> m.errors > 0)) ? 1 : 0;
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    // ------------------------------------------------------------------ setup

    private static String profileOf(int i) {
        return i % 5 == 4 ? "telco-large" : "edge-small"; // 80 % / 20 %
    }

    /** TOTAL_CPU a profile's host reports: threads × 100 (edge-small 1×8×2, telco-large 2×24×2). */
    private static int totalCpuOf(String profile) {
        return profile.equals("telco-large") ? 9600 : 1600;
    }

    /** Registers the hosts with 16 parallel clients, then polls the pool until each is monitored with its profile. */
    private List<Integer> createHosts() throws Exception {
        String prefix = "bench-" + Long.toString(System.currentTimeMillis() % 1_000_000, 36) + "-";
        Integer[] ids = new Integer[hosts];
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<?>> parts = new ArrayList<>();
        for (int c = 0; c < 16; c++) {
            parts.add(pool.submit(() -> {
                try (RawRpcConnection conn = new RawRpcConnection(endpoint)) {
                    int i;
                    while ((i = next.getAndIncrement()) < hosts) {
                        byte[] r = conn.call(RawRpcConnection.encode("one.host.allocate",
                                List.of(session, prefix + i, "dummy", "dummy", -1)));
                        int id = (Integer) ((List<?>) XmlRpcCodec.decodeResponse(r)).get(1);
                        conn.call(RawRpcConnection.encode("one.host.update",
                                List.of(session, id, "DUMMY_PROFILE = \"" + profileOf(i) + "\"", 1)));
                        ids[i] = id;
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : parts) {
            f.get();
        }
        pool.shutdown();
        double created = (System.nanoTime() - t0) / 1e9;
        Map<Integer, Integer> wantCpu = new java.util.HashMap<>();
        for (int i = 0; i < hosts; i++) {
            wantCpu.put(ids[i], totalCpuOf(profileOf(i)));
        }
        byte[] poolCall = RawRpcConnection.encode(POOL_INFO, List.of(session));
        long deadline = t0 + TimeUnit.SECONDS.toNanos(monitorTimeout);
        int ready = 0;
        try (RawRpcConnection conn = new RawRpcConnection(endpoint)) {
            while (true) {
                String xml = (String) ((List<?>) XmlRpcCodec.decodeResponse(conn.call(poolCall))).get(1);
                ready = countMonitored(xml, wantCpu);
                if (ready == hosts) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(ready + " of " + hosts + " hosts monitored after "
                            + monitorTimeout + " s");
                }
                Thread.sleep(200);
            }
        }
        double monitored = (System.nanoTime() - t0) / 1e9;
        setup.put("hosts", hosts);
        setup.put("createSeconds", created);
        setup.put("createRate", hosts / created);
        setup.put("allMonitoredSeconds", monitored);
        System.out.printf(Locale.ROOT, "%d hosts registered in %.1f s (%.0f hosts/s); all MONITORED with their "
                + "profile %.1f s after the first allocate%n", hosts, created, hosts / created, monitored);
        return List.of(ids);
    }

    /** Hosts of ours in STATE 2 (MONITORED) whose HOST_SHARE/TOTAL_CPU is their profile's. */
    static int countMonitored(String poolXml, Map<Integer, Integer> wantCpu) {
        int n = 0;
        int at = 0;
        while ((at = poolXml.indexOf("<HOST><ID>", at)) >= 0) {
            int end = poolXml.indexOf("</HOST>", at);
            if (end < 0) {
                break;
            }
            int id = Integer.parseInt(element(poolXml, "ID", at, end));
            Integer cpu = wantCpu.get(id);
            if (cpu != null && "2".equals(element(poolXml, "STATE", at, end))
                    && String.valueOf(cpu).equals(element(poolXml, "TOTAL_CPU", at, end))) {
                n++;
            }
            at = end;
        }
        return n;
    }

    private static String element(String xml, String tag, int from, int to) {
        int s = xml.indexOf("<" + tag + ">", from);
        if (s < 0 || s > to) {
            return null;
        }
        s += tag.length() + 2;
        int e = xml.indexOf("</" + tag + ">", s);
        return e < 0 || e > to ? null : xml.substring(s, e);
    }

    // ------------------------------------------------------------------ runs

    /**
     * Fixed-rate open loop: request i is due at t0 + i/rate and runs on its own virtual thread with a pooled
     * connection; its latency runs from when it was due until its answer is read.
     */
    private RunResult openLoop(String name, int rate, int secs, byte[][] infoCalls, byte[] poolCall) throws Exception {
        Map<String, MethodStats> stats = new LinkedHashMap<>();
        stats.put(HOST_INFO, new MethodStats());
        stats.put(POOL_INFO, new MethodStats());
        ConcurrentLinkedQueue<RawRpcConnection> idle = new ConcurrentLinkedQueue<>();
        Semaphore inFlight = new Semaphore(maxInFlight);
        Random random = new Random(42);
        long total = (long) rate * secs;
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        AtomicInteger done = new AtomicInteger();
        long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long i = 0; i < total; i++) {
                long due = t0 + i * period;
                boolean pool = random.nextDouble() >= 0.6;
                byte[] body = pool ? poolCall : infoCalls[random.nextInt(infoCalls.length)];
                MethodStats m = stats.get(pool ? POOL_INFO : HOST_INFO);
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                exec.execute(() -> {
                    RawRpcConnection conn = null;
                    try {
                        inFlight.acquire();
                        try {
                            conn = idle.poll();
                            if (conn == null) {
                                conn = new RawRpcConnection(endpoint);
                            }
                            conn.callAndDiscard(body);
                            m.ok(System.nanoTime() - due);
                            idle.add(conn);
                            conn = null;
                        } finally {
                            inFlight.release();
                        }
                    } catch (Exception e) {
                        m.failed(e);
                    } finally {
                        closeQuietly(conn);
                        done.incrementAndGet();
                    }
                });
            }
            exec.shutdown();
            if (!exec.awaitTermination(120, TimeUnit.SECONDS)) {
                exec.shutdownNow();
            }
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        for (RawRpcConnection c; (c = idle.poll()) != null; ) {
            closeQuietly(c);
        }
        return finish(name + " " + rate + " req/s", rate, elapsed, stats, (int) (total - done.get()));
    }

    /** one.host.info from N closed-loop clients, each on its own connection, over random hosts. */
    private RunResult saturation(byte[][] infoCalls) throws Exception {
        MethodStats stats = new MethodStats();
        long t0 = System.nanoTime();
        long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Latencies>> parts = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int seed = c;
            parts.add(pool.submit(() -> {
                Latencies l = new Latencies();
                Random random = new Random(seed);
                try (RawRpcConnection conn = new RawRpcConnection(endpoint)) {
                    while (System.nanoTime() < end) {
                        long s = System.nanoTime();
                        try {
                            conn.callAndDiscard(infoCalls[random.nextInt(infoCalls.length)]);
                        } catch (IOException e) {
                            stats.failed(e);
                            break;
                        }
                        l.add(System.nanoTime() - s);
                    }
                }
                return l;
            }));
        }
        List<Latencies> all = new ArrayList<>();
        for (Future<Latencies> f : parts) {
            all.add(f.get());
        }
        pool.shutdown();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        Map<String, Latencies> sorted = new LinkedHashMap<>();
        sorted.put(HOST_INFO, Latencies.merge(all));
        Map<String, MethodStats> methods = new LinkedHashMap<>();
        methods.put(HOST_INFO, stats);
        return new RunResult("saturation " + clients + " clients", 0, elapsed, methods, sorted, 0);
    }

    private static RunResult finish(String name, double rate, double elapsed, Map<String, MethodStats> stats, int lost) {
        Map<String, Latencies> sorted = new LinkedHashMap<>();
        stats.forEach((k, v) -> sorted.put(k, Latencies.merge(List.of(v.latencies))));
        return new RunResult(name, rate, elapsed, stats, sorted, lost);
    }

    private static void closeQuietly(RawRpcConnection c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // already failed
            }
        }
    }

    // ------------------------------------------------------------------ output

    private void report(PrintStream out) {
        out.printf(Locale.ROOT, "one.hostpool.info answer: %.1f MB; one.host.info answer: %.1f KB%n",
                ((Number) setup.get("hostpoolBytes")).intValue() / 1e6, ((Number) setup.get("hostInfoBytes")).intValue() / 1e3);
        out.printf(Locale.ROOT, "%-24s %-18s %9s %9s %9s %9s %9s %7s%n", "run", "method", "requests", "rate/s",
                "p50 ms", "p99 ms", "max ms", "errors");
        for (RunResult r : results) {
            double all = 0;
            for (var e : r.sorted.entrySet()) {
                Latencies l = e.getValue();
                MethodStats m = r.methods.get(e.getKey());
                all += l.count() / r.seconds;
                out.printf(Locale.ROOT, "%-24s %-18s %9d %9.1f %9.3f %9.3f %9.3f %7d%n", r.name, e.getKey(), l.count(),
                        l.count() / r.seconds, l.percentileMs(50), l.percentileMs(99), l.percentileMs(100), m.errors);
                if (m.firstError != null) {
                    out.println("    first error: " + m.firstError);
                }
            }
            if (r.sorted.size() > 1) {
                out.printf(Locale.ROOT, "%-24s %-18s %9s %9.1f%s%n", r.name, "(all)", "", all,
                        r.lost > 0 ? "  (" + r.lost + " requests never finished)" : "");
            }
        }
    }

    private String toJson() {
        StringBuilder b = new StringBuilder(1024).append("{\n  \"benchmark\": \"hosts\",\n  \"setup\": {");
        String sep = "";
        for (var e : setup.entrySet()) {
            b.append(sep).append("\"").append(e.getKey()).append("\": ").append(num(e.getValue()));
            sep = ", ";
        }
        b.append("},\n  \"runs\": [");
        sep = "";
        for (RunResult r : results) {
            b.append(sep).append("\n    {\"name\": \"").append(r.name).append("\", \"targetRate\": ").append(num(r.targetRate))
                    .append(", \"seconds\": ").append(num(r.seconds)).append(", \"lost\": ").append(r.lost)
                    .append(", \"methods\": {");
            String msep = "";
            for (var e : r.sorted.entrySet()) {
                Latencies l = e.getValue();
                MethodStats m = r.methods.get(e.getKey());
                b.append(msep).append("\n      \"").append(e.getKey()).append("\": {\"requests\": ").append(l.count())
                        .append(", \"rate\": ").append(num(l.count() / r.seconds))
                        .append(", \"p50Ms\": ").append(num(l.percentileMs(50)))
                        .append(", \"p99Ms\": ").append(num(l.percentileMs(99)))
                        .append(", \"maxMs\": ").append(num(l.percentileMs(100)))
                        .append(", \"errors\": ").append(m.errors).append("}");
                msep = ",";
            }
            b.append("}}");
            sep = ",";
        }
        return b.append("\n  ]\n}\n").toString();
    }

    private static String num(Object v) {
        if (v instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.3f", d);
        }
        return String.valueOf(v);
    }
}
