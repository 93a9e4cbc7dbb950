package dev.nimbo.drivers.im;

import dev.nimbo.core.host.Host;
import dev.nimbo.core.host.HostMonitoring;
import dev.nimbo.core.host.HostShare;
import dev.nimbo.core.host.InformationDriver;
import dev.nimbo.core.host.MonitoringException;
import dev.nimbo.core.host.MonitoringSample;
import dev.nimbo.core.host.NumaNode;
import dev.nimbo.core.template.Template;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code dummy} information driver: a simulated host whose hardware comes from its template (see
 * {@link DummyHardware}) and whose load is a little random noise, so tests and the scale benchmark can run
 * thousands of hosts on one machine. Monitoring costs microseconds and blocks no thread. Two template
 * attributes steer it:
 *
 * <pre>
 * DUMMY_FAIL_MONITOR  = YES | NO | 0.25 | 25%   fail every monitoring, none, or with that probability
 * DUMMY_MONITOR_DELAY = 200                      answer after that many milliseconds (also "200ms", "2s")
 * DUMMY_LOAD          = 0.3                      CPU and memory in use, as a fraction (default 5-15 %, random)
 * </pre>
 *
 * Thread-safe and stateless.
 */
public final class DummyInformationDriver implements InformationDriver {
    public static final String NAME = "dummy";

    private final Clock clock;

    public DummyInformationDriver() {
        this(Clock.systemUTC());
    }

    public DummyInformationDriver(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletableFuture<HostMonitoring> monitor(Host host) {
        long delayMs;
        HostMonitoring result;
        try {
            Template t = host.template();
            delayMs = delayMs(t.get("DUMMY_MONITOR_DELAY"));
            if (fails(t.get("DUMMY_FAIL_MONITOR"))) {
                throw new MonitoringException("dummy: simulated monitoring failure (DUMMY_FAIL_MONITOR="
                        + t.get("DUMMY_FAIL_MONITOR").strip() + ")");
            }
            result = probe(host, DummyHardware.from(t), clock.millis() / 1000);
        } catch (MonitoringException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (delayMs <= 0) {
            return CompletableFuture.completedFuture(result);
        }
        return CompletableFuture.supplyAsync(() -> result, CompletableFuture.delayedExecutor(delayMs, TimeUnit.MILLISECONDS));
    }

    /** What the probes of such a host would report now. */
    static HostMonitoring probe(Host host, DummyHardware hw, long now) {
        SplittableRandom random = new SplittableRandom(host.id() * 0x9E3779B97F4A7C15L ^ now);
        double load = load(host.template().get("DUMMY_LOAD"), random);
        long totalCpu = hw.totalCpu();
        long totalMem = hw.totalMemoryKb();
        long usedCpu = Math.round(totalCpu * load);
        long usedMem = Math.round(totalMem * load);

        Template attrs = Template.EMPTY.with("ARCH", "x86_64").with("CPUSPEED", String.valueOf(hw.cpuSpeedMhz()))
                .with("HOSTNAME", host.name()).with("HYPERVISOR", "dummy").with("MODELNAME", hw.cpuModel())
                .with("TOTALCPU", String.valueOf(totalCpu)).with("TOTALMEMORY", String.valueOf(totalMem));
        for (Map.Entry<String, String> e : hw.reported().entrySet()) {
            attrs = attrs.with(e.getKey(), e.getValue());
        }

        List<NumaNode> topology = hw.topology();
        List<MonitoringSample.NumaUsage> numa = new ArrayList<>(topology.size());
        for (NumaNode n : topology) {
            List<MonitoringSample.HugePageFree> pages = new ArrayList<>();
            for (NumaNode.HugePage p : n.hugePages()) {
                pages.add(new MonitoringSample.HugePageFree(p.sizeKb(), p.pages()));
            }
            long used = Math.round(n.memory().totalKb() * load);
            numa.add(new MonitoringSample.NumaUsage(n.nodeId(), pages, n.memory().totalKb() - used, used));
        }
        // Counters that only grow: bytes at a per-host rate since the epoch.
        long rate = 1_000 + (host.id() % 97) * 37L;
        MonitoringSample sample = MonitoringSample.of(host.id(), now, totalCpu - usedCpu, usedCpu, totalMem - usedMem,
                usedMem, now * rate * 3, now * rate * 2, numa);

        long usedDisk = hw.diskMb() / 10;
        HostShare.Disk disk = new HostShare.Disk(0, List.of(), hw.diskMb() - usedDisk, hw.diskMb(), usedDisk);
        return new HostMonitoring(attrs, totalCpu, totalMem, disk, topology, hw.pciDevices(), sample);
    }

    /** YES always, NO/empty never, a fraction or percentage as a probability. */
    static boolean fails(String setting) {
        if (setting == null || setting.isBlank()) {
            return false;
        }
        String s = setting.strip().toUpperCase(Locale.ROOT);
        if (s.equals("YES") || s.equals("TRUE")) {
            return true;
        }
        if (s.equals("NO") || s.equals("FALSE")) {
            return false;
        }
        double p = fraction("DUMMY_FAIL_MONITOR", setting);
        return p > 0 && java.util.concurrent.ThreadLocalRandom.current().nextDouble() < p;
    }

    private static double load(String setting, SplittableRandom random) {
        if (setting == null || setting.isBlank()) {
            return 0.05 + random.nextDouble() * 0.10;
        }
        return fraction("DUMMY_LOAD", setting);
    }

    /** "0.25" or "25%" as 0.25, within 0..1. */
    static double fraction(String attribute, String text) {
        String s = text.strip();
        boolean percent = s.endsWith("%");
        try {
            double v = Double.parseDouble(percent ? s.substring(0, s.length() - 1).strip() : s);
            if (percent) {
                v /= 100;
            }
            if (v >= 0 && v <= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new MonitoringException("dummy: " + attribute + " must be YES, NO, a fraction (0.25) or a percentage"
                + " (25%), got '" + text + "'");
    }

    /** Milliseconds from "200", "200ms", "2s"; at most a minute. */
    static long delayMs(String text) {
        if (text == null || text.isBlank()) {
            return 0;
        }
        String s = text.strip().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (s.endsWith("ms")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("s")) {
            s = s.substring(0, s.length() - 1);
            unit = 1000;
        }
        try {
            long v = Long.parseLong(s.strip()) * unit;
            if (v >= 0 && v <= 60_000) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new MonitoringException("dummy: DUMMY_MONITOR_DELAY must be milliseconds up to 60000 (or 2s), got '"
                + text + "'");
    }
}
