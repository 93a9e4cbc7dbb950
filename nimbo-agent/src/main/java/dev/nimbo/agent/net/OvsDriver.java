package dev.nimbo.agent.net;

import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * OpenNebula's {@code ovswitch} and {@code ovswitch_vxlan} VN_MADs on Open vSwitch. Before the guest starts: the
 * bridge (netdev datapath for BRIDGE_TYPE openvswitch_dpdk or when the host is configured for it) with its uplink
 * as a port: PHYDEV, or for ovswitch_vxlan a VXLAN device PHYDEV.OUTER_VLAN_ID (the VNI; multicast group as the
 * vxlan driver) carrying the network's VLAN_ID tags. Once the guest's port exists: its VLAN setting (access tag
 * VLAN_ID; trunk VLAN_TAGGED_ID with VLAN_ID native; QinQ dot1q-tunnel of CVLANS inside VLAN_ID) and OpenFlow
 * rules, under a cookie of the NIC's own, that drop frames with another source MAC, IPv4 (ARP included) or IPv6
 * address (neighbour advertisements included) than the NIC's, and its security groups ({@link OvsSecurityGroups}: stateful, through conntrack). After the
 * guest left: its flows and port, and the bridge when only its uplink is left.
 * Callers serialize calls per host.
 */
final class OvsDriver {
    private final HostShell sh;
    private final OvsSettings settings;
    private final boolean keepEmptyBridge;

    OvsDriver(HostShell sh, OvsSettings settings, boolean keepEmptyBridge) {
        this.sh = sh;
        this.settings = settings;
        this.keepEmptyBridge = keepEmptyBridge;
    }

    void pre(NetNic nic) {
        String uplink = uplink(nic);
        if (!nic.phydev().isEmpty() && !sh.linkExists(nic.phydev())) {
            throw new NetworkException(nic.label() + ": PHYDEV " + nic.phydev() + " does not exist on this host");
        }
        if (nic.vnMad().equals("ovswitch_vxlan")) {
            if (nic.phydev().isEmpty() || nic.outerVlanId() == null) {
                throw new NetworkException(nic.label() + ": ovswitch_vxlan needs PHYDEV and OUTER_VLAN_ID (the VNI)");
            }
            if (!sh.linkExists(uplink)) {
                sh.run("ip", "link", "add", uplink, "type", "vxlan", "id", nic.outerVlanId().toString(), "dev",
                        nic.phydev(), "dstport", "4789", "group",
                        LinuxBridgeDriver.multicastGroup(nic.vxlanMc(), nic.outerVlanId()), "ttl", "16");
            }
            sh.run("ip", "link", "set", "dev", uplink, "up");
        }
        if (uplink != null && vsctlOk("port-to-br", uplink)) {
            String other = vsctl("port-to-br", uplink);
            if (!other.equals(nic.bridge())) {
                throw new NetworkException(nic.label() + ": " + uplink + " is already a port of OVS bridge " + other
                        + ", not " + nic.bridge() + " (networks on one PHYDEV share its bridge, apart by VLAN_ID)");
            }
        }
        List<String> add = new ArrayList<>(List.of("--may-exist", "add-br", nic.bridge()));
        String datapath = nic.bridgeType().equals("openvswitch_dpdk") ? "netdev" : settings.datapathType();
        if (datapath != null) {
            add.addAll(List.of("--", "set", "Bridge", nic.bridge(), "datapath_type=" + datapath));
        }
        vsctl(add.toArray(String[]::new));
        if (!nic.cvlans().isEmpty()) {
            vsctl("set", "Open_vSwitch", ".", "other_config:vlan-limit=2"); // two tags in a frame (QinQ)
        }
        if (nic.mtu() != null) {
            vsctl("set", "Interface", nic.bridge(), "mtu_request=" + nic.mtu());
        }
        sh.run("ip", "link", "set", "dev", nic.bridge(), "up");
        if (uplink != null) {
            vsctl("--may-exist", "add-port", nic.bridge(), uplink);
            sh.run("ip", "link", "set", "dev", uplink, "up");
        }
        if (nic.bridgeType().equals("openvswitch_dpdk")) {
            // libvirt does not plug vhost-user NICs: the port connects to the socket QEMU will serve
            try {
                java.nio.file.Files.createDirectories(java.nio.file.Path.of(NetNic.VHOST_DIR));
            } catch (java.io.IOException e) {
                throw new NetworkException(nic.label() + ": cannot make " + NetNic.VHOST_DIR + ": " + e.getMessage());
            }
            vsctl("--may-exist", "add-port", nic.bridge(), nic.tap(), "--", "set", "Interface", nic.tap(),
                    "type=dpdkvhostuserclient", "options:vhost-server-path=" + NetNic.vhostSocket(nic.tap()));
        }
    }

