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

    /**
     * A guest tells its link, unasked and overriding, that IPv6 address {@code target} is at its own MAC (a neighbour
     * advertisement to all nodes from its link-local address, as an address thief would send it).
     */
    void advertise(String ns, String target) {
        String script = """
                import socket, struct, sys
                mac = bytes.fromhex(open('/sys/class/net/eth0/address').read().strip().replace(':', ''))
                s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
                na = struct.pack('!BBHI', 136, 0, 0, 0x20000000) + socket.inet_pton(socket.AF_INET6, sys.argv[1])
                s.sendto(na + bytes([2, 1]) + mac, ('ff02::1', 0, 0, socket.if_nametoindex('eth0')))
                """;
        root.run("ip", "netns", "exec", ns, "python3", "-c", script, target);
    }

    /** The MAC a guest's neighbour table holds for an IPv6 address, or "" when it holds none. */
    String neighbourMac(String ns, String ip6) {
        String line = root.run("ip", "-n", ns, "-6", "neigh", "show", ip6, "dev", "eth0").strip();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("lladdr (\\S+)").matcher(line);
        return m.find() ? m.group(1) : "";
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
