package dev.nimbo.agent.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.nimbo.core.template.Template;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ovswitch and ovswitch_vxlan drivers on two emulated hosts, each with an Open vSwitch of its own on the
 * userspace datapath (scripts/ovs-instance.sh): VLAN tags on ports and on the uplink, isolation of VLANs, QinQ
 * (dot1q-tunnel) double tags on the wire, VLANs inside VXLAN, anti-spoofing flows, stateful security groups with
 * real traffic, and no bridge left after the last guest.
 */
class OvsNetworksTest {
    static final Path SCRIPT = EmulatedHosts.SCRIPTS.resolve("ovs-instance.sh");

    private EmulatedHosts hosts;
    private HostNetworks netA;
    private HostNetworks netB;
    private final String runA = "/tmp/n10-ovs-a";
    private final String runB = "/tmp/n10-ovs-b";

    @BeforeEach
    void hosts() {
        hosts = new EmulatedHosts("n10o");
        HostShell root = HostShell.host();
        root.run(SCRIPT.toString(), "stop", runA);
        root.run(SCRIPT.toString(), "stop", runB);
        root.run(SCRIPT.toString(), "start", runA, hosts.hostA);
        root.run(SCRIPT.toString(), "start", runB, hosts.hostB);
        netA = new HostNetworks(hosts.shell(hosts.hostA), false, new OvsSettings(runA, "netdev"));
        netB = new HostNetworks(hosts.shell(hosts.hostB), false, new OvsSettings(runB, "netdev"));
    }

    @AfterEach
    void close() {
        HostShell root = HostShell.host();
        root.ok(SCRIPT.toString(), "stop", runA);
        root.ok(SCRIPT.toString(), "stop", runB);
        hosts.close();
    }

    static Template vm(String nic) {
        return Template.parse("NIC=[ NIC_ID=0, " + nic + " ]");
    }

    static String nic(String phydev, int vlan, int guest) {
        return "VN_MAD=ovswitch, NETWORK_ID=" + vlan + ", BRIDGE=ovsbr0, PHYDEV=" + phydev + ", VLAN_ID=" + vlan
                + ", MAC=\"02:00:0a:4d:00:0" + guest + "\", IP=\"10.77.0." + guest + "\"";
    }

    String vsctl(String run, String... args) {
        String[] cmd = new String[args.length + 2];
        cmd[0] = "ovs-vsctl";
        cmd[1] = "--db=unix:" + run + "/db.sock";
        System.arraycopy(args, 0, cmd, 2, args.length);
        return HostShell.host().run(cmd);
    }

    /** pre, the guest's port on the switch (libvirt's virtualport part), post. */
    String deploy(HostNetworks net, String host, String run, int vmId, Template t, String guestIp) {
        net.pre(vmId, t, HostNetworks.all());
        NetNic nic = NetNic.of(vmId, t.vectors("NIC").get(0));
        String ns = hosts.guestOffBridge("g" + vmId, host, nic.tap(), nic.mac(), guestIp);
        vsctl(run, "add-port", nic.bridge(), nic.tap());
        net.post(vmId, t, HostNetworks.all());
        return ns;
    }

    void terminate(HostNetworks net, String host, int vmId, Template t) {
        hosts.unplug(host, NetNic.tapName(vmId, 0));
        net.clean(vmId, t, HostNetworks.all());
    }

    @Test
    void vlanTagsIsolateNetworksAndFlowsStopSpoofing() throws Exception {
        Template vm1 = vm(nic("ua", 100, 1));
        Template vm2 = vm(nic("ub", 100, 2));
        Template vm3 = vm(nic("ub", 200, 3));
        String g1 = deploy(netA, hosts.hostA, runA, 1, vm1, "10.77.0.1");
        String g2 = deploy(netB, hosts.hostB, runB, 2, vm2, "10.77.0.2");
        deploy(netB, hosts.hostB, runB, 3, vm3, "10.77.0.3");
        assertThat(vsctl(runB, "get", "Port", "one-2-0", "tag")).isEqualTo("100");
        assertThat(vsctl(runB, "get", "Port", "one-3-0", "tag")).isEqualTo("200");
        assertThat(vsctl(runA, "list-ports", "ovsbr0")).contains("ua").contains("one-1-0");
        assertThat(HostShell.host().run("ovs-ofctl", "dump-flows", "unix:" + runB + "/ovsbr0.mgmt"))
                .contains("dl_src=02:00:0a:4d:00:02").contains("arp_spa=10.77.0.2").contains("nw_src=10.77.0.2");

        Process dump = new ProcessBuilder("ip", "netns", "exec", hosts.hostA, "tcpdump", "-l", "-n", "-e", "-c", "2",
                "-i", "ua", "vlan 100 and icmp").redirectErrorStream(true).start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> hosts.ping(g1, "10.77.0.2"));
            assertThat(dump.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(new String(dump.getInputStream().readAllBytes())).contains("vlan 100");
        } finally {
            dump.destroyForcibly();
        }
        assertThat(hosts.ping(g1, "10.77.0.3")).as("another VLAN").isFalse();

