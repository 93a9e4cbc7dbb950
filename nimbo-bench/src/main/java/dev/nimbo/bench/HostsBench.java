package dev.nimbo.bench;

import dev.nimbo.client.xmlrpc.XmlRpcCodec;
import dev.nimbo.server.NimboServer;
import dev.nimbo.server.ServerConfig;
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
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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

    private final List<Mix.Run> results = new ArrayList<>();
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
            Random random = new Random(42);
            Mix mix = new Mix(endpoint, List.of(
                    new Mix.Method(HOST_INFO, 60, () -> infoCalls[random.nextInt(infoCalls.length)]),
                    new Mix.Method(POOL_INFO, 40, () -> poolCall)), maxInFlight);
            if (warmup > 0 && !rates.isEmpty()) {
                mix.openLoop("warm-up", rates.get(0), warmup);
            }
            for (int rate : rates) {
                results.add(mix.openLoop("mix " + rate + " req/s", rate, seconds));
            }
            if (clients > 0) {
                Mix info = new Mix(endpoint, List.of(new Mix.Method(HOST_INFO, 1,
                        () -> infoCalls[ThreadLocalRandom.current().nextInt(infoCalls.length)])), maxInFlight);
                results.add(info.closedLoop("saturation " + clients + " clients", clients, seconds));
            }
            report(System.out);
            if (json != null) {
                Files.writeString(json, toJson());
            }
            return results.stream().anyMatch(r -> r.lost() > 0 || r.errors() > 0) ? 1 : 0;
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

    // ------------------------------------------------------------------ output

    private void report(PrintStream out) {
        out.printf(Locale.ROOT, "one.hostpool.info answer: %.1f MB; one.host.info answer: %.1f KB%n",
                ((Number) setup.get("hostpoolBytes")).intValue() / 1e6, ((Number) setup.get("hostInfoBytes")).intValue() / 1e3);
        MixReport.table(out, results);
    }

    private String toJson() {
        return MixReport.json("hosts", Map.of("setup", setup), results);
    }
}
