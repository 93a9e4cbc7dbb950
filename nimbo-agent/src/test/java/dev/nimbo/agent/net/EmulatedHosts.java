package dev.nimbo.agent.net;

import java.util.ArrayList;
import java.util.List;

/**
 * Two emulated hosts for network driver tests: network namespaces {@code PREFIX-a} and {@code PREFIX-b} joined by a
 * veth pair (uplinks {@code ua} and {@code ub}, 192.168.77.1/.2, the hosts' PHYDEV), and guests as further
 * namespaces whose eth0 is the peer of a "tap" on a host, put on a bridge as libvirt would. Everything it makes is
 * removed by {@link #close}.
 */
final class EmulatedHosts implements AutoCloseable {
    /** The project's scripts (tests run in the module's directory). */
    static final java.nio.file.Path SCRIPTS = java.nio.file.Path.of(System.getProperty("user.dir")).getParent()
            .resolve("scripts");
    private static boolean toolsReady;

    final String hostA;
    final String hostB;
    private final String prefix;
    private final List<String> namespaces = new ArrayList<>();
    private final HostShell root = HostShell.host();

    EmulatedHosts(String prefix) {
        ensureTools();
        this.prefix = prefix;
        hostA = namespace("a");
        hostB = namespace("b");
        root.run("ip", "-n", hostA, "link", "add", "ua", "type", "veth", "peer", "name", "ub", "netns", hostB);
        root.run("ip", "-n", hostA, "addr", "add", "192.168.77.1/24", "dev", "ua");
        root.run("ip", "-n", hostB, "addr", "add", "192.168.77.2/24", "dev", "ub");
        root.run("ip", "-n", hostA, "link", "set", "ua", "up");
        root.run("ip", "-n", hostB, "link", "set", "ub", "up");
    }

    /** nftables, tcpdump, Open vSwitch, FRR... installed by the project's script, once per JVM. */
    private static synchronized void ensureTools() {
        if (!toolsReady) {
            HostShell.host().run("bash", SCRIPTS.resolve("install-net-deps.sh").toString());
            toolsReady = true;
        }
    }

    private String namespace(String name) {
        String ns = prefix + "-" + name;
        root.ok("ip", "netns", "del", ns); // a leftover of a killed run
        root.run("ip", "netns", "add", ns);
        namespaces.add(ns);
        root.run("ip", "-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    /** A guest namespace with eth0 (MAC, IP/24) whose peer {@code tap} is on {@code bridge} of {@code host}. */
    String guest(String name, String host, String tap, String bridge, String mac, String ip) {
        String ns = guestOffBridge(name, host, tap, mac, ip);
        root.run("ip", "-n", host, "link", "set", tap, "master", bridge, "up");
        return ns;
    }

    /** A guest whose tap is not on any bridge yet (the test puts it on a switch). */
    String guestOffBridge(String name, String host, String tap, String mac, String ip) {
        String ns = namespace(name);
        root.run("ip", "-n", host, "link", "add", tap, "type", "veth", "peer", "name", "eth0", "netns", ns);
        root.run("ip", "-n", ns, "link", "set", "eth0", "address", mac, "up");
        root.run("ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0");
        root.run("ip", "-n", host, "link", "set", tap, "up");
        // a veth hands its frames on with the TCP/UDP checksum left to the hardware, and Open vSwitch's userspace
        // conntrack (the datapath of these tests) takes such frames for invalid: the guest computes its checksums
        root.run("ip", "netns", "exec", ns, "ethtool", "-K", "eth0", "tx", "off");
        return ns;
    }

    /** The guest's tap is gone, as when libvirt destroys the domain. */
    void unplug(String host, String tap) {
        root.ok("ip", "-n", host, "link", "del", tap);
    }

    boolean ping(String fromNs, String ip) {
        return root.ok("ip", "netns", "exec", fromNs, "busybox", "ping", "-c", "1", "-W", "1", ip);
    }

    /** Gives a guest an IPv6 address (no duplicate detection: usable at once). */
    void addIp6(String ns, String ip6) {
        root.run("ip", "-n", ns, "addr", "add", ip6 + "/64", "dev", "eth0", "nodad");
    }

    /** Whether a guest answers an IPv6 ping, sent from {@code source} (one of its addresses). */
    boolean ping6(String fromNs, String source, String ip6) {
        return root.ok("ip", "netns", "exec", fromNs, "busybox", "ping", "-6", "-c", "1", "-W", "1", "-I", source,
                ip6);
    }

    /** Whether a guest answers on a port ({@code nc} listener started for this probe; IPv6 when ip is). */
    boolean connects(String fromNs, String toNs, String ip, int port) {
        String family = ip.contains(":") ? "-6" : "-4";
        Process listener;
        try {
            listener = new ProcessBuilder("ip", "netns", "exec", toNs, "nc", family, "-l", Integer.toString(port))
                    .redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        try {
            for (int i = 0; i < 20; i++) {
                if (root.ok("ip", "netns", "exec", toNs, "sh", "-c", "ss -ltn | grep -q ':" + port + " '")) {
                    break;
                }
                Thread.onSpinWait();
            }
            return root.ok("ip", "netns", "exec", fromNs, "nc", family, "-z", "-w", "2", ip, Integer.toString(port));
        } finally {
            listener.destroyForcibly();
        }
    }

    HostShell shell(String ns) {
        return HostShell.namespace(ns);
    }

    /** The host's links (names), for "everything is gone" checks. */
    List<String> links(String host) {
        List<String> out = new ArrayList<>();
        for (String line : root.run("ip", "-n", host, "-o", "link", "show").split("\n")) {
            String[] f = line.strip().split(":\\s*", 3);
            if (f.length >= 2) {
                out.add(f[1].replaceFirst("@.*", ""));
            }
        }
        return out;
    }

    @Override
    public void close() {
        for (String ns : namespaces) {
            root.ok("ip", "netns", "del", ns);
        }
    }
}