    /** {@code rules}: the VM's SECURITY_GROUP_RULE vectors (see {@link OvsSecurityGroups}). */
    void post(NetNic nic, List<VectorAttribute> rules) {
        if (!vsctlOk("port-to-br", nic.tap())) {
            return; // not on a switch (yet)
        }
        List<String> port = new ArrayList<>(List.of("set", "Port", nic.tap()));
        if (!nic.cvlans().isEmpty()) {
            port.addAll(List.of("vlan_mode=dot1q-tunnel", "tag=" + require(nic), "cvlans=" + list(nic.cvlans()),
                    "other_config:qinq-ethtype=802.1q"));
        } else if (!nic.taggedVlans().isEmpty()) {
            port.add("trunks=" + list(nic.taggedVlans()));
            if (nic.vlanId() != null) {
                port.addAll(List.of("vlan_mode=native-untagged", "tag=" + nic.vlanId()));
            } else {
                port.add("vlan_mode=trunk");
            }
        } else if (nic.vlanId() != null) {
            port.addAll(List.of("vlan_mode=access", "tag=" + nic.vlanId()));
        }
        if (port.size() > 3) {
            vsctl(port.toArray(String[]::new));
        }
        String bridge = vsctl("port-to-br", nic.tap());
        String ofport = vsctl("get", "Interface", nic.tap(), "ofport");
        if (!ofport.matches("\\d+")) {
            return; // the port is not up in the datapath (a vhost-user port before QEMU serves its socket)
        }
        String cookie = "cookie=" + cookie(nic);
        ofctl("del-flows", bridge, cookie + "/-1");
        // IP frames a guest may send go on through conntrack and the security group tables (not straight to the
        // normal switching), so that a filtered guest on the same bridge sees them checked too
        List<String> flows = new ArrayList<>(OvsSecurityGroups.pipeline());
        String track = ",actions=ct(table=1,zone=" + OvsSecurityGroups.ZONE + ")";
        String in = ",in_port=" + ofport;
        if (nic.filterIp() && !nic.ip().isEmpty()) {
            String mac = nic.mac().isEmpty() ? "" : ",dl_src=" + nic.mac();
            flows.add(cookie + ",priority=45000" + in + ",arp" + mac + ",arp_spa=" + nic.ip() + ",actions=normal");
            flows.add(cookie + ",priority=44000" + in + ",arp,actions=drop");
            flows.add(cookie + ",priority=43000" + in + ",udp,nw_src=0.0.0.0,tp_dst=67,actions=normal");
            flows.add(cookie + ",priority=42000" + in + ",ip" + mac + ",nw_src=" + nic.ip() + track);
            flows.add(cookie + ",priority=41000" + in + ",ip,actions=drop");
        }
        if (nic.filterIp() && !nic.ip6().isEmpty()) {
            String mac = nic.mac().isEmpty() ? "" : ",dl_src=" + nic.mac();
            // neighbour advertisements only for its own addresses, IPv6 only from them (:: for address detection)
            for (String a : nic.ip6()) {
                flows.add(cookie + ",priority=42600" + in + ",icmp6,icmp_type=136,nd_target=" + a + mac + track);
                flows.add(cookie + ",priority=42500" + in + ",ipv6" + mac + ",ipv6_src=" + a + track);
            }
            flows.add(cookie + ",priority=42550" + in + ",icmp6,icmp_type=136,actions=drop");
            flows.add(cookie + ",priority=42400" + in + ",icmp6,ipv6_src=::" + mac + ",actions=normal");
            flows.add(cookie + ",priority=41500" + in + ",ipv6,actions=drop");
        }
        if (nic.filterMac() && !nic.mac().isEmpty()) {
            for (String family : List.of(",ip", ",ipv6")) {
                flows.add(cookie + ",priority=40001" + in + family + ",dl_src=" + nic.mac() + track);
            }
            flows.add(cookie + ",priority=40000" + in + ",dl_src=" + nic.mac() + ",actions=normal");
            flows.add(cookie + ",priority=39000" + in + ",actions=drop");
        }
        flows.addAll(OvsSecurityGroups.flows(nic, cookie(nic), ofport, rules));
        // one ovs-ofctl for all of them (a NIC with groups has dozens): the flows are read from its input
        sh.runWithInput(String.join("\n", flows) + "\n", "ovs-ofctl", "add-flows", ofctlTarget(bridge), "-");
    }

