package dev.nimbo.bench;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongFunction;

/**
 * An open-loop load at a fixed rate: request i is due at t0 + i/rate and is sent by the first of {@code clients}
 * connections that is free; its latency runs from its due time, so waiting behind a slow answer counts
 * (no coordinated omission). Reports latencies and the rate achieved.
 */
final class FixedRate {
    record Result(Latencies latencies, double achieved) {
    }

    private FixedRate() {
    }

    /** {@code call} builds the encoded request for request number i. */
    static Result run(URI endpoint, int clients, int rate, int seconds, LongFunction<byte[]> call) throws Exception {
        long total = (long) rate * seconds;
        AtomicLong next = new AtomicLong();
        long t0 = System.nanoTime() + 50_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Future<Latencies>> parts = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            parts.add(pool.submit(() -> {
                Latencies mine = new Latencies();
                try (RawRpcConnection conn = new RawRpcConnection(endpoint)) {
                    for (long i; (i = next.getAndIncrement()) < total; ) {
                        long due = t0 + i * 1_000_000_000L / rate;
                        long wait = due - System.nanoTime();
                        if (wait > 0) {
                            LockSupport.parkNanos(wait);
                        }
                        conn.call(call.apply(i));
                        mine.add(System.nanoTime() - due);
                    }
                }
                return mine;
            }));
        }
        List<Latencies> done = new ArrayList<>();
        for (Future<Latencies> f : parts) {
            done.add(f.get());
        }
        pool.shutdown();
        return new Result(Latencies.merge(done), total / ((System.nanoTime() - t0) / 1e9));
    }
}
