package dev.nimbo.bench;

import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.obj.PoolObject;
import dev.nimbo.core.vm.VirtualMachine;
import dev.nimbo.core.vm.VmOp;
import dev.nimbo.core.vm.VmState;
import dev.nimbo.core.vm.VmTransitions;
import dev.nimbo.server.NimboServer;
import dev.nimbo.server.ServerConfig;
import dev.nimbo.server.sched.SchedulerLoop;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The placement scheduler at scale, in-process: {@code --hosts} dummy hosts (80 % {@code edge-medium}, 20 %
 * {@code telco-large} marked PIN_POLICY = PINNED), {@code --vms} VMs of mixed sizes allocated on hold over XML-RPC
 * (10 % pinned with a 2-node NUMA topology: CORE or THREAD, some with 2 MB hugepages), then all released in one
 * controller action (the release step of each VM, batched, so the clock starts with every VM PENDING at once).
 * Measured: time until every VM is dispatched (its deploy step applied: ACTIVE with a placement) and until all are
 * RUNNING, and the scheduler's own decision time per VM (mean over all cycles, and the longest).
 */
@Command(name = "sched", mixinStandardHelpOptions = true,
        description = "Placement scheduler: pending VMs onto dummy hosts with NUMA pinning, time to all dispatched.")
final class SchedBench implements Callable<Integer> {
    private static final Pattern INT = Pattern.compile("<(?:i4|int)>(\\d+)</(?:i4|int)>");

    @Option(names = "--hosts", description = "Dummy hosts. Default: ${DEFAULT-VALUE}")
    int hosts = 1250;

    @Option(names = "--vms", description = "Pending VMs to place. Default: ${DEFAULT-VALUE}")
    int vms = 20_000;

    @Option(names = "--clients", description = "Concurrent clients creating hosts and VMs. Default: ${DEFAULT-VALUE}")
    int clients = 8;

    @Option(names = "--timeout", description = "Seconds to wait for hosts to be monitored and VMs placed. Default: ${DEFAULT-VALUE}")
    int timeout = 600;

