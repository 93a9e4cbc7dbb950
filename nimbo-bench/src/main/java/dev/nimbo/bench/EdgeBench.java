package dev.nimbo.bench;

import dev.nimbo.agent.link.AgentConnection;
import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.DummyHypervisor;
import dev.nimbo.testing.WanRelay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 9's benchmark: one edge site behind an emulated WAN link ({@link WanRelay}), its agent in this JVM with a
 * simulated hypervisor ({@link DummyHypervisor}; real file transfers), a nimbod in this JVM.
 * <ol>
 * <li>Image transfer rate at deploy (PROLOG sends a KERNEL image into the host's cache) over RTT/100 Mbit/s and
 * RTT/1 Gbit/s, with the transfer window used now (8 chunks) and with one chunk at a time (stop-and-wait, the
 * old way), from the bytes the link carried while the transfer ran.
 * <li>Reconcile time: N running VMs, the link cut, some domains stopped on the host meanwhile, the link restored;
 * time until the agent is back (its reconnection back-off) and until the front-end is right again (host
 * MONITORED, the stopped VMs POWEROFF, the others RUNNING and monitored after the cut).
 * </ol>
 */
@Command(name = "edge", mixinStandardHelpOptions = true,
        description = "Edge site over an emulated WAN: image transfer rate vs link rate, reconcile time after a cut.")
final class EdgeBench implements Callable<Integer> {

    @Option(names = "--rtt-ms", description = "Round-trip time of the link. Default: ${DEFAULT-VALUE}")
    int rttMs = 200;

    @Option(names = "--image-mb", description = "Size of the transferred image. Default: ${DEFAULT-VALUE}")
    int imageMb = 64;

    @Option(names = "--rates", split = ",", description = "Link rates in Mbit/s. Default: ${DEFAULT-VALUE}")
    List<Integer> rates = List.of(100, 1000);

    @Option(names = "--vms", description = "Running VMs on the site for the reconcile run. Default: ${DEFAULT-VALUE}")
    int vms = 100;

    @Option(names = "--stopped", description = "Of those, stopped on the host during the cut. Default: ${DEFAULT-VALUE}")
    int stopped = 10;

    @Option(names = "--cut-seconds", description = "Length of the cut. Default: ${DEFAULT-VALUE}")
    int cutSeconds = 10;

    @Option(names = "--skip-transfer", description = "Only the reconcile run.")
    boolean skipTransfer;

    private Path dir;
    private EdgeFront front;
    private OneClient admin;
    private WanRelay link;
    private DummyHypervisor hypervisor;
    private AgentConnection agent;
    private int host;

    @Override
    public Integer call() throws Exception {
        dir = Files.createTempDirectory("nimbo-bench-edge-");
        try {
            start();
            if (!skipTransfer) {
                transfers();
            }
            reconcile();
            return 0;
        } finally {
            if (agent != null) {
                agent.close();
            }
            if (link != null) {
                link.close();
            }
            if (front != null) {
                front.close();
            }
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private void start() throws Exception {
        front = EdgeFront.start(dir, 2, 2);
        admin = front.admin;
        link = WanRelay.loopback(front.agentPort, shape(rates.get(0)));
        host = front.host("edge-bench-site");
        Path data = dir.resolve("agent");
        Files.createDirectories(data);
        hypervisor = new DummyHypervisor(data);
        agent = new AgentConnection("127.0.0.1", link.port(), front.token(host), data, Duration.ofSeconds(2),
                hypervisor, hypervisor::sample, Duration.ofSeconds(1));
        AgentConnection a = agent;
        Thread.ofVirtual().start(() -> {
            try {
                a.run();
            } catch (Exception e) {
                System.err.println("agent stopped: " + e.getMessage());
            }
        });
        await(60, () -> hostState() == 2);
    }

    private WanRelay.Shape shape(int mbps) {
        return WanRelay.Shape.wan(Duration.ofMillis(rttMs), Duration.ofMillis(Math.max(1, rttMs / 100)), mbps);
    }

    // ------------------------------------------------------------------ transfer

    private void transfers() throws Exception {
        Path images = dir.resolve("images");
        Files.createDirectories(images);
        int ds = front.datastore("NAME=edge-bench-files\nTYPE=FILE_DS\nDS_MAD=fs\nTM_MAD=shared\nSAFE_DIRS=\""
                + images + "\"");
        System.out.printf(Locale.ROOT, "image transfer at deploy, %d MiB, RTT %d ms%n", imageMb, rttMs);
        int run = 0;
        boolean warm = false; // the first transfer warms the JIT (TLS, frames) up and is not reported
        for (int r = -1; r < rates.size(); r++) {
            int mbps = rates.get(Math.max(0, r));
            if (r == 0) {
                warm = true;
                System.out.printf("%-12s %-16s %12s %12s %12s%n", "link Mbit/s", "window", "seconds", "Mbit/s",
                        "of link");
            }
            for (int window : warm ? new int[] {1, 8} : new int[] {8}) {
                link.shape(shape(mbps), shape(mbps));
                System.setProperty("nimbo.kvm.transferWindow", Integer.toString(window));
                Path file = images.resolve("kernel-" + run++);
                byte[] block = new byte[1 << 20];
                Random rnd = new Random(run);
                try (var out = Files.newOutputStream(file)) {
                    for (int i = 0; i < imageMb; i++) {
                        rnd.nextBytes(block);
                        out.write(block);
                    }
                }
                int image = front.image("NAME=k" + run + "\nTYPE=KERNEL\nPATH=\"" + file + "\"", ds);
                int vm = ok(admin.call("one.vm.allocate", "NAME=t" + run + "\nCPU=0.01\nMEMORY=1\nOS=[ KERNEL_DS=\""
                        + "$FILE[IMAGE_ID=" + image + "]\" ]", false)).intValue();
                long bytes0 = link.bytesDown();
                long size = (long) imageMb << 20;
                ok(admin.call("one.vm.deploy", vm, host, false, -1));
                // from the first to the last byte of the image on the wire, as the link counted them
                long first = 0;
                long last;
                long giveUp = System.nanoTime() + Duration.ofSeconds(300).toNanos();
                while (true) {
                    if (System.nanoTime() > giveUp || vmLcm(vm) > 3 && dev.nimbo.core.vm.LcmState.of(vmLcm(vm))
                            .isFailure()) {
                        throw new IllegalStateException("the transfer did not complete: VM " + vm + " LCM_STATE "
                                + vmLcm(vm) + " " + vm(vm).child("USER_TEMPLATE").text("ERROR") + "; "
                                + (link.bytesDown() - bytes0) + " bytes moved");
                    }
                    long moved = link.bytesDown() - bytes0;
                    if (first == 0 && moved > 64 * 1024) {
                        first = System.nanoTime();
                    }
                    if (moved >= size) {
                        last = System.nanoTime();
                        break;
                    }
                    Thread.sleep(5);
                }
                await(120, () -> vmLcm(vm) == 3);
                double seconds = (last - first) / 1e9;
                double rate = size * 8 / seconds / 1e6;
                if (warm) {
                    System.out.printf(Locale.ROOT, "%-12s %-16s %12.2f %12.1f %12s%n", mbps == 0 ? "unlimited" : mbps,
                            window == 1 ? "1 (stop-wait)" : window + " x 4 MiB", seconds, rate,
                            mbps == 0 ? "-" : Math.round(100 * rate / mbps) + "%");
                }
                ok(admin.call("one.vm.action", "terminate-hard", vm));
                await(60, () -> vmState(vm) == 6);
            }
        }
        System.clearProperty("nimbo.kvm.transferWindow");
    }

    // ------------------------------------------------------------------ reconcile

    private void reconcile() throws Exception {
        link.shape(shape(100), shape(100));
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < vms; i++) {
            int id = ok(admin.call("one.vm.allocate", "NAME=edge-" + i + "\nCPU=0.01\nMEMORY=1", false)).intValue();
            ok(admin.call("one.vm.deploy", id, host, false, -1));
            ids.add(id);
        }
        await(300, () -> ids.stream().allMatch(id -> vmLcm(id) == 3));
        link.cut();
        await(60, () -> hostState() == 3);
        List<Integer> gone = ids.subList(0, Math.min(stopped, ids.size()));
        gone.forEach(hypervisor::stop);
        Thread.sleep(cutSeconds * 1000L);
        long sessions = agent.sessions();
        long t0 = System.nanoTime();
        long restoredAt = System.currentTimeMillis() / 1000;
        link.restore();
        await(120, () -> agent.sessions() > sessions);
        long back = System.nanoTime();
        List<Integer> kept = ids.subList(gone.size(), ids.size());
        await(300, () -> hostState() == 2 && gone.stream().allMatch(id -> vmState(id) == 8));
        long stateRight = System.nanoTime();
        await(300, () -> kept.stream().allMatch(id -> vmLcm(id) == 3
                && vm(id).child("MONITORING").longValue("TIMESTAMP", 0) >= restoredAt));
        long monitored = System.nanoTime();
        System.out.printf(Locale.ROOT, "reconcile after a %d s cut, %d VMs (%d stopped on the host during the cut),"
                + " RTT %d ms, 100 Mbit/s%n", cutSeconds, vms, gone.size(), rttMs);
        System.out.printf(Locale.ROOT, "  agent back (its reconnection back-off):            %8.2f s%n", (back - t0) / 1e9);
        System.out.printf(Locale.ROOT, "  state right (host MONITORED, stopped VMs POWEROFF): %8.2f s after the agent"
                + " (%.2f s after the link)%n", (stateRight - back) / 1e9, (stateRight - t0) / 1e9);
        System.out.printf(Locale.ROOT, "  every running VM monitored again:                  %8.2f s after the agent"
                + " (%.2f s after the link)%n", (monitored - back) / 1e9, (monitored - t0) / 1e9);
    }

    // ------------------------------------------------------------------ helpers

    private int hostState() {
        return front.hostState(host);
    }

    private XmlNode vm(int id) {
        return front.vm(id);
    }

    private int vmLcm(int id) {
        return front.vmLcm(id);
    }

    private int vmState(int id) {
        return front.vmState(id);
    }

    private static OneResponse ok(OneResponse r) {
        return EdgeFront.ok(r);
    }

    private static void await(int seconds, BooleanSupplier done) throws InterruptedException {
        EdgeFront.await(seconds, done);
    }
}
