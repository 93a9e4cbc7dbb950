package dev.nimbo.bench;

import dev.nimbo.client.xmlrpc.XmlRpcCodec;
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
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 7's scale benchmark, OpenNebula's published single-zone limits (1,250 hosts, 20,000 VMs) and its API mix
 * (host.info 30 %, hostpool.info 20 %, vm.info 30 %, vmpool.info 20 %), all through the public API of a nimbod
 * in its own JVM: registers dummy hosts with NUMA/hugepage/PCI profiles, instantiates the VMs (mixed sizes,
 * 10 % pinned), lets them be placed (by the scheduler, or by deploy calls with {@code --placement manual}),
 * keeps host monitoring running at {@code --monitor-rate} hosts/s, drives the mix at fixed rates and to
 * saturation, then reports the daemon's heap, resident memory, database size and its start-up time with the
 * full database. Exit code 1 when any request failed.
 */
@Command(name = "scale", mixinStandardHelpOptions = true,
        description = "1,250 hosts and 20,000 VMs (times --scale), then OpenNebula's API mix at fixed rates.")
final class ScaleBench implements Callable<Integer> {
    static final String HOST_INFO = "one.host.info";
    static final String HOSTPOOL_INFO = "one.hostpool.info";
    static final String VM_INFO = "one.vm.info";
    static final String VMPOOL_INFO = "one.vmpool.info";

    /** Host profiles of the dummy driver with their share of the fleet and the TOTAL_CPU they report. */
    private static final String[] PROFILES = {"edge-small", "edge-small", "edge-small", "edge-medium", "edge-medium",
        "telco-large", "telco-large", "edge-small", "edge-small", "gpu"};
    private static final Map<String, Integer> PROFILE_CPU = Map.of("edge-small", 1600, "edge-medium", 4800,
            "telco-large", 9600, "gpu", 6400);

    /** VM sizes of the mix; one in ten is pinned (CORE policy) with NUMA. */
    private static final String[] VM_TEMPLATES = {
        "CPU = 0.1\nVCPU = 1\nMEMORY = 128",
        "CPU = 0.25\nVCPU = 1\nMEMORY = 256",
        "CPU = 0.5\nVCPU = 2\nMEMORY = 512",
        "CPU = 1\nVCPU = 2\nMEMORY = 1024",
        "CPU = 2\nVCPU = 2\nMEMORY = 1024\nTOPOLOGY = [ PIN_POLICY = CORE, SOCKETS = 1, CORES = 2, THREADS = 1 ]"};
    private static final int[] VM_TEMPLATE_SHARE = {40, 25, 15, 10, 10};

    @Option(names = "--scale", description = "Fraction of 1,250 hosts / 20,000 VMs. Default: ${DEFAULT-VALUE}")
    double scale = 1.0;

    @Option(names = {"--rate", "--rates"}, split = ",", description = "Open-loop rates of the mix with full "
            + "vmpool.info listings, req/s. Default: ${DEFAULT-VALUE}")
    List<Integer> rates = new ArrayList<>(List.of(30, 100, 300));

    @Option(names = "--paged-rates", split = ",", description = "Open-loop rates of the mix whose vmpool.info asks "
            + "for --vmpool-page VMs, req/s. Default: ${DEFAULT-VALUE}")
    List<Integer> pagedRates = new ArrayList<>(List.of(1000, 3000));

    @Option(names = "--seconds", description = "Measured duration of each fixed-rate run. Default: ${DEFAULT-VALUE}")
    int seconds = 20;

    @Option(names = "--saturation-seconds", description = "Duration of each closed-loop run (0 skips them). "
            + "Default: ${DEFAULT-VALUE}")
    int saturationSeconds = 15;

    @Option(names = "--clients", description = "Closed-loop clients, and parallel clients for set-up. "
            + "Default: ${DEFAULT-VALUE}")
    int clients = 16;

    @Option(names = "--max-in-flight", description = "Open-loop requests outstanding at most; later ones wait "
            + "(their wait counts as latency). Default: ${DEFAULT-VALUE}")
    int maxInFlight = 64;

    @Option(names = "--placement", description = "scheduler (wait for the scheduler) or manual (one.vm.deploy "
            + "round-robin). Default: ${DEFAULT-VALUE}")
    String placement = "scheduler";

    @Option(names = "--monitor-rate", description = "Host monitorings per second to keep up during the runs. "
            + "Default: ${DEFAULT-VALUE}")
    int monitorRate = 60;

