package dev.nimbo.bench;

import java.util.Arrays;

/** Collects request latencies (nanoseconds) per thread and merges them for percentiles. Not thread-safe. */
final class Latencies {
    private long[] values = new long[1 << 16];
    private int size;

    void add(long nanos) {
        if (size == values.length) {
            values = Arrays.copyOf(values, size * 2);
        }
        values[size++] = nanos;
    }

    static Latencies merge(Iterable<Latencies> parts) {
        Latencies all = new Latencies();
        for (Latencies p : parts) {
            for (int i = 0; i < p.size; i++) {
                all.add(p.values[i]);
            }
        }
        Arrays.sort(all.values, 0, all.size);
        return all;
    }

    int count() {
        return size;
    }

    /** Percentile in milliseconds of a merged (sorted) set. */
    double percentileMs(double p) {
        if (size == 0) {
            return Double.NaN;
        }
        int idx = (int) Math.min(size - 1, Math.ceil(p / 100.0 * size) - 1);
        return values[Math.max(0, idx)] / 1e6;
    }
}
