package dev.nimbo.core.vnet;

import dev.nimbo.core.vmtemplate.RestrictedAttributes;

/** oned.conf VNET_RESTRICTED_ATTR: what only administrators may set in networks and their ranges. */
public final class VnetRestrictions {

    public static final RestrictedAttributes VNET = RestrictedAttributes.of("VN_MAD", "PHYDEV", "QINQ_TYPE", "BRIDGE",
            "CONF", "BRIDGE_CONF", "OVS_BRIDGE_CONF", "IP_LINK_CONF", "FILTER", "FILTER_IP_SPOOFING",
            "FILTER_MAC_SPOOFING", "AR/VN_MAD", "AR/PHYDEV", "AR/BRIDGE", "AR/FILTER", "AR/FILTER_IP_SPOOFING",
            "AR/FILTER_MAC_SPOOFING", "CLUSTER_IDS", "EXTERNAL");

    private VnetRestrictions() {
    }
}
