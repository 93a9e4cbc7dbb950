package dev.nimbo.bench;

import dev.nimbo.agent.AgentHandler;
import dev.nimbo.agent.host.HostProbe;
import dev.nimbo.agent.libvirt.LibvirtVmm;
import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.agent.link.AgentConnection;
import dev.nimbo.agent.store.HostStore;
import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.testing.KvmFixture;
import dev.nimbo.testing.WanRelay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The edge demo ({@code scripts/demo-edge.sh}): a nimbod, two emulated edge sites (each an agent behind its own
 * {@link WanRelay} link, 200 ms RTT, 100 Mbit/s), a real QEMU guest in each; one site's link is cut for 60 s and
 * restored. Passes (exit 0) only when both guests answered ping inside their site the whole time, the cut site's
 * host went to ERROR with its VM left RUNNING, a VM action on it was refused as unreachable, and after the link
 * returned the host is MONITORED and the VM RUNNING and monitored again; prints the reconcile time. The live
 * migration step of the demo is scripts/bench-migration.sh, between two namespaced hosts (see docs/edge.md).
 */
@Command(name = "edge-demo", mixinStandardHelpOptions = true, description = "Two emulated edge sites, one cut.")
public final class EdgeDemo implements Callable<Integer> {
    private static final String[] GUEST_IPS = {"10.213.0.191", "10.213.0.192"};

    @Option(names = "--cut-seconds", description = "Length of the cut. Default: ${DEFAULT-VALUE}")
    int cutSeconds = 60;

    @Option(names = "--rtt-ms", description = "Round-trip time of each site's link. Default: ${DEFAULT-VALUE}")
    int rttMs = 200;

    private OneClient admin;
    private EdgeFront front;
    private final List<String> domains = new ArrayList<>();

    public static void main(String[] args) {
        System.exit(new CommandLine(new EdgeDemo()).execute(args));
    }

    private static void say(String s) {
        System.out.println("\n== " + s);
    }

