package dev.nimbo.agent;

import dev.nimbo.agent.host.HostProbe;
import dev.nimbo.agent.libvirt.LibvirtVmm;
import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.agent.link.AgentConnection;
import dev.nimbo.agent.net.HostNetworks;
import dev.nimbo.agent.net.HostShell;
import dev.nimbo.agent.net.OvsSettings;
import dev.nimbo.agent.store.HostStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The nimbo-agent command: runs on a hypervisor host and dials the front-end. */
@Command(name = "nimbo-agent", mixinStandardHelpOptions = true, version = "nimbo-agent 7.0.0",
        description = "Nimbo node agent: connects this KVM host to a Nimbo front-end (port 4124, mutual TLS).")
public final class NimboAgent implements Callable<Integer> {

    @Option(names = "--frontend", required = true, description = "Front-end agent endpoint HOST:PORT (port 4124 by default);"
            + " for a replicated (HA) zone every front-end, HOST:PORT,HOST:PORT,...: the agent follows the leader")
    String frontend;

    @Option(names = "--token", description = "Enrolment token (nimbo host create --token, or AGENT_TOKEN of host show);"
            + " needed once, until the host has its certificate")
    String token;

    @Option(names = "--data", description = "Agent data directory (certificate, image cache, VM disks). Default: ${DEFAULT-VALUE}")
    Path data = Path.of("/var/lib/nimbo-agent");

    @Option(names = "--domain-type", description = "libvirt domain type: kvm, qemu (software emulation) or auto"
            + " (kvm when /dev/kvm is usable). Default: ${DEFAULT-VALUE}")
    String domainType = "auto";

    @Option(names = "--libvirt-uri", description = "Default: ${DEFAULT-VALUE}")
    String libvirtUri = "qemu:///system";

    @Option(names = "--heartbeat", description = "Seconds between heartbeats. Default: ${DEFAULT-VALUE}")
    int heartbeat = 5;

    @Option(names = "--shutdown-timeout", description = "Seconds a guest has to power off on ACPI shutdown before it"
            + " is destroyed. Default: ${DEFAULT-VALUE}")
    int shutdownTimeout = 60;

    @Option(names = "--monitor-interval", description = "Seconds between the host monitoring records the agent keeps"
            + " while it cannot reach the front-end (sent when it is back). Default: ${DEFAULT-VALUE}")
    int monitorInterval = 60;

    @Option(names = "--pci-filter", description = "PCI devices to report, vendor:device hex with * (e.g. 10de:*,*:1521);"
            + " none by default")
    String pciFilter = "";

    @Option(names = "--cache-listen", description = "ADDRESS[:PORT] on the site network where the other hosts of"
            + " this host's cluster fetch images from its cache (the per-cluster image cache; TLS with the hosts'"
            + " certificates). Off by default; port 4125 if not given")
    String cacheListen;

    @Option(names = "--keep-empty-bridges", description = "Keep a network's bridge and uplink on the host when its"
            + " last guest leaves (OpenNebula's keep_empty_bridge); removed by default")
    boolean keepEmptyBridges;

    @Option(names = "--ovs-rundir", description = "Open vSwitch run directory (db.sock, BRIDGE.mgmt); the packaged"
            + " default when unset")
    String ovsRunDir;

    @Option(names = "--ovs-datapath", description = "Datapath of the OVS bridges the agent makes: system (kernel"
            + " module) or netdev (userspace); OVS's default when unset")
    String ovsDatapath;

    /** The host's monitoring record now, as the front-end keeps it in its history. */
    public static String sample(HostProbe probe, String hypervisor) {
        try {
            return probe.probe(hypervisor, java.util.Map.of()).sample().toXml();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private String cacheAddress() {
        if (cacheListen == null || cacheListen.isBlank()) {
            return null;
        }
        int colon = cacheListen.lastIndexOf(':');
        return colon < 0 ? cacheListen.strip() : cacheListen.substring(0, colon).strip();
    }

    private int cachePort() {
        int colon = cacheListen == null ? -1 : cacheListen.lastIndexOf(':');
        return colon < 0 ? 4125 : Integer.parseInt(cacheListen.substring(colon + 1).strip());
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new NimboAgent()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        dev.nimbo.agent.link.FrontendEndpoints frontends;
        try {
            frontends = dev.nimbo.agent.link.FrontendEndpoints.parse(frontend);
        } catch (IllegalArgumentException e) {
            System.err.println("nimbo-agent: --frontend: " + e.getMessage());
            return 2;
        }
        String type = switch (domainType) {
            case "auto" -> Files.isReadable(Path.of("/dev/kvm")) && Files.isWritable(Path.of("/dev/kvm")) ? "kvm" : "qemu";
            case "kvm", "qemu" -> domainType;
            default -> null;
        };
        if (type == null) {
            System.err.println("nimbo-agent: --domain-type must be kvm, qemu or auto");
            return 2;
        }
        Path dir = data.toAbsolutePath();
        Files.createDirectories(dir);
        HostStore store = new HostStore(dir);
        LibvirtVmm vmm = new LibvirtVmm(new Virsh(libvirtUri), store, type, Duration.ofSeconds(shutdownTimeout),
                new HostNetworks(HostShell.host(), keepEmptyBridges, new OvsSettings(ovsRunDir, ovsDatapath)));
        List<String> filter = pciFilter.isBlank() ? List.of() : Arrays.asList(pciFilter.split(","));
        HostProbe probe = new HostProbe(Path.of("/proc"), Path.of("/sys"), dir, filter);
        AgentHandler handler;
        try {
            handler = new AgentHandler(probe, store, vmm, cacheAddress(), cachePort());
        } catch (NumberFormatException e) {
            System.err.println("nimbo-agent: --cache-listen must be ADDRESS or ADDRESS:PORT, got " + cacheListen);
            return 2;
        }
        AgentConnection conn = new AgentConnection(frontends, token, dir, Duration.ofSeconds(heartbeat),
                handler, () -> sample(probe, type),
                Duration.ofSeconds(Math.max(1, monitorInterval)));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            conn.close();
            handler.close();
        }, "agent-stop"));
        try {
            conn.run();
            return 0;
        } catch (AgentConnection.RefusedException e) {
            System.err.println("nimbo-agent: " + e.getMessage());
            return 1;
        }
    }
}
