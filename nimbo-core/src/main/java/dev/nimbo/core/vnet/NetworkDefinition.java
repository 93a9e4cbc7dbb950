package dev.nimbo.core.vnet;

import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a network template becomes a network, as OpenNebula's VirtualNetwork::insert reads it: NAME (or
 * TEMPLATE_NAME-ID), VN_MAD, PHYDEV, BRIDGE (default onebr.VLAN_ID when a VLAN_ID is given, else onebrID),
 * BRIDGE_TYPE, VLAN_ID / AUTOMATIC_VLAN_ID, OUTER_VLAN_ID / AUTOMATIC_OUTER_VLAN_ID, SECURITY_GROUPS
 * (always with the default group 0), and the AR vectors. Also the rules one.vn.update applies. Pure.
 */
public final class NetworkDefinition {

    /** A checked definition: the network without ID, owner or ranges, and the AR vectors to add. */
    public record Parsed(String name, String namePrefix, String vnMad, String phydev, String bridge, String bridgeType,
                         String vlanId, boolean autoVlan, String outerVlanId, boolean autoOuter, Template template,
                         List<VectorAttribute> ranges) {

        /** The network with this ID: the default name and bridge depend on it. */
        public VirtualNetwork.Builder builder(int id) {
            VirtualNetwork.Builder b = new VirtualNetwork.Builder();
            b.id = id;
            b.name = name.isEmpty() ? namePrefix + "-" + id : name;
            b.vnMad = vnMad;
            b.phydev = phydev;
            b.bridge = bridge.isEmpty() ? (vlanId.isEmpty() ? "onebr" + id : "onebr." + vlanId) : bridge;
            b.bridgeType = bridgeType;
            b.vlanId = vlanId;
            b.vlanIdAutomatic = autoVlan;
            b.outerVlanId = outerVlanId;
            b.outerVlanIdAutomatic = autoOuter;
            b.template = template.with("BRIDGE", b.bridge);
            return b;
        }
    }

    private NetworkDefinition() {
    }

    /** Reads an allocate template; throws {@link VnetException} with OpenNebula's message when it is wrong. */
    public static Parsed parse(Template t) {
        String name = t.get("NAME") == null ? "" : t.get("NAME").strip();
        String prefix = t.get("TEMPLATE_NAME") == null ? "" : t.get("TEMPLATE_NAME");
        if (name.isEmpty() && prefix.isEmpty()) {
            throw new VnetException("No NAME in template for Virtual Network.");
        }
        String problem = NameRules.problem(name.isEmpty() ? prefix : name, "");
        if (problem != null) {
            throw new VnetException(problem + ".");
        }
        String vnMad = value(t, "VN_MAD");
        if (vnMad.isEmpty()) {
            throw new VnetException("No VN_MAD in template for Virtual Network.");
        }
        String phydev = value(t, "PHYDEV");
        String bridge = value(t, "BRIDGE");
        String vlan = value(t, "VLAN_ID");
        boolean autoVlan = vlan.isEmpty() && AddressRange.yes(t.get("AUTOMATIC_VLAN_ID"));
        String outer = value(t, "OUTER_VLAN_ID");
        boolean autoOuter = outer.isEmpty() && AddressRange.yes(t.get("AUTOMATIC_OUTER_VLAN_ID"));
        vlan = normalizeId("VLAN_ID", vlan, VnDrivers.vlanSpace(vnMad));
        outer = normalizeId("OUTER_VLAN_ID", outer, VnDrivers.outerSpace(vnMad));
        VnDrivers.checkMandatory(vnMad, phydev, bridge, autoVlan, vlan, autoOuter, outer);
        String bridgeType = VnDrivers.bridgeType(vnMad, t.get("BRIDGE_TYPE"));
        List<VectorAttribute> ars = new ArrayList<>();
        for (Attribute a : t.all("AR")) {
            if (!(a instanceof VectorAttribute va)) {
                throw new VnetException("Wrong AR definition. AR must be a vector attribute.");
            }
            ars.add(va);
        }
        Template rest = t;
        for (String drop : new String[] {"NAME", "TEMPLATE_NAME", "TEMPLATE_ID", "AR", "AUTOMATIC_VLAN_ID",
                "AUTOMATIC_OUTER_VLAN_ID", "VN_MAD", "PHYDEV", "BRIDGE", "BRIDGE_TYPE", "SECURITY_GROUPS"}) {
            rest = rest.without(drop);
        }
        if (!vlan.isEmpty()) {
            rest = rest.with("VLAN_ID", vlan);
        } else {
            rest = rest.without("VLAN_ID");
        }
        if (!outer.isEmpty()) {
            rest = rest.with("OUTER_VLAN_ID", outer);
        } else {
            rest = rest.without("OUTER_VLAN_ID");
        }
        rest = rest.with("VN_MAD", vnMad).with("PHYDEV", phydev).with("BRIDGE_TYPE", bridgeType)
                .with("SECURITY_GROUPS", securityGroups(t.get("SECURITY_GROUPS"), true));
        return new Parsed(name, prefix, vnMad, phydev, bridge, bridgeType, vlan, autoVlan, outer, autoOuter, rest, ars);
    }