    private URI endpoint;
    private String session;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("nimbo-bench-sched-");
        System.setProperty("nimbo.log.file", dir.resolve("nimbod.log").toString());
        System.setProperty("nimbo.sched.interval", System.getProperty("nimbo.sched.interval", "5"));
        NimboServer server = NimboServer.start(new ServerConfig(dir, "127.0.0.1", 0, null, 0,
                ServerConfig.DEFAULT_MAX_REQUEST_BYTES, 600_000));
        try {
            endpoint = URI.create("http://127.0.0.1:" + server.port() + "/RPC2");
            session = Files.readString(dir.resolve("one_auth")).strip();
            run(server);
            return 0;
        } finally {
            server.close();
        }
    }

    private void run(NimboServer server) throws Exception {
        long t0 = System.nanoTime();
        int pinnedHosts = hosts / 5;
        AtomicInteger next = new AtomicInteger();
        parallel(() -> {
            try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
                for (int i; (i = next.getAndIncrement()) < hosts; ) {
                    int id = id(c.call(RawRpcConnection.encode("one.host.allocate",
                            List.of(session, "sched-" + i, "dummy", "dummy", -1))));
                    String t = i < pinnedHosts ? "DUMMY_PROFILE = \"telco-large\"\nPIN_POLICY = PINNED"
                            : "DUMMY_PROFILE = \"edge-medium\"";
                    c.call(RawRpcConnection.encode("one.host.update", List.of(session, id, t, 1)));
                }
            }
            return null;
        });
        long deadline = System.nanoTime() + timeout * 1_000_000_000L;
        while (countHosts(server) < hosts) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + countHosts(server) + " of " + hosts + " hosts monitored");
            }
            Thread.sleep(200);
        }
        System.out.printf("hosts          %d dummy hosts (%d telco-large PINNED, %d edge-medium) monitored after %.1f s%n",
                hosts, pinnedHosts, hosts - pinnedHosts, (System.nanoTime() - t0) / 1e9);

        // VMs on hold: mixed sizes, every tenth pinned
        t0 = System.nanoTime();
        int[] ids = new int[vms];
        next.set(0);
        parallel(() -> {
            try (RawRpcConnection c = new RawRpcConnection(endpoint)) {
                for (int i; (i = next.getAndIncrement()) < vms; ) {
                    ids[i] = id(c.call(RawRpcConnection.encode("one.vm.allocate", List.of(session, template(i), true))));
                }
            }
            return null;
        });
        System.out.printf("allocate       %d VMs on hold in %.1f s (%d pinned)%n", vms, (System.nanoTime() - t0) / 1e9,
                (vms + 9) / 10);

        SchedulerLoop sched = SchedulerLoop.of(server.controller());
        if (sched == null) {
            throw new IllegalStateException("the scheduler is off (nimbo.sched.interval=0)");
        }
        SchedulerLoop.CycleStats before = sched.totals();
        int cyclesBefore = sched.cycles();
        t0 = System.nanoTime();
        // release leaves no driver work (HOLD to PENDING): the steps alone, one action for all
        server.controller().execute(tx -> {
            for (int id : ids) {
                VmTransitions.applyOp(tx, id, VmOp.RELEASE, VmTransitions.Requester.SYSTEM, null);
            }
            return null;
        });
        long tDispatched = 0;
        long tRunning = 0;
        int lastDispatched = -1;
        while (tRunning == 0) {
            if (System.nanoTime() > deadline + timeout * 1_000_000_000L) {
                throw new IllegalStateException("only " + lastDispatched + " of " + vms + " VMs dispatched");
            }
            Thread.sleep(20);
            int dispatched = 0;
            int running = 0;
            for (PoolObject o : server.controller().published().list(ObjectType.VM)) {
                VirtualMachine vm = (VirtualMachine) o;
                if (vm.state() == VmState.ACTIVE) {
                    dispatched++;
                    if (vm.lcmState() == dev.nimbo.core.vm.LcmState.RUNNING) {
                        running++;
                    }
                }
            }
            if (dispatched != lastDispatched && (dispatched == vms || dispatched / 5000 != lastDispatched / 5000)) {
                System.out.printf("               %d dispatched, %d RUNNING after %.2f s%n", dispatched, running,
                        (System.nanoTime() - t0) / 1e9);
            }
            lastDispatched = dispatched;
            if (dispatched == vms && tDispatched == 0) {
                tDispatched = System.nanoTime() - t0;
            }
            if (running == vms) {
                tRunning = System.nanoTime() - t0;
            }
        }
        SchedulerLoop.CycleStats s = sched.totals();
        int decided = s.considered() - before.considered();
        long nanos = s.decisionNanos() - before.decisionNanos();
        System.out.printf("dispatched     all %d VMs in %.2f s = %.0f VMs/s; all RUNNING after %.2f s%n", vms,
                tDispatched / 1e9, vms / (tDispatched / 1e9), tRunning / 1e9);
        System.out.printf("decisions      %d in %d cycles: mean %.1f µs per VM, longest %.2f ms; cycles took %.2f s in all%n",
                decided, sched.cycles() - cyclesBefore, nanos / 1e3 / Math.max(1, decided),
                sched.longestDecisionNanos() / 1e6, (s.cycleNanos() - before.cycleNanos()) / 1e9);
        checkNoDoubleAssignment(server);
    }

    /** Every pinned host thread has at most one VM, and each pinned VM's recorded CPUS are its own. */
    private void checkNoDoubleAssignment(NimboServer server) {
        int pinnedVms = 0;
        for (PoolObject o : server.controller().published().list(ObjectType.VM)) {
            VirtualMachine vm = (VirtualMachine) o;
            var nodes = vm.vmTemplate().vectors("NUMA_NODE");
            if (nodes.isEmpty() || vm.vmTemplate().vectors("TOPOLOGY").get(0).get("PIN_POLICY") == null) {
                continue;
            }
            pinnedVms++;
            dev.nimbo.core.host.Host h = (dev.nimbo.core.host.Host) server.controller().published()
                    .get(ObjectType.HOST, vm.hostId());
            java.util.Map<Integer, Integer> owner = new java.util.HashMap<>();
            for (var n : h.share().numaNodes()) {
                for (var c : n.cores()) {
                    for (String pair : c.cpus().split(",")) {
                        String[] p = pair.split(":");
                        owner.put(Integer.parseInt(p[0]), Integer.parseInt(p[1]));
                    }
                }
            }
            for (var n : nodes) {
                for (String cpu : n.get("CPUS").split(",")) {
                    if (owner.get(Integer.parseInt(cpu)) != vm.id()) {
                        throw new IllegalStateException("VM " + vm.id() + " CPU " + cpu + " is held by "
                                + owner.get(Integer.parseInt(cpu)));
                    }
                }
            }
        }
        System.out.printf("check          %d pinned VMs, every pinned CPU held by its VM alone%n", pinnedVms);
    }

    /** VM {@code i}: sizes cycle through small, medium and large; every tenth is pinned to 2 NUMA nodes. */
    static String template(int i) {
        if (i % 10 == 0) {
            String policy = i % 20 == 0 ? "CORE" : "THREAD";
            String huge = i % 40 == 0 ? ", HUGEPAGE_SIZE = 2" : "";
            return "NAME = \"p" + i + "\"\nCPU = 4\nVCPU = 4\nMEMORY = 2048\nTOPOLOGY = [ PIN_POLICY = " + policy
                    + ", SOCKETS = 2" + huge + " ]";
        }
        return switch (i % 3) {
            case 0 -> "NAME = \"s" + i + "\"\nCPU = 0.5\nVCPU = 1\nMEMORY = 512";
            case 1 -> "NAME = \"m" + i + "\"\nCPU = 1\nVCPU = 2\nMEMORY = 2048";
            default -> "NAME = \"l" + i + "\"\nCPU = 2\nVCPU = 4\nMEMORY = 4096";
        };
    }

    private static int countHosts(NimboServer server) {
        int n = 0;
        for (PoolObject o : server.controller().published().list(ObjectType.HOST)) {
            dev.nimbo.core.host.Host h = (dev.nimbo.core.host.Host) o;
            if (h.state() == dev.nimbo.core.host.HostState.MONITORED && h.share().totalCpu() > 0
                    && !h.share().numaNodes().isEmpty()) {
                n++;
            }
        }
        return n;
    }

    private void parallel(Callable<Void> task) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<Void>> fs = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                fs.add(pool.submit(task));
            }
            for (Future<Void> f : fs) {
                f.get();
            }
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
}
