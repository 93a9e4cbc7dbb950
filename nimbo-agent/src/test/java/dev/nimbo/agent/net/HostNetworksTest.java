package dev.nimbo.agent.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.nimbo.core.template.Template;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Linux bridge drivers and security groups on two emulated hosts (network namespaces joined by a veth uplink,
 * guests as namespaces on taps), proved with real traffic: same-VLAN guests on two hosts reach each other and a
 * guest of another VLAN does not; QinQ frames carry both tags on the uplink; VXLAN crosses the hosts; security
 * groups allow and block as declared and change live; anti-spoofing; errors name the NIC; nothing is left after
 * the last guest.
 */
class HostNetworksTest {
    private EmulatedHosts hosts;
    private HostNetworks netA;
    private HostNetworks netB;

    @BeforeEach
    void hosts() {
        hosts = new EmulatedHosts("n10t");
        netA = new HostNetworks(hosts.shell(hosts.hostA), false);
        netB = new HostNetworks(hosts.shell(hosts.hostB), false);
    }

    @AfterEach
    void close() {
        hosts.close();
    }

    static Template vm(String nic, String... more) {
        return Template.parse("NIC=[ NIC_ID=0, " + nic + " ]\n" + String.join("\n", more));
    }

    static String vlanNic(String phydev, int vlan, int guest) {
        return "VN_MAD=\"802.1Q\", NETWORK_ID=" + vlan + ", BRIDGE=\"onebr." + vlan + "\", PHYDEV=" + phydev
                + ", VLAN_ID=" + vlan + ", MAC=\"02:00:0a:4d:00:0" + guest + "\", IP=\"10.77.0." + guest + "\"";
    }

    /** A VM deployed on a host: pre, tap on the bridge (libvirt's part), post. */
    String deploy(HostNetworks net, String host, int vmId, Template t, String guestIp) {
        net.pre(vmId, t, HostNetworks.all());
        NetNic nic = NetNic.of(vmId, t.vectors("NIC").get(0));
        String ns = hosts.guest("g" + vmId, host, nic.tap(), nic.bridge(), nic.mac(), guestIp);
        net.post(vmId, t, HostNetworks.all());
        return ns;
    }

    void terminate(HostNetworks net, String host, int vmId, Template t) {
        hosts.unplug(host, NetNic.tapName(vmId, 0));
        net.clean(vmId, t, HostNetworks.all());
    }

    /** Whether this kernel makes VLAN devices (CONFIG_VLAN_8021Q; the CI's microVM kernel has none). */
    boolean kernelVlans() {
        HostShell a = hosts.shell(hosts.hostA);
        boolean ok = a.ok("ip", "link", "add", "link", "ua", "name", "probe", "type", "vlan", "id", "9");
        a.ok("ip", "link", "del", "probe");
        return ok;
    }

    static String bridgeNic(String phydev, int net, int guest) {
        return "VN_MAD=bridge, NETWORK_ID=" + net + ", BRIDGE=onebr" + net + ", PHYDEV=" + phydev
                + ", MAC=\"02:00:0a:4d:00:0" + guest + "\", IP=\"10.77.0." + guest + "\"";
    }

    @Test
    void bridgeDriverJoinsTheHostsThroughPhydevAndLeavesNothingAfterTheLastGuest() {
        Template vm1 = vm(bridgeNic("ua", 3, 1));
        Template vm2 = vm(bridgeNic("ub", 3, 2));
        Template vm3 = vm(bridgeNic("ub", 3, 3));
        String g1 = deploy(netA, hosts.hostA, 1, vm1, "10.77.0.1");
        deploy(netB, hosts.hostB, 2, vm2, "10.77.0.2");
        deploy(netB, hosts.hostB, 3, vm3, "10.77.0.3");
        netA.pre(1, vm1, HostNetworks.all()); // repeated: nothing changes
        netA.post(1, vm1, HostNetworks.all());
        await().atMost(Duration.ofSeconds(20)).until(() -> hosts.ping(g1, "10.77.0.2"));
        assertThat(hosts.ping(g1, "10.77.0.3")).isTrue();

        terminate(netB, hosts.hostB, 2, vm2);
        assertThat(hosts.links(hosts.hostB)).as("guest 3 is still on it").contains("onebr3");
        terminate(netB, hosts.hostB, 3, vm3);
        terminate(netA, hosts.hostA, 1, vm1);
        netA.clean(1, vm1, HostNetworks.all()); // repeated: nothing left to do
        assertThat(hosts.links(hosts.hostA)).containsExactlyInAnyOrder("lo", "ua");
        assertThat(hosts.links(hosts.hostB)).containsExactlyInAnyOrder("lo", "ub");
        assertThat(hosts.shell(hosts.hostA).run("ip", "-o", "link", "show", "ua")).doesNotContain("master");
        assertThat(hosts.shell(hosts.hostA).ok("nft", "list", "table", "bridge", "nimbo")).isFalse();
    }

