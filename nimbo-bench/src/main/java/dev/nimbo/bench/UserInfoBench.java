package dev.nimbo.bench;

import dev.nimbo.server.NimboServer;
import dev.nimbo.server.ServerConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * one.user.info under N concurrent closed-loop clients: p50/p99/max latency and throughput. Starts its own
 * nimbod in this JVM on a temporary data directory unless --endpoint is given.
 */
@Command(name = "user-info", mixinStandardHelpOptions = true,
        description = "Measure one.user.info latency and throughput with concurrent clients.")
final class UserInfoBench implements Callable<Integer> {
    @Option(names = "--clients", description = "Concurrent clients. Default: ${DEFAULT-VALUE}")
    int clients = 16;

    @Option(names = "--seconds", description = "Measured duration. Default: ${DEFAULT-VALUE}")
    int seconds = 20;

    @Option(names = "--warmup", description = "Warm-up seconds, not measured. Default: ${DEFAULT-VALUE}")
    int warmup = 5;

    @Option(names = "--rates", split = ",", description = "Fixed rates (req/s) of open-loop runs after the closed-loop "
            + "one, each --seconds long with --clients connections, latency from each request's due time. "
            + "Default: ${DEFAULT-VALUE}")
    List<Integer> rates = new java.util.ArrayList<>(List.of(5_000, 10_000));

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
                server = NimboServer.start(new ServerConfig(dir, "127.0.0.1", 0, null, 0,
                        ServerConfig.DEFAULT_MAX_REQUEST_BYTES, 600_000));
                endpoint = URI.create("http://127.0.0.1:" + server.port() + "/RPC2");
                session = Files.readString(System.getenv("ONE_AUTH") != null ? Path.of(System.getenv("ONE_AUTH"))
                        : dir.resolve("one_auth")).strip();
            }
            run(Duration.ofSeconds(warmup));
            long t0 = System.nanoTime();
            Latencies all = run(Duration.ofSeconds(seconds));
            double elapsed = (System.nanoTime() - t0) / 1e9;
            System.out.printf("one.user.info  clients=%d  requests=%d  rate=%.0f req/s  p50=%.3f ms  p99=%.3f ms  max=%.3f ms%n",
                    clients, all.count(), all.count() / elapsed, all.percentileMs(50), all.percentileMs(99),
                    all.percentileMs(100));
            byte[] call = RawRpcConnection.encode("one.user.info", List.of(session, 0));
            for (int rate : rates) {
                FixedRate.Result r = FixedRate.run(endpoint, clients, rate, seconds, i -> call);
                System.out.printf("one.user.info  open loop at %d req/s  achieved=%.0f req/s  p50=%.3f ms  p99=%.3f ms  "
                        + "max=%.3f ms%n", rate, r.achieved(), r.latencies().percentileMs(50),
                        r.latencies().percentileMs(99), r.latencies().percentileMs(100));
            }
            return 0;
        } finally {
            if (server != null) {
                server.close();
            }
        }
    }

    private Latencies run(Duration d) throws Exception {
        long end = System.nanoTime() + d.toNanos();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Latencies>> parts = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            parts.add(pool.submit(() -> {
                Latencies l = new Latencies();
                byte[] call = RawRpcConnection.encode("one.user.info", List.of(session, 0));
                try (RawRpcConnection conn = new RawRpcConnection(endpoint)) {
                    while (System.nanoTime() < end) {
                        long s = System.nanoTime();
                        conn.call(call);
                        l.add(System.nanoTime() - s);
                    }
                }
                return l;
            }));
        }
        List<Latencies> done = new ArrayList<>();
        for (Future<Latencies> f : parts) {
            done.add(f.get());
        }
        pool.shutdown();
        return Latencies.merge(done);
    }
}