        // a guest taking another address or MAC is dropped by the flows
        HostShell s2 = hosts.shell(g2);
        s2.run("ip", "addr", "flush", "dev", "eth0");
        s2.run("ip", "addr", "add", "10.77.0.9/24", "dev", "eth0");
        assertThat(hosts.ping(g2, "10.77.0.1")).as("spoofed IP").isFalse();

        terminate(netA, hosts.hostA, 1, vm1);
        terminate(netB, hosts.hostB, 2, vm2);
        assertThat(vsctl(runB, "list-ports", "ovsbr0")).as("guest 3 still uses it").contains("one-3-0");
        terminate(netB, hosts.hostB, 3, vm3);
        assertThat(vsctl(runA, "list-br")).isEmpty();
        assertThat(vsctl(runB, "list-br")).isEmpty();
    }

    @Test
    void securityGroupsOnOvsPortsAreStatefulAndChangeLive() {
        Template vm1 = vm(nic("ua", 100, 1));
        Template vm2 = Template.parse("NIC=[ NIC_ID=0, " + nic("ub", 100, 2) + ", SECURITY_GROUPS=100 ]\n"
                + HostNetworksTest.RULES4);
        Template vm3 = vm(nic("ua", 100, 3));
        String g1 = deploy(netA, hosts.hostA, runA, 1, vm1, "10.77.0.1");
        String g2 = deploy(netB, hosts.hostB, runB, 2, vm2, "10.77.0.2");
        String g3 = deploy(netA, hosts.hostA, runA, 3, vm3, "10.77.0.3");

        await().atMost(Duration.ofSeconds(30)).until(() -> hosts.ping(g1, "10.77.0.2"));
        assertThat(hosts.ping(g3, "10.77.0.2")).as("ICMP only from 10.77.0.1").isFalse();
        assertThat(hosts.ping(g3, "10.77.0.1")).as("unfiltered guests").isTrue();
        assertThat(hosts.connects(g1, g2, "10.77.0.2", 8001)).isTrue();
        assertThat(hosts.connects(g1, g2, "10.77.0.2", 9000)).as("port outside the range").isFalse();
        // no inbound rule allows port 7000 to guest 2: its answers come back because guest 2 opened the connection
        assertThat(hosts.connects(g2, g1, "10.77.0.1", 7000)).as("outbound, and its answers").isTrue();

        // a committed group reaches the running guest's port without re-plugging it
        Template committed = Template.parse("NIC=[ NIC_ID=0, " + nic("ub", 100, 2) + ", SECURITY_GROUPS=100 ]\n"
                + HostNetworksTest.RULES4.replace("8000:8001", "9000"));
        netB.post(2, committed, HostNetworks.all());
        assertThat(hosts.connects(g1, g2, "10.77.0.2", 9000)).isTrue();
        assertThat(hosts.connects(g1, g2, "10.77.0.2", 8001)).isFalse();

        String flows = HostShell.host().run("ovs-ofctl", "dump-flows", "unix:" + runB + "/ovsbr0.mgmt");
        assertThat(flows).contains("cookie=0x20000").contains("ct_state=+new+trk").contains("tp_dst=9000");
        terminate(netB, hosts.hostB, 2, committed);
        assertThat(vsctl(runB, "list-br")).doesNotContain("ovsbr0");
        terminate(netA, hosts.hostA, 1, vm1);
        terminate(netA, hosts.hostA, 3, vm3);
    }

    @Test
    void ipv6RulesAndAntiSpoofingOnOvsPorts() {
        Template vm1 = vm(nic("ua", 100, 1) + ", IP6=\"fd00::1\"");
        Template vm2 = Template.parse("NIC=[ NIC_ID=0, " + nic("ub", 100, 2) + ", IP6=\"fd00::2\","
                + " SECURITY_GROUPS=100 ]\n" + HostNetworksTest.RULES6);
        Template vm3 = vm(nic("ua", 100, 3) + ", IP6=\"fd00::3\"");
        String g1 = deploy(netA, hosts.hostA, runA, 1, vm1, "10.77.0.1");
        String g2 = deploy(netB, hosts.hostB, runB, 2, vm2, "10.77.0.2");
        String g3 = deploy(netA, hosts.hostA, runA, 3, vm3, "10.77.0.3");
        HostNetworksTest.ipv6RulesHold(hosts, g1, g2, g3, () -> netB.post(2, Template.parse("NIC=[ NIC_ID=0, "
                + nic("ub", 100, 2) + ", IP6=\"fd00::2\", SECURITY_GROUPS=100, FILTER_IP_SPOOFING=NO ]\n"
                + HostNetworksTest.RULES6), HostNetworks.all()));
        terminate(netB, hosts.hostB, 2, vm2);
        terminate(netA, hosts.hostA, 1, vm1);
        terminate(netA, hosts.hostA, 3, vm3);
    }

    @Test
    void qinqPutsTheGuestsTaggedFramesInsideTheNetworksTag() throws Exception {
        Template vm1 = vm(nic("ua", 100, 1) + ", CVLANS=\"200,300\"");
        Template vm2 = vm(nic("ub", 100, 2) + ", CVLANS=\"200,300\"");
        String g1 = deploy(netA, hosts.hostA, runA, 1, vm1, "10.77.0.1");
        deploy(netB, hosts.hostB, runB, 2, vm2, "10.77.0.2");
        assertThat(vsctl(runA, "get", "Port", "one-1-0", "vlan_mode")).isEqualTo("dot1q-tunnel");
        Process dump = new ProcessBuilder("ip", "netns", "exec", hosts.hostA, "tcpdump", "-l", "-n", "-e", "-c", "1",
                "-i", "ua", "vlan 100 and vlan 200").redirectErrorStream(true).start();
        try {
            // the guest sends a frame tagged C-VLAN 200 (its kernel here makes no VLAN devices: a raw frame)
            String send = "import socket,time\n"
                    + "s=socket.socket(socket.AF_PACKET,socket.SOCK_RAW); s.bind(('eth0',0))\n"
                    + "f=bytes.fromhex('ffffffffffff' '02000a4d0001' '8100' '00c8' '88b5') + b'n10-qinq'*8\n"
                    + "for i in range(40): s.send(f); time.sleep(0.25)\n";
            Process sender = new ProcessBuilder("ip", "netns", "exec", g1, "python3", "-c", send)
                    .redirectErrorStream(true).start();
            assertThat(dump.waitFor(20, TimeUnit.SECONDS)).isTrue();
            sender.destroyForcibly();
            String frames = new String(dump.getInputStream().readAllBytes());
            assertThat(frames).contains("vlan 100").contains("vlan 200");
        } finally {
            dump.destroyForcibly();
        }
        terminate(netA, hosts.hostA, 1, vm1);
        terminate(netB, hosts.hostB, 2, vm2);
        assertThat(vsctl(runA, "list-br")).isEmpty();
    }

    @Test
    void ovswitchVxlanCarriesTheVlanThroughTheVniAndCleansItsDevice() {
        String nic = "VN_MAD=ovswitch_vxlan, NETWORK_ID=7, BRIDGE=ovsbr7, VLAN_ID=100, OUTER_VLAN_ID=700, ";
        Template vm1 = vm(nic + "PHYDEV=ua, MAC=\"02:00:0a:4d:00:01\", IP=10.77.0.1");
        Template vm2 = vm(nic + "PHYDEV=ub, MAC=\"02:00:0a:4d:00:02\", IP=10.77.0.2");
        String g1 = deploy(netA, hosts.hostA, runA, 1, vm1, "10.77.0.1");
        deploy(netB, hosts.hostB, runB, 2, vm2, "10.77.0.2");
        assertThat(hosts.shell(hosts.hostA).run("ip", "-d", "link", "show", "ua.700")).contains("vxlan id 700");
        await().atMost(Duration.ofSeconds(30)).until(() -> hosts.ping(g1, "10.77.0.2"));
        terminate(netA, hosts.hostA, 1, vm1);
        terminate(netB, hosts.hostB, 2, vm2);
        assertThat(hosts.links(hosts.hostA)).doesNotContain("ua.700", "ovsbr7");
        assertThat(vsctl(runB, "list-br")).isEmpty();
        assertThatThrownBy(() -> netA.pre(1, vm(nic.replace("OUTER_VLAN_ID=700, ", "") + "PHYDEV=ua"),
                HostNetworks.all())).hasMessageContaining("needs PHYDEV and OUTER_VLAN_ID");
        netA.pre(1, vm(nic("ua", 100, 1)), HostNetworks.all());
        assertThatThrownBy(() -> netA.pre(2, vm(nic("ua", 200, 2).replace("ovsbr0", "ovsbr9")), HostNetworks.all()))
                .hasMessageContaining("ua is already a port of OVS bridge ovsbr0, not ovsbr9");
        netA.clean(1, vm(nic("ua", 100, 1)), HostNetworks.all());
    }

    @Test
    void dpdkModeMakesANetdevBridgeWithAVhostUserPortTaggedForTheGuest() {
        Template vm1 = vm(nic("ua", 100, 1) + ", BRIDGE_TYPE=openvswitch_dpdk");
        netA.pre(1, vm1, HostNetworks.all());
        netA.post(1, vm1, HostNetworks.all());
        assertThat(vsctl(runA, "get", "Bridge", "ovsbr0", "datapath_type")).isEqualTo("netdev");
        assertThat(vsctl(runA, "get", "Interface", "one-1-0", "type")).isEqualTo("dpdkvhostuserclient");
        assertThat(vsctl(runA, "get", "Interface", "one-1-0", "options:vhost-server-path"))
                .isEqualTo("\"/var/run/nimbo/vhost/one-1-0\"");
        assertThat(vsctl(runA, "get", "Port", "one-1-0", "tag")).isEqualTo("100");
        netA.clean(1, vm1, HostNetworks.all());
        assertThat(vsctl(runA, "list-br")).isEmpty();
    }
}
