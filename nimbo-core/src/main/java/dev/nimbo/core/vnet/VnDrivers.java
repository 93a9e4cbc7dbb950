package dev.nimbo.core.vnet;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The network drivers (VN_MAD) OpenNebula's VN_MAD_CONF defines, with the bridge technologies each
 * accepts (the first is the default BRIDGE_TYPE), which attributes each requires, and which VLAN ID space
 * its VLAN_ID and OUTER_VLAN_ID come from. Immutable.
 */
public final class VnDrivers {

    public static final String DUMMY = "dummy";
    public static final String VLAN_8021Q = "802.1Q";
    public static final String FW = "fw";
    public static final String OVSWITCH = "ovswitch";
    public static final String VXLAN = "vxlan";
    public static final String OVSWITCH_VXLAN = "ovswitch_vxlan";
    public static final String BRIDGE = "bridge";

    private static final Map<String, List<String>> BRIDGE_TYPES = new LinkedHashMap<>();

    static {
        BRIDGE_TYPES.put(DUMMY, List.of("linux"));
        BRIDGE_TYPES.put(VLAN_8021Q, List.of("linux"));
        BRIDGE_TYPES.put(FW, List.of("linux"));
        BRIDGE_TYPES.put(OVSWITCH, List.of("openvswitch", "openvswitch_dpdk"));
        BRIDGE_TYPES.put(VXLAN, List.of("linux"));
        BRIDGE_TYPES.put(OVSWITCH_VXLAN, List.of("openvswitch"));
        BRIDGE_TYPES.put(BRIDGE, List.of("linux"));
        BRIDGE_TYPES.put("elastic", List.of("linux"));
        BRIDGE_TYPES.put("nodeport", List.of("linux"));
    }

    /** A VLAN ID space: 802.1Q tags (12 bits) or VXLAN network identifiers (24 bits). */
    public enum Space {
        VLAN(4095), VXLAN(16_777_215);

        private final int max;

        Space(int max) {
            this.max = max;
        }

        public int max() {
            return max;
        }
    }

    private VnDrivers() {
    }

    public static Set<String> names() {
        return BRIDGE_TYPES.keySet();
    }

    public static boolean known(String vnMad) {
        return BRIDGE_TYPES.containsKey(vnMad);
    }

    /**
     * The BRIDGE_TYPE for the driver: the requested one when the driver supports it, its default when none
     * is requested; an unknown driver or an unsupported type is refused with OpenNebula's messages.
     */
    public static String bridgeType(String vnMad, String requested) {
        List<String> types = BRIDGE_TYPES.get(vnMad);
        if (types == null) {
            throw new VnetException("VN_MAD named \"" + vnMad + "\" is not defined; known drivers: "
                    + String.join(", ", BRIDGE_TYPES.keySet()));
        }
        String r = requested == null ? "" : requested.strip();
        if (r.isEmpty()) {
            return types.get(0);
        }
        if (types.contains(r)) {
            return r;
        }
        throw new VnetException("Attribute BRIDGE_TYPE has wrong value \"" + r + "\" for VN_MAD_CONF " + vnMad);
    }

    /** OpenNebula's table of mandatory attributes per driver (PHYDEV, BRIDGE, VLAN_ID, OUTER_VLAN_ID). */
    public static void checkMandatory(String vnMad, String phydev, String bridge, boolean autoVlan, String vlanId,
                                      boolean autoOuter, String outerVlanId) {
        boolean needPhydev = vnMad.equals(VLAN_8021Q) || vnMad.equals(VXLAN);
        boolean needBridge = vnMad.equals(DUMMY);
        boolean needVlan = vnMad.equals(VLAN_8021Q) || vnMad.equals(VXLAN);
        boolean needOuter = vnMad.equals(OVSWITCH_VXLAN);
        if (needPhydev && phydev.isEmpty()) {
            throw new VnetException("PHYDEV is mandatory for driver " + vnMad);
        }
        if (needBridge && bridge.isEmpty()) {
            throw new VnetException("BRIDGE is mandatory for driver " + vnMad);
        }
        if (needVlan && !autoVlan && vlanId.isEmpty()) {
            throw new VnetException("VLAN_ID (or AUTOMATIC_VLAN_ID) is mandatory for driver " + vnMad);
        }
        if (needOuter && !autoOuter && outerVlanId.isEmpty()) {
            throw new VnetException("OUTER_VLAN_ID (or AUTOMATIC) is mandatory for driver " + vnMad);
        }
    }

    /** The space VLAN_ID is taken from for this driver, or null when the driver has no VLAN IDs. */
    public static Space vlanSpace(String vnMad) {
        return switch (vnMad) {
            case VLAN_8021Q, OVSWITCH, OVSWITCH_VXLAN -> Space.VLAN;
            case VXLAN -> Space.VXLAN;
            default -> null;
        };
    }

    /** The space OUTER_VLAN_ID is taken from for this driver, or null. */
    public static Space outerSpace(String vnMad) {
        return vnMad.equals(OVSWITCH_VXLAN) ? Space.VXLAN : null;
    }
}