    @Test
    void sameVlanReachesAcrossHostsOtherVlanDoesNotAndAllGoesWithTheLastGuest() {
        assumeTrue(kernelVlans(), "this kernel has no 802.1Q support");
        Template vm1 = vm(vlanNic("ua", 100, 1));
        Template vm2 = vm(vlanNic("ub", 100, 2));
        Template vm3 = vm(vlanNic("ub", 200, 3));
        String g1 = deploy(netA, hosts.hostA, 1, vm1, "10.77.0.1");
        deploy(netB, hosts.hostB, 2, vm2, "10.77.0.2");
        deploy(netB, hosts.hostB, 3, vm3, "10.77.0.3");
        netA.pre(1, vm1, HostNetworks.all()); // repeated: nothing changes

        assertThat(hosts.links(hosts.hostA)).contains("onebr.100", "ua.100");
        assertThat(hosts.links(hosts.hostB)).contains("onebr.100", "ub.100", "onebr.200", "ub.200");
        await().atMost(Duration.ofSeconds(20)).until(() -> hosts.ping(g1, "10.77.0.2"));
        assertThat(hosts.ping(g1, "10.77.0.3")).as("another VLAN").isFalse();

        terminate(netB, hosts.hostB, 2, vm2);
        assertThat(hosts.links(hosts.hostB)).doesNotContain("onebr.100", "ub.100").contains("onebr.200");
        terminate(netB, hosts.hostB, 3, vm3);
        terminate(netA, hosts.hostA, 1, vm1);
        netA.clean(1, vm1, HostNetworks.all()); // repeated: nothing left to do
        assertThat(hosts.links(hosts.hostA)).containsExactlyInAnyOrder("lo", "ua");
        assertThat(hosts.links(hosts.hostB)).containsExactlyInAnyOrder("lo", "ub");
        assertThat(hosts.shell(hosts.hostA).ok("nft", "list", "table", "bridge", "nimbo")).isFalse();
    }

