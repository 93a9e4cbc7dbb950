package dev.nimbo.bench;

import dev.nimbo.server.NimboServer;
import dev.nimbo.server.ServerConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 4's VM benchmark: registers dummy hosts and a VM template, instantiates N VMs with concurrent clients
 * (rate), deploys them all with one.vm.deploy spread over the hosts (there is no scheduler yet) and times until
 * every one is RUNNING, then measures one.vm.info under closed-loop clients, from one client (sequential) and at
 * fixed open-loop rates, and
 * one.vmpool.info(-2,-1,-1,-1) of the whole pool over sequential calls. Starts its own nimbod in this JVM unless --endpoint is given.
 */
@Command(name = "vms", mixinStandardHelpOptions = true,
        description = "Instantiate, deploy and read N VMs: allocate rate, time to RUNNING, vm.info and vmpool.info latency.")
final class VmsBench implements Callable<Integer> {
    private static final Pattern INT = Pattern.compile("<(?:i4|int)>(-?\\d+)</(?:i4|int)>");

    @Option(names = "--hosts", description = "Dummy hosts. Default: ${DEFAULT-VALUE}")
    int hosts = 100;

    @Option(names = "--vms", description = "VMs to instantiate. Default: ${DEFAULT-VALUE}")
    int vms = 20_000;

    @Option(names = "--clients", description = "Concurrent clients for instantiate, deploy and vm.info. Default: ${DEFAULT-VALUE}")
    int clients = 16;

    @Option(names = "--seconds", description = "Measured duration of the vm.info run. Default: ${DEFAULT-VALUE}")
    int seconds = 20;

    @Option(names = "--warmup", description = "Warm-up seconds of the vm.info run. Default: ${DEFAULT-VALUE}")
    int warmup = 5;

    @Option(names = "--sequential-seconds", description = "Duration of the one-client (sequential) vm.info run, as oned's "
            + "sequential figures in ANCHORS.md; 0 skips it. Default: ${DEFAULT-VALUE}")
    int sequentialSeconds = 10;

    @Option(names = "--rates", split = ",", description = "Fixed rates (req/s) of open-loop one.vm.info runs, each "
            + "--seconds long, latency counted from each request's due time; empty skips them. Default: ${DEFAULT-VALUE}")
    List<Integer> rates = new ArrayList<>(List.of(5_000, 10_000, 20_000));

    @Option(names = "--pool-calls", description = "Sequential one.vmpool.info calls measured. Default: ${DEFAULT-VALUE}")
    int poolCalls = 20;

    @Option(names = "--timeout", description = "Seconds to wait for hosts to be monitored and VMs to run. Default: ${DEFAULT-VALUE}")
    int timeout = 900;

    @Option(names = "--endpoint", description = "Use a running daemon instead of starting one.")
    URI endpoint;

    @Option(names = "--session", description = "Session string for --endpoint (user:password).")
    String session;

