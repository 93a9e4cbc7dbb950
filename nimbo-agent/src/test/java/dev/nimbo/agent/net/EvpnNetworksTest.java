package dev.nimbo.agent.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.nimbo.core.template.Template;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A vxlan network in VXLAN_MODE=evpn between two sites (emulated hosts), each with its own FRRouting BGP speaker
 * (scripts/frr-instance.sh): the agent's VXLAN devices neither learn nor join a multicast group, BGP EVPN
 * advertises the VNI and the guests' MACs, and the guests reach each other over it.
 */
class EvpnNetworksTest {
    static final Path SCRIPT = EmulatedHosts.SCRIPTS.resolve("frr-instance.sh");

    private EmulatedHosts hosts;
    private final String frrA = "/tmp/n10-frr-a";
    private final String frrB = "/tmp/n10-frr-b";

    @BeforeEach
    void sites() {
        hosts = new EmulatedHosts("n10f");
        HostShell root = HostShell.host();
        root.run(SCRIPT.toString(), "stop", frrA);
        root.run(SCRIPT.toString(), "stop", frrB);
        root.run(SCRIPT.toString(), "start", frrA, hosts.hostA, "192.168.77.1", "65010", "192.168.77.2");
        root.run(SCRIPT.toString(), "start", frrB, hosts.hostB, "192.168.77.2", "65010", "192.168.77.1");
    }

    @AfterEach
    void close() {
        HostShell root = HostShell.host();
        root.ok(SCRIPT.toString(), "stop", frrA);
        root.ok(SCRIPT.toString(), "stop", frrB);
        hosts.close();
    }

    @Test
    void guestsOfTwoSitesReachEachOtherThroughBgpEvpn() {
        String nic = "VN_MAD=vxlan, VXLAN_MODE=evpn, NETWORK_ID=9, BRIDGE=onebr.900, VLAN_ID=900, ";
        Template vm1 = Template.parse("NIC=[ NIC_ID=0, " + nic + "PHYDEV=ua, MAC=\"02:00:0a:4d:00:01\" ]");
        Template vm2 = Template.parse("NIC=[ NIC_ID=0, " + nic + "PHYDEV=ub, MAC=\"02:00:0a:4d:00:02\" ]");
        HostNetworks netA = new HostNetworks(hosts.shell(hosts.hostA), false);
        HostNetworks netB = new HostNetworks(hosts.shell(hosts.hostB), false);
        netA.pre(1, vm1, HostNetworks.all());
        netB.pre(2, vm2, HostNetworks.all());
        String details = hosts.shell(hosts.hostA).run("ip", "-d", "link", "show", "ua.900");
        assertThat(details).contains("vxlan id 900").contains("local 192.168.77.1").doesNotContain("group 2")
                .contains("nolearning");
        String g1 = hosts.guest("g1", hosts.hostA, "one-1-0", "onebr.900", "02:00:0a:4d:00:01", "10.77.0.1");
        hosts.guest("g2", hosts.hostB, "one-2-0", "onebr.900", "02:00:0a:4d:00:02", "10.77.0.2");

        HostShell root = HostShell.host();
        // each site learns the other as a VTEP of VNI 900 from BGP (type-3 route), then the guests' MACs
        await().atMost(Duration.ofSeconds(60)).until(() -> root.run(SCRIPT.toString(), "vtysh", frrA,
                "show evpn vni 900").contains("192.168.77.2"));
        await().atMost(Duration.ofSeconds(60)).until(() -> hosts.ping(g1, "10.77.0.2"));
        await().atMost(Duration.ofSeconds(30)).until(() -> root.run(SCRIPT.toString(), "vtysh", frrA,
                "show evpn mac vni 900").contains("02:00:0a:4d:00:02"));

        hosts.unplug(hosts.hostA, "one-1-0");
        hosts.unplug(hosts.hostB, "one-2-0");
        netA.clean(1, vm1, HostNetworks.all());
        netB.clean(2, vm2, HostNetworks.all());
        assertThat(hosts.links(hosts.hostA)).containsExactlyInAnyOrder("lo", "ua");
    }
}