    @Test
    void qinqCarriesTheCustomerTagInsideTheNetworkTagAndOnlyAllowedCvlans() throws Exception {
        assumeTrue(kernelVlans(), "this kernel has no 802.1Q support");
        Template vm1 = vm(vlanNic("ua", 100, 1) + ", CVLANS=\"200,210:211\"");
        Template vm2 = vm(vlanNic("ub", 100, 2) + ", CVLANS=\"200,210:211\"");
        String g1 = deploy(netA, hosts.hostA, 1, vm1, "10.77.0.1");
        String g2 = deploy(netB, hosts.hostB, 2, vm2, "10.77.0.2");
        for (String[] g : new String[][] {{g1, "1"}, {g2, "2"}}) {
            for (int c : new int[] {200, 300}) {
                HostShell s = hosts.shell(g[0]);
                s.run("ip", "link", "add", "link", "eth0", "name", "eth0." + c, "type", "vlan", "id", "" + c);
                s.run("ip", "addr", "add", "10.78." + c % 256 + "." + g[1] + "/24", "dev", "eth0." + c);
                s.run("ip", "link", "set", "eth0." + c, "up");
            }
        }
        Process dump = new ProcessBuilder("ip", "netns", "exec", hosts.hostA, "tcpdump", "-l", "-n", "-e", "-c", "3",
                "-i", "ua", "icmp").redirectErrorStream(true).start();
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> hosts.ping(g1, "10.78.200.2"));
            assertThat(dump.waitFor(20, TimeUnit.SECONDS)).isTrue();
            String frames = new String(dump.getInputStream().readAllBytes());
            assertThat(frames).contains("vlan 100").contains("vlan 200");
        } finally {
            dump.destroyForcibly();
        }
        assertThat(hosts.ping(g1, "10.78.44.2")).as("C-VLAN 300 is not in CVLANS").isFalse();
        terminate(netA, hosts.hostA, 1, vm1);
        terminate(netB, hosts.hostB, 2, vm2);
        assertThat(hosts.links(hosts.hostA)).containsExactlyInAnyOrder("lo", "ua");
    }

    @Test
    void vxlanJoinsTheHostsThroughTheMulticastGroupOfItsVni() {
        String nic = "VN_MAD=vxlan, NETWORK_ID=5, BRIDGE=onebr.500, VLAN_ID=500, VXLAN_MC=239.0.1.0, ";
        Template vm1 = vm(nic + "PHYDEV=ua, MAC=\"02:00:0a:4d:00:01\", IP=10.77.0.1");
        Template vm2 = vm(nic + "PHYDEV=ub, MAC=\"02:00:0a:4d:00:02\", IP=10.77.0.2");
        String g1 = deploy(netA, hosts.hostA, 1, vm1, "10.77.0.1");
        deploy(netB, hosts.hostB, 2, vm2, "10.77.0.2");
        assertThat(hosts.shell(hosts.hostA).run("ip", "-d", "link", "show", "ua.500"))
                .contains("vxlan id 500").contains("group 239.0.2.244");
        await().atMost(Duration.ofSeconds(20)).until(() -> hosts.ping(g1, "10.77.0.2"));
        terminate(netA, hosts.hostA, 1, vm1);
        terminate(netB, hosts.hostB, 2, vm2);
        assertThat(hosts.links(hosts.hostB)).containsExactlyInAnyOrder("lo", "ub");
    }

    /**
     * IPv4 rules of group 100: TCP 8000-8001 from anywhere, echo only from 10.77.0.1, everything outbound (group 7,
     * not the NIC's, would allow everything in).
     */
    static final String RULES4 = "SECURITY_GROUP_RULE=[ SECURITY_GROUP_ID=100, PROTOCOL=TCP, RULE_TYPE=inbound,"
            + " RANGE=\"8000:8001\" ]\n"
            + "SECURITY_GROUP_RULE=[ SECURITY_GROUP_ID=100, PROTOCOL=ICMP, RULE_TYPE=inbound, ICMP_TYPE=8,"
            + " IP=10.77.0.1, SIZE=1 ]\n"
            + "SECURITY_GROUP_RULE=[ SECURITY_GROUP_ID=100, PROTOCOL=ALL, RULE_TYPE=outbound ]\n"
            + "SECURITY_GROUP_RULE=[ SECURITY_GROUP_ID=7, PROTOCOL=ALL, RULE_TYPE=inbound ]";

    @Test
    void securityGroupsAllowAndBlockAsDeclaredAndChangeLive() {
        Template vm1 = vm(bridgeNic("ua", 3, 1));
        Template vm2 = vm(bridgeNic("ub", 3, 2) + ", SECURITY_GROUPS=100", RULES4);
        Template vm3 = vm(bridgeNic("ua", 3, 3));
        String g1 = deploy(netA, hosts.hostA, 1, vm1, "10.77.0.1");
        String g2 = deploy(netB, hosts.hostB, 2, vm2, "10.77.0.2");
        String g3 = deploy(netA, hosts.hostA, 3, vm3, "10.77.0.3");

        await().atMost(Duration.ofSeconds(20)).until(() -> hosts.ping(g1, "10.77.0.2"));
        assertThat(hosts.ping(g3, "10.77.0.2")).as("ICMP only from 10.77.0.1").isFalse();
        assertThat(hosts.ping(g3, "10.77.0.1")).as("an unfiltered guest").isTrue();
        assertThat(hosts.connects(g1, g2, "10.77.0.2", 8001)).isTrue();
        assertThat(hosts.connects(g1, g2, "10.77.0.2", 9000)).as("port outside the range").isFalse();
        assertThat(hosts.connects(g2, g1, "10.77.0.1", 7000)).as("outbound: anything, and its answers").isTrue();

        // one.secgroup.commit: the new rules reach the running guest
        Template committed = vm(bridgeNic("ub", 3, 2) + ", SECURITY_GROUPS=100", RULES4.replace("8000:8001", "9000"));
        netB.post(2, committed, HostNetworks.all());
        assertThat(hosts.connects(g1, g2, "10.77.0.2", 9000)).isTrue();
        assertThat(hosts.connects(g1, g2, "10.77.0.2", 8001)).isFalse();

        // anti-spoofing: guest 3 takes another address and is dropped
        hosts.shell(g3).run("ip", "addr", "flush", "dev", "eth0");
        hosts.shell(g3).run("ip", "addr", "add", "10.77.0.9/24", "dev", "eth0");
        assertThat(hosts.ping(g3, "10.77.0.1")).as("spoofed IP").isFalse();

        for (int vm = 1; vm <= 3; vm++) {
            HostNetworks net = vm == 2 ? netB : netA;
            terminate(net, vm == 2 ? hosts.hostB : hosts.hostA, vm, vm == 1 ? vm1 : vm == 2 ? committed : vm3);
        }
        assertThat(hosts.shell(hosts.hostB).ok("nft", "list", "table", "bridge", "nimbo")).isFalse();
        assertThat(hosts.links(hosts.hostA)).containsExactlyInAnyOrder("lo", "ua");
    }

    /** IPv6 rules of group 100: TCP 8000-8001 from anywhere, echo only from fd00::1, everything outbound. */
    static final String RULES6 = "SECURITY_GROUP_RULE=[ SECURITY_GROUP_ID=100, PROTOCOL=TCP, RULE_TYPE=inbound,"
            + " RANGE=\"8000:8001\" ]\n"
            + "SECURITY_GROUP_RULE=[ SECURITY_GROUP_ID=100, PROTOCOL=ICMPV6, RULE_TYPE=inbound, ICMPV6_TYPE=128,"
            + " IP=\"fd00::1\", SIZE=1 ]\n"
            + "SECURITY_GROUP_RULE=[ SECURITY_GROUP_ID=100, PROTOCOL=ALL, RULE_TYPE=outbound ]";

    @Test
    void ipv6RulesAndAntiSpoofingOnALinuxBridge() {
        Template vm1 = vm(bridgeNic("ua", 3, 1) + ", IP6=\"fd00::1\"");
        Template vm2 = vm(bridgeNic("ub", 3, 2) + ", IP6=\"fd00::2\", SECURITY_GROUPS=100", RULES6);
        Template vm3 = vm(bridgeNic("ua", 3, 3) + ", IP6=\"fd00::3\"");
        String g1 = deploy(netA, hosts.hostA, 1, vm1, "10.77.0.1");
        String g2 = deploy(netB, hosts.hostB, 2, vm2, "10.77.0.2");
        String g3 = deploy(netA, hosts.hostA, 3, vm3, "10.77.0.3");
        ipv6RulesHold(hosts, g1, g2, g3, () -> netB.post(2, vm(bridgeNic("ub", 3, 2)
                + ", IP6=\"fd00::2\", SECURITY_GROUPS=100, FILTER_IP_SPOOFING=NO", RULES6), HostNetworks.all()));
        terminate(netA, hosts.hostA, 1, vm1);
        terminate(netB, hosts.hostB, 2, vm2);
        terminate(netA, hosts.hostA, 3, vm3);
        assertThat(hosts.shell(hosts.hostB).ok("nft", "list", "table", "bridge", "nimbo")).isFalse();
    }

    /**
     * The IPv6 scenario of both switches: guests g1, g2 (group 100 of {@link #RULES6}) and g3 on one link as fd00::1,
     * ::2 and ::3. Echo reaches g2 only from fd00::1, TCP only on its ports, g2's own connections get their answers,
     * g2 cannot send from an address not its own nor advertise one ({@code unfilterG2} turns its IP filter off).
     */
    static void ipv6RulesHold(EmulatedHosts hosts, String g1, String g2, String g3, Runnable unfilterG2) {
        for (String[] g : new String[][] {{g1, "fd00::1"}, {g2, "fd00::2"}, {g3, "fd00::3"}}) {
            hosts.addIp6(g[0], g[1]);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> hosts.ping6(g1, "fd00::1", "fd00::2"));
        assertThat(hosts.ping6(g3, "fd00::3", "fd00::2")).as("echo only from fd00::1").isFalse();
        assertThat(hosts.ping6(g3, "fd00::3", "fd00::1")).as("unfiltered guests").isTrue();
        assertThat(hosts.connects(g1, g2, "fd00::2", 8001)).isTrue();
        assertThat(hosts.connects(g1, g2, "fd00::2", 9000)).as("port outside the range").isFalse();
        assertThat(hosts.connects(g2, g1, "fd00::1", 7000)).as("outbound, and its answers").isTrue();
        // anti-spoofing: guest 2 sending from an address that is not its own is dropped
        hosts.addIp6(g2, "fd00::99");
        assertThat(hosts.ping6(g2, "fd00::99", "fd00::1")).as("spoofed IPv6 source").isFalse();
        assertThat(hosts.ping6(g2, "fd00::2", "fd00::1")).isTrue();
        neighbourAdvertisementsOnlyForOwnAddresses(hosts, g2, g3, unfilterG2);
    }

    /**
     * Guest {@code thief} (filtered, on the link of {@code observer}, who has talked to fd00::1) claims fd00::1 with a
     * neighbour advertisement: the filter drops it and the observer still reaches fd00::1 at its owner's MAC. With
     * the thief's IP filter off ({@code unfilter}), the same advertisement takes the address: the probe can tell.
     */
    private static void neighbourAdvertisementsOnlyForOwnAddresses(EmulatedHosts hosts, String thief, String observer,
                                                           Runnable unfilter) {
        assertThat(hosts.ping6(observer, "fd00::3", "fd00::1")).isTrue();
        String owner = hosts.neighbourMac(observer, "fd00::1");
        String thiefMac = "02:00:0a:4d:00:02";
        assertThat(owner).isNotEmpty().isNotEqualTo(thiefMac);
        hosts.advertise(thief, "fd00::1");
        await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(hosts.neighbourMac(observer, "fd00::1")).as("spoofed neighbour advert")
                        .isEqualTo(owner));
        unfilter.run();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            hosts.advertise(thief, "fd00::1");
            return hosts.neighbourMac(observer, "fd00::1").equals(thiefMac);
        });
    }

    @Test
    void driverErrorsNameTheNicAndLeaveNothingBehind() {
        assertThatThrownBy(() -> netA.pre(1, vm("VN_MAD=\"802.1Q\", NETWORK_ID=4, BRIDGE=onebr.4, VLAN_ID=4"),
                HostNetworks.all())).isInstanceOf(NetworkException.class).hasMessageContaining("NIC 0")
                .hasMessageContaining("no PHYDEV");
        assertThatThrownBy(() -> netA.pre(1, vm(vlanNic("eth9", 100, 1)), HostNetworks.all()))
                .hasMessageContaining("PHYDEV eth9 does not exist on this host");
        assertThatThrownBy(() -> netA.pre(1, vm("VN_MAD=dummy, BRIDGE=nobr"), HostNetworks.all()))
                .hasMessageContaining("bridge nobr does not exist on this host");
        assertThatThrownBy(() -> netA.pre(1, vm("VN_MAD=ovswitch_dpdk, BRIDGE=x"), HostNetworks.all()))
                .hasMessageContaining("no ovswitch_dpdk network driver");
        // a device of another kind already holds the VLAN device's name
        hosts.shell(hosts.hostA).run("ip", "link", "add", "ua.100", "type", "veth", "peer", "name", "n10peer");
        assertThatThrownBy(() -> netA.pre(1, vm(vlanNic("ua", 100, 1)), HostNetworks.all()))
                .hasMessageContaining("ua.100 exists on this host but is not vlan protocol 802.1Q id 100")
                .hasMessageContaining("VLAN clash");
        hosts.shell(hosts.hostA).run("ip", "link", "del", "ua.100");
        // two networks with the same VNI and PHYDEV but different bridges
        String vxlan = "VN_MAD=vxlan, NETWORK_ID=5, BRIDGE=onebr.500, VLAN_ID=500, PHYDEV=ua";
        netA.pre(1, vm(vxlan), HostNetworks.all());
        assertThatThrownBy(() -> netA.pre(2, vm(vxlan.replace("onebr.500", "other").replace("=5,", "=6,")),
                HostNetworks.all())).hasMessageContaining("NIC 0 (network 6, VN_MAD vxlan)")
                .hasMessageContaining("ua.500 is already on bridge onebr.500").hasMessageContaining("VLAN clash");
        assertThat(hosts.links(hosts.hostA)).doesNotContain("other");
        netA.clean(1, vm(vxlan), HostNetworks.all());
        List<String> left = new ArrayList<>(hosts.links(hosts.hostA));
        assertThat(left).containsExactlyInAnyOrder("lo", "ua");
    }
}