    @Option(names = "--vmpool-page", description = "VMs per one.vmpool.info in the --paged-rates runs: a random ID "
            + "range of N VMs, as a paged listing asks. Default: ${DEFAULT-VALUE}")
    int vmpoolPage = 100;

    @Option(names = "--db", description = "JDBC URL of the daemon's database (e.g. PostgreSQL); default its "
            + "embedded SQLite.")
    String db;

    @Option(names = "--timeout", description = "Seconds to wait for hosts to be monitored and VMs to run. "
            + "Default: ${DEFAULT-VALUE}")
    int timeout = 600;

    @Option(names = "--json", description = "Also write the results as JSON to this file.")
    Path json;

    @Option(names = "--data", description = "The daemon's data directory (default a new temporary one).")
    Path data;

    @Option(names = "--endpoint", description = "Use a running daemon instead of starting one (no daemon "
            + "memory, database or restart figures then).")
    URI endpoint;

    @Option(names = "--session", description = "Session string for --endpoint (user:password).")
    String session;

    private final Map<String, Object> setup = new LinkedHashMap<>();
    private final Map<String, Object> daemon = new LinkedHashMap<>();
    private final List<Mix.Run> runs = new ArrayList<>();
    private int[] hostIds;
    private int[] vmIds;

    @Override
    public Integer call() throws Exception {
        int hosts = Math.max(2, (int) Math.round(1250 * scale));
        int vms = Math.max(10, (int) Math.round(20000 * scale));
        BenchDaemon d = null;
        try {
            if (endpoint == null) {
                Path dir = data != null ? data : Files.createTempDirectory("nimbo-scale-");
                long interval = Math.max(1, hosts / Math.max(1, monitorRate));
                d = BenchDaemon.start(dir, db, Map.of("NIMBO_HOST_MONITOR_INTERVAL", String.valueOf(interval)));
                endpoint = d.endpoint();
                session = d.session();
                daemon.put("database", db == null ? "sqlite" : db.replaceAll("\\?.*", "").replaceAll("//[^@/]*@", "//"));
                daemon.put("hostMonitorIntervalSeconds", interval);
                System.out.printf(Locale.ROOT, "nimbod pid %d on %s, data %s%n", d.pid(), endpoint, dir);
            } else if (session == null) {
                throw new IllegalArgumentException("--session is needed with --endpoint");
            }
            createHosts(hosts);
            createAndPlaceVms(vms);
            drive();
            if (d != null) {
                measureDaemon(d, vms);
            }
            report(System.out);
            if (json != null) {
                Files.writeString(json, toJson());
            }
            return runs.stream().anyMatch(r -> r.errors() > 0 || r.lost() > 0) ? 1 : 0;
        } finally {
            if (d != null) {
                d.close();
            }
        }
    }

    // ------------------------------------------------------------------ set-up

    private void createHosts(int hosts) throws Exception {
        String prefix = "scale-" + Long.toString(System.currentTimeMillis() % 1_000_000, 36) + "-";
        hostIds = new int[hosts];
        Map<Integer, Integer> wantCpu = new java.util.concurrent.ConcurrentHashMap<>();
        long t0 = System.nanoTime();
        inParallel(hosts, (conn, i) -> {
            String profile = PROFILES[i % PROFILES.length];
            int id = intResult(conn.call(RawRpcConnection.encode("one.host.allocate",
                    List.of(session, prefix + i, "dummy", "dummy", -1))));
            // the large telco hosts take pinned VMs: oned's scheduler wants PIN_POLICY = PINNED on such hosts
            String pinning = profile.equals("telco-large") ? "\nPIN_POLICY = PINNED" : "";
            conn.call(RawRpcConnection.encode("one.host.update",
                    List.of(session, id, "DUMMY_PROFILE = \"" + profile + "\"" + pinning, 1)));
            hostIds[i] = id;
            wantCpu.put(id, PROFILE_CPU.get(profile));
        });
        double created = secondsSince(t0);
        byte[] poolCall = RawRpcConnection.encode(HOSTPOOL_INFO, List.of(session));
        awaitCount("hosts MONITORED with their profile", hosts, t0,
                c -> HostsBench.countMonitored(text(c.call(poolCall)), wantCpu));
        setup.put("hosts", hosts);
        setup.put("hostCreateSeconds", created);
        setup.put("hostCreateRate", hosts / created);
        setup.put("hostsMonitoredSeconds", secondsSince(t0));
    }

