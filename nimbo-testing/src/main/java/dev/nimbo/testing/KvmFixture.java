package dev.nimbo.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What tests with real KVM hosts need, made ready once per JVM by the project's own scripts: QEMU and libvirt
 * installed and libvirtd running ({@code scripts/install-kvm-deps.sh}), the test appliance built
 * ({@code scripts/build-test-appliance.sh}: vmlinuz, initrd.img, datablock.raw), and the test network
 * ({@code scripts/kvm-test-net.sh up}: a bridge with no host address and a namespace of our own on it). Any failure
 * is an error, never a skip: CI must not pass by not running these tests.
 */
public final class KvmFixture {
    private static Ready ready;

    /** The appliance directory and the test network. */
    public record Ready(Path appliance, String bridge, String netns, String netnsIp, Path root) {

        /** True once the guest at ip answers ping from the test namespace (within seconds). */
        public boolean ping(String ip, int seconds) {
            try {
                return run(root, seconds + 30, "bash", root.resolve("scripts/kvm-test-net.sh").toString(), "ping", ip,
                        Integer.toString(seconds)).exit == 0;
            } catch (IllegalStateException e) {
                return false;
            }
        }
    }

    private KvmFixture() {
    }

    public static synchronized Ready ensureReady() {
        if (ready != null) {
            return ready;
        }
        Path root = PostgresFixture.repoRoot();
        check(run(root, 900, "bash", root.resolve("scripts/install-kvm-deps.sh").toString()), "install-kvm-deps.sh");
        Result appliance = run(root, 600, "bash", root.resolve("scripts/build-test-appliance.sh").toString());
        check(appliance, "build-test-appliance.sh");
        Result net = run(root, 60, "bash", root.resolve("scripts/kvm-test-net.sh").toString(), "up");
        check(net, "kvm-test-net.sh up");
        String[] n = lastLine(net.output).split(" ");
        ready = new Ready(Path.of(lastLine(appliance.output)), n[0], n[1], n[2], root);
        return ready;
    }

    /**
     * An extra hypervisor host of this machine ({@code scripts/kvm-second-host.sh}): a libvirtd of its own in its own
     * mount and network namespaces, reachable at {@code address} (qemu+tcp, no auth) and from here through its
     * socket ({@code libvirtUri}); its guests' bridge joins {@code bridge}, whose namespace {@code testNetns} pings
     * them. For migration between two real hosts.
     */
    public record NamespacedHost(String name, String address, String libvirtUri, String bridge, String testNetns,
                                 String testNetnsIp) {

        /** This machine's address on the management bridge (x.y.z.1 of the host's /24): what the host can reach. */
        public String managementGateway() {
            return address.substring(0, address.lastIndexOf('.')) + ".1";
        }
    }

    /** Brings up (or finds) the namespaced host NAME (prefix mig9) with address index {@code index} (1..200). */
    public static synchronized NamespacedHost namespacedHost(String name, int index) {
        Path root = ensureReady().root();
        Result r = run(root, 120, "bash", root.resolve("scripts/kvm-second-host.sh").toString(), "up", name,
                Integer.toString(index));
        check(r, "kvm-second-host.sh up " + name);
        String[] f = lastLine(r.output).split(" ");
        return new NamespacedHost(f[0], f[1], "qemu+unix:///system?socket=" + f[2], f[3], f[4], f[5]);
    }

    /** Stops the namespaced host's guests and libvirtd and removes its namespaces. */
    public static synchronized void removeNamespacedHost(String name) {
        Path root = PostgresFixture.repoRoot();
        check(run(root, 60, "bash", root.resolve("scripts/kvm-second-host.sh").toString(), "down", name),
                "kvm-second-host.sh down " + name);
    }

    /**
     * Starts {@code command} inside the namespaced host's mount and network namespaces (e.g. its own agent), output
     * to {@code log}. Stop it with {@link #stopInHost}.
     */
    public static Process startInHost(NamespacedHost host, Path log, List<String> command) throws IOException {
        Path root = PostgresFixture.repoRoot();
        List<String> cmd = new java.util.ArrayList<>(List.of("bash",
                root.resolve("scripts/kvm-second-host.sh").toString(), "exec", host.name()));
        cmd.addAll(command);
        return new ProcessBuilder(cmd).directory(root.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
    }

    /** Stops a process of {@link #startInHost} and what it runs (the script's child is not in its place). */
    public static void stopInHost(Process p) throws InterruptedException {
        List<ProcessHandle> all = new java.util.ArrayList<>(p.descendants().toList());
        all.add(p.toHandle());
        all.forEach(ProcessHandle::destroy);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (ProcessHandle h : all) {
            while (h.isAlive() && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            h.destroyForcibly();
        }
        p.waitFor();
    }

    private static String lastLine(String text) {
        String[] lines = text.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    private record Result(int exit, String output) {
    }

    private static void check(Result r, String what) {
        if (r.exit != 0) {
            throw new IllegalStateException(what + " failed (exit " + r.exit + "):\n" + r.output);
        }
    }

    private static Result run(Path root, int timeoutSeconds, String... cmd) {
        try {
            Path out = Files.createTempFile("nimbo-kvm-fixture", ".out");
            try {
                // stdout alone: the scripts print their answer there and progress on stderr (inherited)
                Process p = new ProcessBuilder(List.of(cmd)).directory(root.toFile())
                        .redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", cmd) + ": no answer in " + timeoutSeconds + " s");
                }
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + cmd[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
