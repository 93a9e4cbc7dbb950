package dev.nimbo.agent.net;

import java.util.ArrayList;
import java.util.List;

/**
 * The Linux bridge family of OpenNebula's VN_MADs: {@code bridge} (the bridge, with PHYDEV as its port when
 * given), {@code 802.1Q} (a VLAN sub-interface PHYDEV.VLAN_ID on the bridge; C-VLANs let guests send tagged
 * frames inside the network's tag, QinQ) and {@code vxlan} (a VXLAN device PHYDEV.VNI in the multicast group
 * VXLAN_MC + VNI, or without a group and learning in the EVPN mode, where BGP fills the forwarding table). The
 * bridge and its uplink are made on the first NIC of a host and removed with the last one unless the bridge is
 * kept. Every step checks what the host has first, so each call can be repeated. Callers serialize calls per host.
 */
final class LinuxBridgeDriver {
    /** Linux interface names are at most 15 characters. */
    private static final int IFNAMSIZ = 15;

    private final HostShell sh;
    private final boolean keepEmptyBridge;

    LinuxBridgeDriver(HostShell sh, boolean keepEmptyBridge) {
        this.sh = sh;
        this.keepEmptyBridge = keepEmptyBridge;
    }

    /** Before the guest starts: the bridge and its uplink. */
    void pre(NetNic nic) {
        String uplink = uplink(nic);
        if (uplink != null) {
            checkUplink(nic, uplink);
        }
        if (!sh.linkExists(nic.bridge())) {
            sh.run("ip", "link", "add", "name", nic.bridge(), "type", "bridge");
        }
        if (nic.mtu() != null) {
            sh.run("ip", "link", "set", "dev", nic.bridge(), "mtu", nic.mtu().toString());
        }
        sh.run("ip", "link", "set", "dev", nic.bridge(), "up");
        if (uplink == null) {
            return;
        }
        if (!sh.linkExists(uplink)) {
            createUplink(nic, uplink);
        }
        if (nic.mtu() != null) {
            sh.run("ip", "link", "set", "dev", uplink, "mtu", nic.mtu().toString());
        }
        sh.run("ip", "link", "set", "dev", uplink, "master", nic.bridge(), "up");
    }

    /** Once the guest's tap is on the bridge: the C-VLANs it may send (QinQ) through the uplink. */
    void post(NetNic nic) {
        if (nic.cvlans().isEmpty() || !sh.linkExists(nic.tap())) {
            return;
        }
        String uplink = uplink(nic);
        sh.run("ip", "link", "set", "dev", nic.bridge(), "type", "bridge", "vlan_filtering", "1");
        for (int c : nic.cvlans()) {
            sh.run("bridge", "vlan", "add", "dev", nic.tap(), "vid", Integer.toString(c));
            if (uplink != null) {
                sh.run("bridge", "vlan", "add", "dev", uplink, "vid", Integer.toString(c));
            }
        }
    }

    /** After the guest's tap left: the bridge and the uplink go once no guest port is left on the bridge. */
    void clean(NetNic nic) {
        if (keepEmptyBridge || !sh.linkExists(nic.bridge())) {
            return;
        }
        String uplink = uplink(nic);
        List<String> guests = ports(nic.bridge());
        guests.remove(uplink);
        guests.remove(nic.phydev());
        if (!guests.isEmpty()) {
            return;
        }
        if (uplink != null && !uplink.equals(nic.phydev())) {
            if (sh.linkExists(uplink)) {
                sh.run("ip", "link", "del", "dev", uplink);
            }
        } else if (uplink != null && sh.linkExists(uplink)) {
            sh.run("ip", "link", "set", "dev", uplink, "nomaster"); // the host's own device stays
        }
        sh.run("ip", "link", "del", "dev", nic.bridge());
    }

    /** The bridge's port toward the outside: none, PHYDEV itself, or the VLAN/VXLAN device on PHYDEV. */
    static String uplink(NetNic nic) {
        return switch (nic.vnMad()) {
            case "bridge" -> nic.phydev().isEmpty() ? null : nic.phydev();
            case "802.1q", "vxlan" -> nic.phydev() + "." + nic.vlanId();
            default -> throw new IllegalStateException(nic.vnMad());
        };
    }