    @Override
    public Integer call() throws Exception {
        NimboServer server = null;
        try {
            if (endpoint == null) {
                Path dir = Files.createTempDirectory("nimbo-bench-");
                System.setProperty("nimbo.log.file", dir.resolve("nimbod.log").toString());
                // this benchmark deploys VMs itself: the placement scheduler must not take them first
                System.setProperty("nimbo.sched.interval", "0");
                server = NimboServer.start(new ServerConfig(dir, "127.0.0.1", 0, null, 0,
                        ServerConfig.DEFAULT_MAX_REQUEST_BYTES, 600_000));
                endpoint = URI.create("http://127.0.0.1:" + server.port() + "/RPC2");
                session = Files.readString(dir.resolve("one_auth")).strip();
            }
            run();
            return 0;
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private void run() throws Exception {
        String tag = Long.toString(System.currentTimeMillis() % 1_000_000, 36);
        int[] hostIds = new int[hosts];
        try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
            for (int i = 0; i < hosts; i++) {
                hostIds[i] = id(c.call(RawRpcConnection.encode("one.host.allocate",
                        List.of(session, "bench-" + tag + "-" + i, "dummy", "dummy", -1))));
            }
            long t0 = System.nanoTime();
            long deadline = t0 + timeout * 1_000_000_000L;
            int monitored = 0;
            while (monitored < hosts) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + monitored + " of " + hosts + " hosts monitored");
                }
                Thread.sleep(500);
                String pool = new String(c.call(RawRpcConnection.encode("one.hostpool.info", List.of(session))),
                        StandardCharsets.UTF_8);
                monitored = count(pool, "<STATE>2</STATE>");
            }
            System.out.printf("hosts          %d dummy hosts monitored after %.1f s%n", hosts, (System.nanoTime() - t0) / 1e9);
        }

        int tid;
        try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
            tid = id(c.call(RawRpcConnection.encode("one.template.allocate",
                    List.of(session, "NAME = bench-" + tag + "\nCPU = 0.01\nVCPU = 1\nMEMORY = 16\n"))));
        }

        // instantiate
        int[] vmIds = new int[vms];
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        Latencies inst = parallel(() -> {
            Latencies l = new Latencies();
            try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
                for (int i; (i = next.getAndIncrement()) < vms; ) {
                    long s = System.nanoTime();
                    vmIds[i] = id(c.call(RawRpcConnection.encode("one.template.instantiate",
                            List.of(session, tid, "bench-" + tag + "-" + i, false, "", false))));
                    l.add(System.nanoTime() - s);
                }
            }
            return l;
        });
        double instSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("instantiate    %d VMs in %.1f s = %.0f VMs/s  (clients=%d, p50=%.2f ms, p99=%.2f ms)%n", vms,
                instSeconds, vms / instSeconds, clients, inst.percentileMs(50), inst.percentileMs(99));

        // deploy, spread over the hosts
        next.set(0);
        t0 = System.nanoTime();
        Latencies dep = parallel(() -> {
            Latencies l = new Latencies();
            try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
                for (int i; (i = next.getAndIncrement()) < vms; ) {
                    long s = System.nanoTime();
                    c.call(RawRpcConnection.encode("one.vm.deploy", List.of(session, vmIds[i], hostIds[i % hosts], false, -1)));
                    l.add(System.nanoTime() - s);
                }
            }
            return l;
        });
        double depSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("deploy         %d calls in %.1f s = %.0f calls/s  (p50=%.2f ms, p99=%.2f ms)%n", vms, depSeconds,
                vms / depSeconds, dep.percentileMs(50), dep.percentileMs(99));
        byte[] poolCall = RawRpcConnection.encode("one.vmpool.info", List.of(session, -2, -1, -1, -1));
        try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
            long deadline = t0 + timeout * 1_000_000_000L;
            int running = 0;
            int polls = 0;
            while (running < vms) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + running + " of " + vms + " VMs RUNNING");
                }
                Thread.sleep(250);
                String pool = new String(c.call(poolCall), StandardCharsets.UTF_8);
                running = count(pool, "<STATE>3</STATE><LCM_STATE>3</LCM_STATE>");
                if (++polls % 20 == 0) {
                    System.out.printf("               %d RUNNING after %.1f s%n", running, (System.nanoTime() - t0) / 1e9);
                }
            }
            System.out.printf("running        all %d VMs RUNNING %.1f s after the first deploy call%n", vms,
                    (System.nanoTime() - t0) / 1e9);
        }

        // one.vm.info, closed loop
        infoRun(vmIds, warmup, clients);
        t0 = System.nanoTime();
        Latencies info = infoRun(vmIds, seconds, clients);
        double infoSeconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("one.vm.info    clients=%d  requests=%d  rate=%.0f req/s  p50=%.3f ms  p99=%.3f ms  max=%.3f ms%n",
                clients, info.count(), info.count() / infoSeconds, info.percentileMs(50), info.percentileMs(99),
                info.percentileMs(100));
        if (sequentialSeconds > 0) {
            t0 = System.nanoTime();
            Latencies seq = infoRun(vmIds, sequentialSeconds, 1);
            double seqSeconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("one.vm.info    sequential (1 client)  requests=%d  rate=%.0f req/s  p50=%.3f ms  p99=%.3f ms  max=%.3f ms%n",
                    seq.count(), seq.count() / seqSeconds, seq.percentileMs(50), seq.percentileMs(99), seq.percentileMs(100));
        }

        for (int rate : rates) {
            OpenLoop r = openLoop(vmIds, rate, seconds);
            System.out.printf("one.vm.info    open loop %d req/s (16 senders)  achieved=%.0f req/s  p50=%.3f ms  p99=%.3f ms  "
                    + "max=%.3f ms%n", rate, r.achieved, r.latencies.percentileMs(50), r.latencies.percentileMs(99),
                    r.latencies.percentileMs(100));
        }

        // one.vmpool.info of everything, sequential
        try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
            int size = c.call(poolCall).length;
            c.callAndDiscard(poolCall);
            Latencies pool = new Latencies();
            for (int i = 0; i < poolCalls; i++) {
                long s = System.nanoTime();
                size = c.callAndDiscard(poolCall);
                pool.add(System.nanoTime() - s);
            }
            pool = Latencies.merge(List.of(pool));
            System.out.printf("one.vmpool.info(-2,-1,-1,-1)  %d VMs  %d calls  %.1f MB  p50=%.1f ms  max=%.1f ms%n", vms,
                    poolCalls, size / 1e6, pool.percentileMs(50), pool.percentileMs(100));
        }
    }

    record OpenLoop(Latencies latencies, double achieved) {
    }

    /**
     * Requests due at t0 + i/rate, sent by {@code clients} connections (a request waits for a free one); latency
     * runs from the due time, so queueing behind a slow answer counts.
     */
    private OpenLoop openLoop(int[] vmIds, int rate, int secs) throws Exception {
        long total = (long) rate * secs;
        AtomicLong next = new AtomicLong();
        long t0 = System.nanoTime() + 50_000_000L;
        Latencies l = parallel(() -> {
            Latencies mine = new Latencies();
            try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
                for (long i; (i = next.getAndIncrement()) < total; ) {
                    long due = t0 + i * 1_000_000_000L / rate;
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    int id = vmIds[ThreadLocalRandom.current().nextInt(vmIds.length)];
                    c.call(RawRpcConnection.encode("one.vm.info", List.of(session, id)));
                    mine.add(System.nanoTime() - due);
                }
            }
            return mine;
        });
        return new OpenLoop(l, total / ((System.nanoTime() - t0) / 1e9));
    }

    private Latencies infoRun(int[] vmIds, int secs, int n) throws Exception {
        long end = System.nanoTime() + secs * 1_000_000_000L;
        return parallel(n, () -> {
            Latencies l = new Latencies();
            try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
                while (System.nanoTime() < end) {
                    int id = vmIds[ThreadLocalRandom.current().nextInt(vmIds.length)];
                    byte[] call = RawRpcConnection.encode("one.vm.info", List.of(session, id));
                    long s = System.nanoTime();
                    c.call(call);
                    l.add(System.nanoTime() - s);
                }
            }
            return l;
        });
    }

    private Latencies parallel(Callable<Latencies> client) throws Exception {
        return parallel(clients, client);
    }

    private Latencies parallel(int n, Callable<Latencies> client) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Latencies>> parts = new ArrayList<>();
            for (int c = 0; c < n; c++) {
                parts.add(pool.submit(client));
            }
            List<Latencies> done = new ArrayList<>();
            for (Future<Latencies> f : parts) {
                done.add(f.get());
            }
            return Latencies.merge(done);
        } finally {
            pool.shutdown();
        }
    }

    private static int id(byte[] response) throws IOException {
        Matcher m = INT.matcher(new String(response, StandardCharsets.UTF_8));
        if (!m.find()) {
            throw new IOException("no id in " + new String(response, StandardCharsets.UTF_8));
        }
        return Integer.parseInt(m.group(1));
    }

    /** Occurrences of {@code xml} in a response, whether the document came escaped in a string or as CDATA. */
    private static int count(String hay, String xml) {
        String escaped = xml.replace("<", "&lt;").replace(">", "&gt;");
        return Math.max(occurrences(hay, xml), occurrences(hay, escaped));
    }

    private static int occurrences(String hay, String needle) {
        int n = 0;
        for (int i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
