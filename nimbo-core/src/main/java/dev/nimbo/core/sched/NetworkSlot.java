package dev.nimbo.core.sched;

import dev.nimbo.core.expr.Attributes;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.vnet.VirtualNetwork;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A virtual network as a scheduling cycle sees it, for NICs in automatic mode: its attributes for a NIC's
 * SCHED_REQUIREMENTS / SCHED_RANK (its TEMPLATE, then ID, NAME, UID, GID, VN_MAD, BRIDGE, VLAN_ID, USED_LEASES and
 * FREE_LEASES with this cycle's plans, the multi-valued {@code CLUSTERS/ID}) and the leases the cycle has planned.
 * Owned by one cycle's thread.
 */
public final class NetworkSlot implements Attributes {
    private final VirtualNetwork vn;
    private final Map<String, String> fixed = new HashMap<>();
    private final List<String> clusters = new ArrayList<>();
    private long planned;

    public NetworkSlot(VirtualNetwork vn) {
        this.vn = vn;
        for (Attribute a : vn.template().attributes()) {
            if (a instanceof SingleAttribute s) {
                fixed.put(s.name(), s.value());
            }
        }
        fixed.put("ID", Integer.toString(vn.id()));
        fixed.put("NAME", vn.name());
        fixed.put("UID", Integer.toString(vn.uid()));
        fixed.put("GID", Integer.toString(vn.gid()));
        fixed.put("VN_MAD", vn.vnMad());
        fixed.put("BRIDGE", vn.bridge());
        fixed.put("VLAN_ID", vn.vlanId());
        for (int c : vn.clusters()) {
            clusters.add(Integer.toString(c));
        }
    }

    public VirtualNetwork network() {
        return vn;
    }

    public long freeLeases() {
        return vn.size() - vn.usedLeases() - planned;
    }

    public void take() {
        planned++;
    }

    @Override
    public String get(String name) {
        return switch (name) {
            case "USED_LEASES" -> Long.toString(vn.usedLeases() + planned);
            case "FREE_LEASES" -> Long.toString(freeLeases());
            case "CLUSTERS/ID", "CLUSTER_ID" -> clusters.isEmpty() ? null : clusters.get(0);
            default -> fixed.get(name);
        };
    }

    @Override
    public List<String> all(String name) {
        return name.equals("CLUSTERS/ID") || name.equals("CLUSTER_ID") ? clusters : Attributes.super.all(name);
    }
}
