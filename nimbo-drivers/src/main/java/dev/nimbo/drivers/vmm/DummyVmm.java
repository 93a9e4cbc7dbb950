package dev.nimbo.drivers.vmm;

import dev.nimbo.core.template.Template;
import dev.nimbo.core.vm.DriverException;
import dev.nimbo.core.vm.DriverOp;
import dev.nimbo.core.vm.DriverRequest;
import dev.nimbo.core.vm.DriverResult;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmmDriver;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code dummy} virtualization driver: a simulated hypervisor. Operations succeed after a latency unless
 * failure injection says otherwise (see {@link DummyBehaviour}); a deploy names the domain {@code one-<id>}.
 * It remembers which domains run, and reports for each a little CPU and memory noise around the VM's size and
 * network and disk counters that only grow, so monitoring, accounting and showback have data. Thread-safe.
 */
public final class DummyVmm implements VmmDriver {
    public static final String NAME = "dummy";

    /** Counters of one simulated domain; they grow with time while it runs. */
    private static final class Domain {
        long netRx;
        long netTx;
        long diskRdBytes;
        long diskWrBytes;
        long diskRdIops;
        long diskWrIops;
        long lastPollMs;
    }

    private final DummyBehaviour defaults;
    private final Map<Integer, Domain> domains = new ConcurrentHashMap<>();

    public DummyVmm() {
        this(DummyBehaviour.fromEnvironment());
    }

    public DummyVmm(DummyBehaviour defaults) {
        this.defaults = defaults;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public CompletableFuture<DriverResult> execute(DriverRequest r) {
        if (r.op().kind() != DriverOp.Kind.VMM) {
            return CompletableFuture.failedFuture(new DriverException("dummy VMM: " + r.op().text()
                    + " is not a virtualization operation"));
        }
        DummyBehaviour b = defaults.forRequest(r);
        DriverResult ok = switch (r.op()) {
            case DEPLOY, RESTORE -> new DriverResult("one-" + r.vmId(), "");
            default -> DriverResult.OK;
        };
        return b.answer(r, ok).thenApply(res -> {
            switch (r.op()) {
                case DEPLOY, RESTORE -> domains.computeIfAbsent(r.vmId(), id -> new Domain());
                case SHUTDOWN, CANCEL, SAVE, CLEANUP -> domains.remove(r.vmId());
                default -> {
                    // reboot and reset keep the domain
                }
            }
            return res;
        });
    }

    @Override
    public CompletableFuture<Map<Integer, Map<String, String>>> poll(int hostId, String hostname, Template hostTemplate,
                                                                    List<VirtualMachine> vms) {
        long now = System.currentTimeMillis();
        Map<Integer, Map<String, String>> out = new HashMap<>();
        for (VirtualMachine vm : vms) {
            // a domain the driver has not seen (e.g. after a daemon restart) is adopted: it is running
            Domain d = domains.computeIfAbsent(vm.id(), id -> new Domain());
            out.put(vm.id(), sample(vm, d, now));
        }
        return CompletableFuture.completedFuture(out);
    }

    private static Map<String, String> sample(VirtualMachine vm, Domain d, long now) {
        SplittableRandom random = new SplittableRandom(vm.id() * 0x9E3779B97F4A7C15L ^ now);
        long elapsed;
        synchronized (d) {
            elapsed = d.lastPollMs == 0 ? 10_000 : Math.max(0, now - d.lastPollMs);
            d.lastPollMs = now;
            double secs = elapsed / 1000.0;
            d.netRx += (long) (secs * random.nextInt(1_000, 200_000));
            d.netTx += (long) (secs * random.nextInt(1_000, 100_000));
            d.diskRdBytes += (long) (secs * random.nextInt(1_000, 500_000));
            d.diskWrBytes += (long) (secs * random.nextInt(1_000, 300_000));
            d.diskRdIops += (long) (secs * random.nextInt(1, 50));
            d.diskWrIops += (long) (secs * random.nextInt(1, 30));
        }
        double cpu = vm.vcpu() * 100.0 * (0.02 + random.nextDouble() * 0.2);
        long memKb = vm.memoryMb() * 1024;
        long used = Math.round(memKb * (0.3 + random.nextDouble() * 0.5));
        Map<String, String> m = new HashMap<>();
        m.put("CPU", String.format(java.util.Locale.ROOT, "%.2f", cpu));
        m.put("MEMORY", Long.toString(used));
        synchronized (d) {
            m.put("NETRX", Long.toString(d.netRx));
            m.put("NETTX", Long.toString(d.netTx));
            m.put("DISKRDBYTES", Long.toString(d.diskRdBytes));
            m.put("DISKWRBYTES", Long.toString(d.diskWrBytes));
            m.put("DISKRDIOPS", Long.toString(d.diskRdIops));
            m.put("DISKWRIOPS", Long.toString(d.diskWrIops));
        }
        return m;
    }

    /** How many domains the simulated hypervisors hold (for tests). */
    public int domains() {
        return domains.size();
    }
}
