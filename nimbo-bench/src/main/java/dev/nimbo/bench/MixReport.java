package dev.nimbo.bench;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The results of {@link Mix} runs as a table for people and as JSON for comparing runs. */
final class MixReport {
    private MixReport() {
    }

    /** One row per run and method (requests, achieved rate, p50/p99/max, errors), then the run's total. */
    static void table(PrintStream out, List<Mix.Run> runs) {
        out.printf(Locale.ROOT, "%-36s %-18s %9s %9s %9s %9s %9s %7s%n", "run", "method", "requests", "rate/s",
                "p50 ms", "p99 ms", "max ms", "errors");
        for (Mix.Run r : runs) {
            double all = 0;
            for (var e : r.latencies().entrySet()) {
                Latencies l = e.getValue();
                Mix.Stats s = r.stats().get(e.getKey());
                all += l.count() / r.seconds();
                out.printf(Locale.ROOT, "%-36s %-18s %9d %9.1f %9.3f %9.3f %9.3f %7d%n", r.name(), e.getKey(),
                        l.count(), l.count() / r.seconds(), l.percentileMs(50), l.percentileMs(99),
                        l.percentileMs(100), s.errors);
                if (s.firstError != null) {
                    out.println("    first error: " + s.firstError);
                }
            }
            if (r.latencies().size() > 1 || r.lost() > 0) {
                out.printf(Locale.ROOT, "%-36s %-18s %9d %9.1f%s%n", r.name(), "(all)", r.requests(), all,
                        r.lost() > 0 ? "  (" + r.lost() + " requests never finished)" : "");
            }
        }
    }

    /** {@code key=value, ...} of a set of figures. */
    static String describe(Map<String, Object> m) {
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> b.append(b.isEmpty() ? "" : ", ").append(k).append('=')
                .append(v instanceof Double d ? String.format(Locale.ROOT, "%.2f", d) : String.valueOf(v)));
        return b.toString();
    }

    /** {"benchmark": name, each section's figures, "runs": [...]} with per method requests, rate, p50/p99/max. */
    static String json(String benchmark, Map<String, Map<String, Object>> sections, List<Mix.Run> runs) {
        StringBuilder b = new StringBuilder(4096).append("{\n  \"benchmark\": ").append(value(benchmark));
        sections.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e ->
                b.append(",\n  \"").append(e.getKey()).append("\": ").append(object(e.getValue())));
        b.append(",\n  \"runs\": [");
        String sep = "";
        for (Mix.Run r : runs) {
            b.append(sep).append("\n    {\"name\": ").append(value(r.name())).append(", \"targetRate\": ")
                    .append(value(r.targetRate())).append(", \"seconds\": ").append(value(r.seconds()))
                    .append(", \"requests\": ").append(r.requests()).append(", \"errors\": ").append(r.errors())
                    .append(", \"lost\": ").append(r.lost()).append(", \"methods\": {");
            String msep = "";
            for (var e : r.latencies().entrySet()) {
                Latencies l = e.getValue();
                b.append(msep).append("\n      ").append(value(e.getKey())).append(": {\"requests\": ")
                        .append(l.count()).append(", \"rate\": ").append(value(l.count() / r.seconds()))
                        .append(", \"p50Ms\": ").append(value(l.percentileMs(50)))
                        .append(", \"p99Ms\": ").append(value(l.percentileMs(99)))
                        .append(", \"maxMs\": ").append(value(l.percentileMs(100)))
                        .append(", \"errors\": ").append(r.stats().get(e.getKey()).errors).append("}");
                msep = ",";
            }
            b.append("}}");
            sep = ",";
        }
        return b.append("\n  ]\n}\n").toString();
    }

    private static String object(Map<String, Object> m) {
        StringBuilder b = new StringBuilder("{");
        m.forEach((k, v) -> b.append(b.length() > 1 ? ", " : "").append(value(k)).append(": ").append(value(v)));
        return b.append('}').toString();
    }

    private static String value(Object v) {
        if (v instanceof Double d) {
            return d.isNaN() || d.isInfinite() ? "null" : String.format(Locale.ROOT, "%.3f", d);
        }
        if (v instanceof String s) {
            return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }
        return String.valueOf(v);
    }
}