    private void createAndPlaceVms(int vms) throws Exception {
        String tag = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        int[] templates = new int[VM_TEMPLATES.length];
        try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
            for (int t = 0; t < templates.length; t++) {
                templates[t] = intResult(c.call(RawRpcConnection.encode("one.template.allocate",
                        List.of(session, "NAME = scale-" + tag + "-" + t + "\n" + VM_TEMPLATES[t]))));
            }
        }
        vmIds = new int[vms];
        long t0 = System.nanoTime();
        inParallel(vms, (conn, i) -> vmIds[i] = intResult(conn.call(RawRpcConnection.encode(
                "one.template.instantiate", List.of(session, templates[templateOf(i)], "scale-" + tag + "-" + i,
                        false, "", false)))));
        double instantiated = secondsSince(t0);
        setup.put("vms", vms);
        setup.put("instantiateSeconds", instantiated);
        setup.put("instantiateRate", vms / instantiated);
        setup.put("placement", placement);
        setup.put("vmpoolPage", vmpoolPage);
        if (placement.equals("manual")) {
            inParallel(vms, (conn, i) -> conn.call(RawRpcConnection.encode("one.vm.deploy",
                    List.of(session, vmIds[i], hostIds[i % hostIds.length], false, -1))));
        } else if (!placement.equals("scheduler")) {
            throw new IllegalArgumentException("--placement must be scheduler or manual");
        }
        byte[] active = RawRpcConnection.encode(VMPOOL_INFO, List.of(session, -2, -1, -1, 3));
        awaitCount("VMs RUNNING", vms, t0, c -> occurrences(text(c.call(active)), "<LCM_STATE>3</LCM_STATE>"));
        setup.put("createToAllRunningSeconds", secondsSince(t0));
    }

    private static int templateOf(int i) {
        int slot = i % 100;
        for (int t = 0; t < VM_TEMPLATE_SHARE.length; t++) {
            slot -= VM_TEMPLATE_SHARE[t];
            if (slot < 0) {
                return t;
            }
        }
        return 0;
    }

    // ------------------------------------------------------------------ runs

    private void drive() throws Exception {
        Mix mix = openNebulaMix(0);
        Mix paged = openNebulaMix(vmpoolPage);
        try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
            setup.put("hostpoolInfoBytes", c.callAndDiscard(RawRpcConnection.encode(HOSTPOOL_INFO, List.of(session))));
            setup.put("vmpoolInfoBytes", c.callAndDiscard(RawRpcConnection.encode(VMPOOL_INFO,
                    List.of(session, -2, -1, -1, -1))));
        }
        long t0 = System.nanoTime();
        mix.openLoop("warm-up", Math.max(1, rates.isEmpty() ? 30 : rates.get(0)), 3);
        for (int rate : rates) {
            Mix.Run r = mix.openLoop("mix " + rate + " req/s", rate, seconds);
            runs.add(r);
            System.out.printf(Locale.ROOT, "%s: %d requests, %d errors%n", r.name(), r.requests(), r.errors());
        }
        for (int rate : pagedRates) {
            Mix.Run r = paged.openLoop("paged mix " + rate + " req/s", rate, seconds);
            runs.add(r);
            System.out.printf(Locale.ROOT, "%s: %d requests, %d errors%n", r.name(), r.requests(), r.errors());
        }
        if (saturationSeconds > 0) {
            runs.add(mix.closedLoop("mix saturation " + clients + " clients", clients, saturationSeconds));
            Mix single = new Mix(endpoint, List.of(
                    new Mix.Method(HOST_INFO, 1, () -> RawRpcConnection.encode(HOST_INFO, List.of(session, random(hostIds)))),
                    new Mix.Method(VM_INFO, 1, () -> RawRpcConnection.encode(VM_INFO, List.of(session, random(vmIds))))),
                    maxInFlight);
            runs.add(single.closedLoop("single-object saturation " + clients + " clients", clients, saturationSeconds));
        }
        // host monitorings the daemon kept up while it served the runs
        int window = (int) Math.max(1, secondsSince(t0));
        try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
            String records = text(c.call(RawRpcConnection.encode("one.hostpool.monitoring", List.of(session, window))));
            int n = occurrences(records, "<MONITORING>");
            setup.put("hostMonitoringsDuringRuns", n);
            setup.put("hostMonitoringRate", n / (double) window);
        }
    }

    /** OpenNebula's mix (host.info 30, hostpool.info 20, vm.info 30, vmpool.info 20), vmpool.info paged when page > 0. */
    private Mix openNebulaMix(int page) {
        return new Mix(endpoint, List.of(
                new Mix.Method(HOST_INFO, 30, () -> RawRpcConnection.encode(HOST_INFO, List.of(session, random(hostIds)))),
                new Mix.Method(HOSTPOOL_INFO, 20, () -> RawRpcConnection.encode(HOSTPOOL_INFO, List.of(session))),
                new Mix.Method(VM_INFO, 30, () -> RawRpcConnection.encode(VM_INFO, List.of(session, random(vmIds)))),
                new Mix.Method(page > 0 ? VMPOOL_INFO + " (" + page + ")" : VMPOOL_INFO, 20, () -> vmpoolCall(page))),
                maxInFlight);
    }

    /** The mix's one.vmpool.info: every VM (page 0), or a random range of {@code page} IDs. */
    private byte[] vmpoolCall(int page) {
        if (page <= 0) {
            return RawRpcConnection.encode(VMPOOL_INFO, List.of(session, -2, -1, -1, -1));
        }
        int first = vmIds[ThreadLocalRandom.current().nextInt(Math.max(1, vmIds.length - page))];
        return RawRpcConnection.encode(VMPOOL_INFO, List.of(session, -2, first, first + page - 1, -1));
    }

    private void measureDaemon(BenchDaemon d, int vms) throws Exception {
        daemon.put("rssMb", d.rssKb() / 1024.0);
        daemon.put("liveHeapMb", d.liveHeapKb() / 1024.0);
        daemon.put("rssAfterGcMb", d.rssKb() / 1024.0);
        long dbBytes = d.databaseBytes();
        if (dbBytes >= 0) {
            daemon.put("databaseMb", dbBytes / 1e6);
        }
        int code = d.stop();
        daemon.put("stopExitCode", code);
        long startMs = d.launch();
        daemon.put("startupFullDatabaseMs", startMs);
        try (RawRpcConnection c = new RawRpcConnection(d.endpoint())) {
            String all = text(c.call(RawRpcConnection.encode(VMPOOL_INFO, List.of(d.session(), -2, -1, -1, 3))));
            daemon.put("vmsActiveAfterRestart", occurrences(all, "<VM><ID>"));
        }
        daemon.put("rssAfterRestartMb", d.rssKb() / 1024.0);
        d.stop();
        if (!daemon.get("vmsActiveAfterRestart").equals(vms)) {
            throw new IllegalStateException("after the restart " + daemon.get("vmsActiveAfterRestart") + " of " + vms
                    + " VMs are ACTIVE");
        }
    }

    // ------------------------------------------------------------------ helpers

    /** A step of set-up for item i, on one of the parallel clients' connection. */
    interface Step {
        void run(RawRpcConnection conn, int i) throws Exception;
    }

    private void inParallel(int n, Step step) throws Exception {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> parts = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                parts.add(pool.submit(() -> {
                    try (RawRpcConnection conn = new RawRpcConnection(endpoint)) {
                        for (int i; (i = next.getAndIncrement()) < n; ) {
                            step.run(conn, i);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : parts) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    interface Counter {
        int count(RawRpcConnection c) throws Exception;
    }

    private void awaitCount(String what, int want, long t0, Counter counter) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
        long lastPrint = System.nanoTime();
        try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
            while (true) {
                int have = counter.count(c);
                if (have >= want) {
                    System.out.printf(Locale.ROOT, "%d %s after %.1f s%n", have, what, secondsSince(t0));
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(have + " of " + want + " " + what + " after " + timeout + " s");
                }
                if (System.nanoTime() - lastPrint > TimeUnit.SECONDS.toNanos(5)) {
                    System.out.printf(Locale.ROOT, "  %d of %d %s after %.1f s%n", have, want, what, secondsSince(t0));
                    lastPrint = System.nanoTime();
                }
                Thread.sleep(250);
            }
        }
    }

    private static int random(int[] ids) {
        return ids[ThreadLocalRandom.current().nextInt(ids.length)];
    }

    private static double secondsSince(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String text(byte[] response) throws IOException {
        return (String) ((List<?>) XmlRpcCodec.decodeResponse(response)).get(1);
    }

    private static int intResult(byte[] response) throws IOException {
        return (Integer) ((List<?>) XmlRpcCodec.decodeResponse(response)).get(1);
    }

    static int occurrences(String hay, String needle) {
        int n = 0;
        for (int i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    // ------------------------------------------------------------------ output

    private void report(PrintStream out) {
        out.println();
        out.println("set-up: " + MixReport.describe(setup));
        if (!daemon.isEmpty()) {
            out.println("daemon: " + MixReport.describe(daemon));
        }
        MixReport.table(out, runs);
    }

    private String toJson() {
        return MixReport.json("scale", Map.of("setup", setup, "daemon", daemon), runs);
    }
}
