package dev.nimbo.drivers.vmm;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.vm.DriverException;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.DriverRequest;
import dev.nimbo.core.vm.DriverResult;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * How the dummy VM drivers behave: every operation succeeds after a latency, unless failure injection says
 * otherwise. Settings come, most specific first, from the VM's USER_TEMPLATE, the host's template and the
 * daemon-wide defaults:
 *
 * <pre>
 * DUMMY_FAIL             = "deploy,shutdown"   operations that fail ("all" for every one), by DriverOp name
 * DUMMY_FAIL_PROBABILITY = 0.1 | 10%           chance that a listed operation fails (1 when only DUMMY_FAIL is set;
 *                                              with no DUMMY_FAIL, every operation fails with this chance)
 * DUMMY_LATENCY          = 200 | 200ms | 2s    how long each operation takes
 * </pre>
 *
 * Daemon-wide defaults: environment NIMBO_DUMMY_FAIL, NIMBO_DUMMY_FAIL_PROBABILITY, NIMBO_DUMMY_LATENCY (or the
 * system properties nimbo.dummy.fail, nimbo.dummy.failProbability, nimbo.dummy.latency); latency 50 ms unless
 * set. Immutable and thread-safe; futures complete on the JDK's delayed executor, no thread waits.
 */
public record DummyBehaviour(Set<String> fail, double failProbability, long latencyMs) {

    public static final long DEFAULT_LATENCY_MS = 50;

    public DummyBehaviour {
        fail = Set.copyOf(fail);
    }

    /** The daemon-wide defaults from the environment and system properties. */
    public static DummyBehaviour fromEnvironment() {
        String f = setting("nimbo.dummy.fail", "NIMBO_DUMMY_FAIL");
        String p = setting("nimbo.dummy.failProbability", "NIMBO_DUMMY_FAIL_PROBABILITY");
        String l = setting("nimbo.dummy.latency", "NIMBO_DUMMY_LATENCY");
        return new DummyBehaviour(ops(f), probability(p, -1), l == null ? DEFAULT_LATENCY_MS : millis(l, DEFAULT_LATENCY_MS));
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** These defaults overridden by a template's DUMMY_* attributes (absent attributes keep the default). */
    public DummyBehaviour with(Template t) {
        if (t == null) {
            return this;
        }
        String f = t.get("DUMMY_FAIL");
        String p = t.get("DUMMY_FAIL_PROBABILITY");
        String l = t.get("DUMMY_LATENCY");
        if (f == null && p == null && l == null) {
            return this;
        }
        Set<String> ops = f == null ? fail : ops(f);
        double prob = p == null ? (f == null ? failProbability : -1) : probability(p, -1);
        return new DummyBehaviour(ops, prob, l == null ? latencyMs : millis(l, latencyMs));
    }

    /** The behaviour for one request: defaults, then the host's template, then the VM's user template. */
    public DummyBehaviour forRequest(DriverRequest r) {
        return with(r.hostTemplate()).with(r.vm().userTemplate());
    }

    /** Whether this operation fails this time. */
    public boolean fails(DriverOp op) {
        boolean listed = fail.contains("all") || fail.contains(op.text());
        if (fail.isEmpty()) {
            return failProbability > 0 && ThreadLocalRandom.current().nextDouble() < failProbability;
        }
        if (!listed) {
            return false;
        }
        double p = failProbability < 0 ? 1.0 : failProbability;
        return p >= 1.0 || ThreadLocalRandom.current().nextDouble() < p;
    }

    /** Completes with {@code ok} (or a simulated failure) after the latency. */
    public CompletableFuture<DriverResult> answer(DriverRequest r, DriverResult ok) {
        boolean failed = fails(r.op());
        if (latencyMs <= 0) {
            return failed ? CompletableFuture.failedFuture(failure(r)) : CompletableFuture.completedFuture(ok);
        }
        CompletableFuture<DriverResult> f = new CompletableFuture<>();
        CompletableFuture.delayedExecutor(latencyMs, TimeUnit.MILLISECONDS).execute(() -> {
            if (failed) {
                f.completeExceptionally(failure(r));
            } else {
                f.complete(ok);
            }
        });
        return f;
    }

    private static DriverException failure(DriverRequest r) {
        return new DriverException("dummy: simulated " + r.op().text() + " failure for VM " + r.vmId()
                + (r.hostname().isEmpty() ? "" : " on host " + r.hostname()));
    }

    static Set<String> ops(String list) {
        if (list == null || list.isBlank()) {
            return Set.of();
        }
        return Arrays.stream(list.split("[,\\s]+")).map(s -> s.strip().toLowerCase(Locale.ROOT).replace('-', '_'))
                .filter(s -> !s.isEmpty()).map(s -> s.equals("*") ? "all" : s).collect(Collectors.toSet());
    }

    static double probability(String v, double dflt) {
        if (v == null || v.isBlank()) {
            return dflt;
        }
        String s = v.strip();
        try {
            if (s.endsWith("%")) {
                return Double.parseDouble(s.substring(0, s.length() - 1).strip()) / 100.0;
            }
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    static long millis(String v, long dflt) {
        String s = v.strip().toLowerCase(Locale.ROOT);
        try {
            if (s.endsWith("ms")) {
                return Long.parseLong(s.substring(0, s.length() - 2).strip());
            }
            if (s.endsWith("s")) {
                return Math.round(Double.parseDouble(s.substring(0, s.length() - 1).strip()) * 1000);
            }
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }
}