    /**
     * The network after its template is replaced by {@code next} (one.vn.update, already merged when
     * appending), with OpenNebula's post-update rules: VN_MAD is required, BRIDGE_TYPE follows the driver,
     * PHYDEV and a manual VLAN_ID may change, automatic ones stay, an empty BRIDGE keeps the current one.
     * VLAN clashes are for the caller to check with {@link VlanIds#check}.
     */
    public static VirtualNetwork update(VirtualNetwork vn, Template next) {
        String vnMad = value(next, "VN_MAD");
        if (vnMad.isEmpty()) {
            throw new VnetException("No VN_MAD in template for Virtual Network.");
        }
        String requestedType = value(next, "BRIDGE_TYPE");
        if (!vnMad.equals(vn.vnMad()) && requestedType.equals(vn.bridgeType())) {
            requestedType = "";
        }
        String bridgeType = VnDrivers.bridgeType(vnMad, requestedType);
        VirtualNetwork.Builder b = vn.toBuilder();
        b.vnMad = vnMad;
        b.bridgeType = bridgeType;
        b.phydev = value(next, "PHYDEV");
        Template t = next.without("TEMPLATE_ID").without("AUTOMATIC_VLAN_ID").without("AUTOMATIC_OUTER_VLAN_ID");
        if (!vn.vlanIdAutomatic()) {
            b.vlanId = normalizeId("VLAN_ID", value(next, "VLAN_ID"), VnDrivers.vlanSpace(vnMad));
            t = b.vlanId.isEmpty() ? t.without("VLAN_ID") : t.with("VLAN_ID", b.vlanId);
        } else {
            t = t.without("VLAN_ID");
        }
        if (!vn.outerVlanIdAutomatic()) {
            b.outerVlanId = normalizeId("OUTER_VLAN_ID", value(next, "OUTER_VLAN_ID"), VnDrivers.outerSpace(vnMad));
            t = b.outerVlanId.isEmpty() ? t.without("OUTER_VLAN_ID") : t.with("OUTER_VLAN_ID", b.outerVlanId);
        } else {
            t = t.without("OUTER_VLAN_ID");
        }
        if (!vn.isReservation()) {
            VnDrivers.checkMandatory(vnMad, b.phydev, value(next, "BRIDGE").isEmpty() ? vn.bridge() : value(next, "BRIDGE"),
                    b.vlanIdAutomatic, b.vlanId, b.outerVlanIdAutomatic, b.outerVlanId);
        }
        String newBridge = value(next, "BRIDGE");
        if (!newBridge.isEmpty()) {
            b.bridge = newBridge;
        }
        String sg = next.get("SECURITY_GROUPS");
        t = t.with("VN_MAD", vnMad).with("BRIDGE_TYPE", bridgeType).with("PHYDEV", b.phydev).with("BRIDGE", b.bridge);
        if (sg != null) {
            t = t.with("SECURITY_GROUPS", securityGroups(sg, false));
        }
        b.template = t;
        return b.build();
    }

    /** An ID as its integer text ("007" → "7"), validated against the driver's space; "" stays "". */
    static String normalizeId(String attr, String text, VnDrivers.Space space) {
        if (text.isEmpty()) {
            return "";
        }
        return Integer.toString(VlanIds.parse(attr, text, space));
    }

    /** The security group IDs, sorted and unique, with group 0 when {@code withDefault}. */
    static String securityGroups(String text, boolean withDefault) {
        Set<Integer> ids = new TreeSet<>();
        if (withDefault) {
            ids.add(0);
        }
        if (text != null) {
            for (String part : text.split(",")) {
                String p = part.strip();
                if (p.isEmpty()) {
                    continue;
                }
                try {
                    ids.add(Integer.parseInt(p));
                } catch (NumberFormatException e) {
                    throw new VnetException("SECURITY_GROUPS must be a comma-separated list of IDs, got \"" + text + "\"");
                }
            }
        }
        StringBuilder b = new StringBuilder();
        for (int id : ids) {
            if (!b.isEmpty()) {
                b.append(',');
            }
            b.append(id);
        }
        return b.toString();
    }

    private static String value(Template t, String name) {
        String v = t.get(name);
        return v == null ? "" : v.strip();
    }
}