    private void checkUplink(NetNic nic, String uplink) {
        boolean tagged = !nic.vnMad().equals("bridge");
        if (tagged && nic.phydev().isEmpty()) {
            throw new NetworkException(nic.label() + ": the network has no PHYDEV");
        }
        if (tagged && nic.vlanId() == null) {
            throw new NetworkException(nic.label() + ": the network has no VLAN_ID");
        }
        if (!sh.linkExists(nic.phydev())) {
            throw new NetworkException(nic.label() + ": PHYDEV " + nic.phydev() + " does not exist on this host");
        }
        if (uplink.length() > IFNAMSIZ) {
            throw new NetworkException(nic.label() + ": device name " + uplink + " is longer than " + IFNAMSIZ
                    + " characters (use a shorter PHYDEV)");
        }
        if (tagged && sh.linkExists(uplink)) {
            String details = sh.run("ip", "-d", "-o", "link", "show", "dev", uplink);
            String kind = nic.vnMad().equals("vxlan") ? "vxlan id " + nic.vlanId() + " "
                    : "vlan protocol 802.1Q id " + nic.vlanId() + " ";
            if (!details.contains(kind)) {
                throw new NetworkException(nic.label() + ": " + uplink + " exists on this host but is not "
                        + kind.strip() + " (VLAN clash)");
            }
        }
        String master = sh.linkExists(uplink) ? masterOf(uplink) : null;
        if (master != null && !master.equals(nic.bridge())) {
            throw new NetworkException(nic.label() + ": " + uplink + " is already on bridge " + master
                    + ", not " + nic.bridge() + " (VLAN clash: another network uses the same "
                    + (nic.vnMad().equals("bridge") ? "PHYDEV" : "PHYDEV and VLAN_ID") + ")");
        }
        if (tagged && sh.linkExists(nic.bridge())) {
            for (String port : ports(nic.bridge())) {
                if (port.startsWith(nic.phydev() + ".") && !port.equals(uplink)) {
                    throw new NetworkException(nic.label() + ": bridge " + nic.bridge() + " already carries " + port
                            + " (VLAN clash: another network uses the same BRIDGE)");
                }
            }
        }
    }

    private void createUplink(NetNic nic, String uplink) {
        List<String> cmd = new ArrayList<>(List.of("ip", "link", "add"));
        if (nic.vnMad().equals("802.1q")) {
            cmd.addAll(List.of("link", nic.phydev(), "name", uplink, "type", "vlan", "id", nic.vlanId().toString()));
        } else {
            cmd.addAll(List.of(uplink, "type", "vxlan", "id", nic.vlanId().toString(), "dev", nic.phydev(),
                    "dstport", "4789"));
            if (nic.vxlanMode().equals("evpn")) {
                // BGP EVPN (FRR on the host) fills the forwarding table: no flooding to a group, no learning
                cmd.add("nolearning");
                String local = localAddress(nic.phydev());
                if (local != null) {
                    cmd.addAll(List.of("local", local));
                }
            } else {
                cmd.addAll(List.of("group", multicastGroup(nic.vxlanMc(), nic.vlanId()), "ttl", "16"));
            }
        }
        sh.run(cmd.toArray(String[]::new));
    }

    /** The multicast group of a VNI: VXLAN_MC (default 239.0.0.0) plus the VNI, as OpenNebula derives it. */
    static String multicastGroup(String base, int vni) {
        String[] o = (base == null || base.isBlank() ? "239.0.0.0" : base.strip()).split("\\.");
        if (o.length != 4) {
            throw new NetworkException("VXLAN_MC '" + base + "' is not an IPv4 address");
        }
        long v = 0;
        for (String p : o) {
            v = (v << 8) | Integer.parseInt(p);
        }
        v += vni;
        return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
    }

    private String localAddress(String dev) {
        for (String line : sh.run("ip", "-4", "-o", "addr", "show", "dev", dev).split("\n")) {
            String[] f = line.strip().split("\\s+");
            for (int i = 0; i + 1 < f.length; i++) {
                if (f[i].equals("inet")) {
                    return f[i + 1].replaceFirst("/.*", "");
                }
            }
        }
        return null;
    }

    private String masterOf(String dev) {
        String[] f = sh.run("ip", "-o", "link", "show", "dev", dev).split("\\s+");
        for (int i = 0; i + 1 < f.length; i++) {
            if (f[i].equals("master")) {
                return f[i + 1];
            }
        }
        return null;
    }

    /** The devices enslaved to a bridge. */
    List<String> ports(String bridge) {
        List<String> out = new ArrayList<>();
        for (String line : sh.run("ip", "-o", "link", "show", "master", bridge).split("\n")) {
            String[] f = line.strip().split(":\\s*", 3);
            if (f.length >= 2) {
                out.add(f[1].replaceFirst("@.*", ""));
            }
        }
        return out;
    }
}
