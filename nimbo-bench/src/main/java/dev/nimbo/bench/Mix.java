package dev.nimbo.bench;

import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * A weighted mix of API calls driven at a fixed rate (open loop) or by N clients as fast as they go (closed
 * loop). Open loop: request i is due at t0 + i/rate and runs on its own virtual thread over a pooled
 * connection, its latency counted from when it was due, so a slow server cannot hide behind a slow client
 * (no coordinated omission). Every answer is checked to be a success; failures are counted, never hidden.
 */
final class Mix {
    /** One call of the mix: its share of the requests and a maker of its (pre-encoded) requests. */
    record Method(String name, double weight, Supplier<byte[]> request) {
    }

    /** Per method: latencies of the successful calls, and the failures. */
    static final class Stats {
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

    /** One measured run: per method its sorted latencies and its failures; {@code lost} never finished. */
    record Run(String name, double targetRate, double seconds, Map<String, Latencies> latencies,
               Map<String, Stats> stats, long lost) {
        int errors() {
            return stats.values().stream().mapToInt(s -> s.errors).sum();
        }

        long requests() {
            return latencies.values().stream().mapToLong(Latencies::count).sum();
        }
    }

    private final URI endpoint;
    private final List<Method> methods;
    private final double totalWeight;
    private final int maxInFlight;

    Mix(URI endpoint, List<Method> methods, int maxInFlight) {
        this.endpoint = endpoint;
        this.methods = List.copyOf(methods);
        this.totalWeight = methods.stream().mapToDouble(Method::weight).sum();
        this.maxInFlight = maxInFlight;
    }

    private Method pick(double r) {
        double at = r * totalWeight;
        for (Method m : methods) {
            at -= m.weight();
            if (at < 0) {
                return m;
            }
        }
        return methods.get(methods.size() - 1);
    }

    private Map<String, Stats> newStats() {
        Map<String, Stats> stats = new LinkedHashMap<>();
        methods.forEach(m -> stats.put(m.name(), new Stats()));
        return stats;
    }

    /** {@code rate} requests per second for {@code seconds}; at most {@code maxInFlight} outstanding. */
    Run openLoop(String name, int rate, int seconds) throws InterruptedException {
        Map<String, Stats> stats = newStats();
        ConcurrentLinkedQueue<RawRpcConnection> idle = new ConcurrentLinkedQueue<>();
        Semaphore inFlight = new Semaphore(maxInFlight);
        long total = (long) rate * seconds;
        long period = TimeUnit.SECONDS.toNanos(1) / rate;
        AtomicLong done = new AtomicLong();
        long t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            for (long i = 0; i < total; i++) {
                long due = t0 + i * period;
                Method m = pick(ThreadLocalRandom.current().nextDouble());
                byte[] body = m.request().get();
                Stats s = stats.get(m.name());
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
                            s.ok(System.nanoTime() - due);
                            idle.add(conn);
                            conn = null;
                        } finally {
                            inFlight.release();
                        }
                    } catch (Exception e) {
                        s.failed(e);
                    } finally {
                        closeQuietly(conn);
                        done.incrementAndGet();
                    }
                });
            }
            exec.shutdown();
            if (!exec.awaitTermination(300, TimeUnit.SECONDS)) {
                exec.shutdownNow();
            }
        }
        double elapsed = (System.nanoTime() - t0) / 1e9;
        for (RawRpcConnection c; (c = idle.poll()) != null; ) {
            closeQuietly(c);
        }
        return finish(name, rate, elapsed, stats, total - done.get());
    }

    /** {@code clients} connections each sending the mix back to back for {@code seconds}. */
    Run closedLoop(String name, int clients, int seconds) throws Exception {
        Map<String, Stats> stats = newStats();
        long t0 = System.nanoTime();
        long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<?>> parts = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            parts.add(pool.submit(() -> {
                try (RawRpcConnection conn = new RawRpcConnection(endpoint)) {
                    while (System.nanoTime() < end) {
                        Method m = pick(ThreadLocalRandom.current().nextDouble());
                        byte[] body = m.request().get();
                        long s = System.nanoTime();
                        try {
                            conn.callAndDiscard(body);
                        } catch (IOException e) {
                            stats.get(m.name()).failed(e);
                            break;
                        }
                        stats.get(m.name()).ok(System.nanoTime() - s);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : parts) {
            f.get();
        }
        pool.shutdown();
        return finish(name, 0, (System.nanoTime() - t0) / 1e9, stats, 0);
    }

    private static Run finish(String name, double rate, double elapsed, Map<String, Stats> stats, long lost) {
        Map<String, Latencies> sorted = new LinkedHashMap<>();
        stats.forEach((k, v) -> sorted.put(k, Latencies.merge(List.of(v.latencies))));
        return new Run(name, rate, elapsed, sorted, stats, lost);
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
}