    void clean(NetNic nic) {
        if (!vsctlOk("br-exists", nic.bridge())) {
            return;
        }
        ofctl("del-flows", nic.bridge(), "cookie=" + cookie(nic) + "/-1");
        vsctl("--if-exists", "del-port", nic.bridge(), nic.tap());
        String uplink = uplink(nic);
        List<String> guests = new ArrayList<>(Arrays.asList(vsctl("list-ports", nic.bridge()).split("\n")));
        guests.removeIf(p -> p.isBlank() || p.equals(uplink));
        if (keepEmptyBridge || !guests.isEmpty()) {
            return;
        }
        vsctl("--if-exists", "del-br", nic.bridge());
        if (nic.vnMad().equals("ovswitch_vxlan") && sh.linkExists(uplink)) {
            sh.run("ip", "link", "del", "dev", uplink);
        }
    }

    private static String uplink(NetNic nic) {
        if (nic.vnMad().equals("ovswitch_vxlan")) {
            return nic.phydev() + "." + nic.outerVlanId();
        }
        return nic.phydev().isEmpty() ? null : nic.phydev();
    }

    /** The NIC's own OpenFlow cookie: VM ID and NIC ID. */
    private static String cookie(NetNic nic) {
        return "0x" + Long.toHexString(((long) nic.vmId() << 16) | nic.nicId());
    }

    private static int require(NetNic nic) {
        if (nic.vlanId() == null) {
            throw new NetworkException(nic.label() + ": CVLANS need the network's VLAN_ID (the outer tag)");
        }
        return nic.vlanId();
    }

    private static String list(List<Integer> ids) {
        return ids.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private String vsctl(String... args) {
        List<String> cmd = new ArrayList<>(List.of("ovs-vsctl", "--timeout=20"));
        if (settings.runDir() != null) {
            cmd.add("--db=unix:" + settings.runDir() + "/db.sock");
        }
        cmd.addAll(List.of(args));
        return sh.run(cmd.toArray(String[]::new));
    }

    private boolean vsctlOk(String... args) {
        try {
            vsctl(args);
            return true;
        } catch (NetworkException e) {
            if (e.getMessage().toLowerCase(Locale.ROOT).contains("database connection failed")) {
                throw new NetworkException("Open vSwitch is not running on this host: " + e.getMessage());
            }
            return false;
        }
    }

    private void ofctl(String command, String bridge, String arg) {
        sh.run("ovs-ofctl", command, ofctlTarget(bridge), arg);
    }

    /** How ovs-ofctl reaches the bridge: by name, or by its management socket under an OVS of its own. */
    private String ofctlTarget(String bridge) {
        return settings.runDir() == null ? bridge : "unix:" + settings.runDir() + "/" + bridge + ".mgmt";
    }
}