    @Override
    public Integer call() throws Exception {
        KvmFixture.Ready kvm = KvmFixture.ensureReady();
        Path dir = Files.createTempDirectory("edge9-demo-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        front = EdgeFront.start(dir, 5, 2);
        int agentPort = front.agentPort;
        List<WanRelay> links = new ArrayList<>();
        List<AgentConnection> agents = new ArrayList<>();
        boolean passed = false;
        try {
            admin = front.admin;
            say("two edge sites, each behind a " + rttMs + " ms RTT / 100 Mbit/s link");
            int[] hosts = new int[2];
            for (int i = 0; i < 2; i++) {
                WanRelay link = WanRelay.loopback(agentPort, WanRelay.Shape.wan(Duration.ofMillis(rttMs),
                        Duration.ofMillis(5), 100));
                links.add(link);
                hosts[i] = front.host("edge-site-" + (i + 1));
                String token = front.token(hosts[i]);
                Path data = dir.resolve("site-" + (i + 1));
                Files.createDirectories(data);
                agents.add(agent(link, token, data));
                System.out.println("site " + (i + 1) + ": host " + hosts[i] + ", link " + link.endpoint());
            }
            await(60, () -> hostState(hosts[0]) == 2 && hostState(hosts[1]) == 2);
            String safe = kvm.appliance().toString();
            int files = front.datastore("NAME=edge-files\nTYPE=FILE_DS\nDS_MAD=fs\nTM_MAD=shared\nSAFE_DIRS=\""
                    + safe + "\"");
            int kernel = image("NAME=edge-kernel\nTYPE=KERNEL\nPATH=\"" + safe + "/vmlinuz\"", files);
            int initrd = image("NAME=edge-initrd\nTYPE=RAMDISK\nPATH=\"" + safe + "/initrd.img\"", files);
            int net = ok(admin.call("one.vn.allocate", "NAME=edge-net\nVN_MAD=dummy\nBRIDGE=" + kvm.bridge()
                    + "\nNETWORK_MASK=255.255.255.0\nAR=[ TYPE=IP4, IP=" + GUEST_IPS[0] + ", SIZE=2 ]", -1))
                    .intValue();
            // domains are named one-ID on a shared machine: keep our IDs away from the tests'
            for (int i = 0; i < 60; i++) {
                int id = ok(admin.call("one.vm.allocate", "NAME=filler\nCPU=0.1\nMEMORY=8", true)).intValue();
                ok(admin.call("one.vm.action", "terminate-hard", id));
            }
            say("a real guest in each site");
            int[] vms = new int[2];
            for (int i = 0; i < 2; i++) {
                vms[i] = ok(admin.call("one.vm.allocate", "NAME=edge-guest-" + (i + 1) + "\nCPU=0.5\nVCPU=1\n"
                        + "MEMORY=128\nOS=[ KERNEL_DS=\"$FILE[IMAGE_ID=" + kernel + "]\", INITRD_DS=\"$FILE[IMAGE_ID="
                        + initrd + "]\", KERNEL_CMD=\"console=ttyS0 quiet\" ]\nNIC=[ NETWORK_ID=" + net + ", IP="
                        + GUEST_IPS[i] + " ]\nCONTEXT=[ NETWORK=YES ]", false)).intValue();
                domains.add("one-" + vms[i]);
                ok(admin.call("one.vm.deploy", vms[i], hosts[i], false, -1));
            }
            for (int i = 0; i < 2; i++) {
                int vm = vms[i];
                await(300, () -> vmLcm(vm) == 3);
                if (!kvm.ping(GUEST_IPS[i], 180)) {
                    throw new IllegalStateException("guest " + (i + 1) + " does not answer ping");
                }
                System.out.println("guest " + (i + 1) + " (VM " + vm + ") RUNNING on site " + (i + 1) + ", answers ping at "
                        + GUEST_IPS[i]);
            }

            say("cutting site 1's link for " + cutSeconds + " s; pinging both guests inside their sites every second");
            List<AtomicInteger[]> counts = new ArrayList<>();
            List<Thread> pingers = new ArrayList<>();
            boolean[] stop = {false};
            for (String ip : GUEST_IPS) {
                AtomicInteger[] c = {new AtomicInteger(), new AtomicInteger()};
                counts.add(c);
                pingers.add(Thread.ofVirtual().start(() -> {
                    while (!stop[0]) {
                        c[0].incrementAndGet();
                        if (!kvm.ping(ip, 3)) {
                            c[1].incrementAndGet();
                        }
                        try {
                            Thread.sleep(1000);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            links.get(0).cut();
            long cutAt = System.nanoTime();
            await(60, () -> hostState(hosts[0]) == 3);
            System.out.printf("site 1 host ERROR after %.1f s; site 2 host state %d; VM states %d/%d (3 = RUNNING)%n",
                    (System.nanoTime() - cutAt) / 1e9, hostState(hosts[1]), vmLcm(vms[0]), vmLcm(vms[1]));
            check(vmLcm(vms[0]) == 3, "the cut site's VM stays RUNNING");
            check(hostState(hosts[1]) == 2, "the other site stays MONITORED");
            OneResponse refused = admin.call("one.vm.action", "poweroff", vms[0]);
            System.out.println("poweroff of VM " + vms[0] + " while cut: " + refused.message());
            check(!refused.ok() && refused.message().contains("unreachable"), "VM actions refused as unreachable");
            while (System.nanoTime() - cutAt < Duration.ofSeconds(cutSeconds).toNanos()) {
                Thread.sleep(250);
            }
            say("restoring site 1's link");
            long restored = System.nanoTime();
            long restoredAt = System.currentTimeMillis() / 1000;
            links.get(0).restore();
            await(180, () -> hostState(hosts[0]) == 2 && vmLcm(vms[0]) == 3
                    && vm(vms[0]).child("MONITORING").longValue("TIMESTAMP", 0) >= restoredAt);
            double reconcile = (System.nanoTime() - restored) / 1e9;
            stop[0] = true;
            for (Thread t : pingers) {
                t.join(10_000);
            }
            for (int i = 0; i < 2; i++) {
                System.out.printf("guest %d: %d pings inside its site, %d missed%n", i + 1, counts.get(i)[0].get(),
                        counts.get(i)[1].get());
                check(counts.get(i)[1].get() == 0, "guest " + (i + 1) + " never stopped answering");
            }
            System.out.printf("%nRESULT: passed. Reconcile time after a %d s cut: %.2f s (link restored -> host"
                    + " MONITORED, VM RUNNING and monitored again)%n", cutSeconds, reconcile);
            for (int vm : vms) {
                ok(admin.call("one.vm.action", "terminate-hard", vm));
            }
            for (int vm : vms) {
                await(120, () -> vm(vm).integer("STATE", -1) == 6);
            }
            passed = true;
            return 0;
        } catch (IllegalStateException e) {
            System.out.println("\nRESULT: FAILED: " + e.getMessage());
            return 1;
        } finally {
            Virsh virsh = new Virsh("qemu:///system");
            for (String d : domains) {
                virsh.tryRun("destroy", d);
            }
            agents.forEach(AgentConnection::close);
            links.forEach(WanRelay::close);
            front.close();
            if (passed) {
                try (var s = Files.walk(dir)) {
                    s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            } else {
                System.out.println("files kept in " + dir);
            }
        }
    }

    private AgentConnection agent(WanRelay link, String token, Path data) {
        HostStore store = new HostStore(data);
        HostProbe probe = new HostProbe(Path.of("/proc"), Path.of("/sys"), data, List.of());
        AgentConnection a = new AgentConnection("127.0.0.1", link.port(), token, data, Duration.ofSeconds(2),
                new AgentHandler(probe, store, new LibvirtVmm(new Virsh("qemu:///system"), store, "qemu",
                        Duration.ofSeconds(20))), () -> dev.nimbo.agent.NimboAgent.sample(probe, "qemu"), Duration.ofSeconds(5));
        Thread.ofVirtual().start(() -> {
            try {
                a.run();
            } catch (Exception e) {
                System.err.println("agent stopped: " + e.getMessage());
            }
        });
        return a;
    }

    private int image(String template, int ds) throws InterruptedException {
        return front.image(template, ds);
    }

    private int hostState(int host) {
        return front.hostState(host);
    }

    private XmlNode vm(int id) {
        return front.vm(id);
    }

    private int vmLcm(int id) {
        return front.vmLcm(id);
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
        System.out.println("ok: " + what);
    }

    private static OneResponse ok(OneResponse r) {
        return EdgeFront.ok(r);
    }

    private static void await(int seconds, BooleanSupplier done) throws InterruptedException {
        EdgeFront.await(seconds, done);
    }
}
