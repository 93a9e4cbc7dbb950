package dev.nimbo.agent.net;

import dev.nimbo.core.template.Template;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The agent's network drivers by hand, as the agent runs them for a VM: {@code pre}, {@code post} or
 * {@code clean} of every NIC of a VM template, on this host or on a host emulated by a network namespace. For
 * operators replaying a step and for scripts/demo-net.sh. Exit 1 with the driver's message on failure.
 */
@Command(name = "nimbo-net", mixinStandardHelpOptions = true,
        description = "Run the agent's network drivers (pre, post, clean) for a VM template")
public final class NetCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "pre, post or clean")
    String action;

    @Parameters(index = "1", description = "VM ID")
    int vmId;

    @Parameters(index = "2", description = "File with the VM template (its NIC and SECURITY_GROUP_RULE vectors)")
    Path template;

    @Option(names = "--netns", description = "Network namespace standing for the host")
    String netns;

    @Option(names = "--keep-empty-bridges", description = "Keep bridges when their last guest leaves")
    boolean keep;

    @Option(names = "--ovs-rundir", description = "Open vSwitch run directory")
    String ovsRunDir;

    @Option(names = "--ovs-datapath", description = "system or netdev")
    String ovsDatapath;

    public static void main(String[] args) {
        System.exit(new CommandLine(new NetCommand()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        HostNetworks net = new HostNetworks(netns == null ? HostShell.host() : HostShell.namespace(netns), keep,
                new OvsSettings(ovsRunDir, ovsDatapath));
        Template t = HostNetworks.withTargets(vmId, Template.parse(Files.readString(template)));
        try {
            switch (action) {
                case "pre" -> net.pre(vmId, t, HostNetworks.all());
                case "post" -> net.post(vmId, t, HostNetworks.all());
                case "clean" -> net.clean(vmId, t, HostNetworks.all());
                default -> {
                    System.err.println("nimbo-net: action must be pre, post or clean, got " + action);
                    return 2;
                }
            }
        } catch (NetworkException e) {
            System.err.println("nimbo-net: " + e.getMessage());
            return 1;
        }
        return 0;
    }
}
