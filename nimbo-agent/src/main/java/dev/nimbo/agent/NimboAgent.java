package dev.nimbo.agent;

import dev.nimbo.agent.host.HostProbe;
import dev.nimbo.agent.libvirt.LibvirtVmm;
import dev.nimbo.agent.libvirt.Virsh;
import dev.nimbo.agent.link.AgentConnection;
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

    @Option(names = "--frontend", required = true, description = "Front-end agent endpoint HOST:PORT (port 4124 by default)")
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

    /** The host's monitoring record now, as the front-end keeps it in its history. */
    public static String sample(HostProbe probe, String hypervisor) {
        try {
            return probe.probe(hypervisor, java.util.Map.of()).sample().toXml();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new NimboAgent()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        int colon = frontend.lastIndexOf(':');
        String host = colon < 0 ? frontend : frontend.substring(0, colon);
        int port;
        try {
            port = colon < 0 ? 4124 : Integer.parseInt(frontend.substring(colon + 1));
        } catch (NumberFormatException e) {
            System.err.println("nimbo-agent: --frontend must be HOST:PORT, got " + frontend);
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
        LibvirtVmm vmm = new LibvirtVmm(new Virsh(libvirtUri), store, type, Duration.ofSeconds(shutdownTimeout));
        List<String> filter = pciFilter.isBlank() ? List.of() : Arrays.asList(pciFilter.split(","));
        HostProbe probe = new HostProbe(Path.of("/proc"), Path.of("/sys"), dir, filter);
        AgentConnection conn = new AgentConnection(host, port, token, dir, Duration.ofSeconds(heartbeat),
                new AgentHandler(probe, store, vmm), () -> sample(probe, type),
                Duration.ofSeconds(Math.max(1, monitorInterval)));
        Runtime.getRuntime().addShutdownHook(new Thread(conn::close, "agent-stop"));
        try {
            conn.run();
            return 0;
        } catch (AgentConnection.RefusedException e) {
            System.err.println("nimbo-agent: " + e.getMessage());
            return 1;
        }
    }
}
