package dev.nimbo.core.vm;

import dev.nimbo.core.vmtemplate.RestrictedAttributes;

/**
 * What tenants may not set on their VMs: oned.conf's VM_RESTRICTED_ATTR, except that Nimbo lets tenants choose
 * their NICs' MAC addresses (NIC/MAC, NIC_ALIAS/MAC, NIC_DEFAULT/MAC), their VM's UUID (OS/UUID) and vCPU
 * topology (TOPOLOGY sockets/cores/threads; PIN_POLICY and HUGEPAGE_SIZE stay administrator-only), which
 * operators otherwise have to set for them. Immutable.
 */
public final class VmRestrictions {

    public static final RestrictedAttributes VM = RestrictedAttributes.of("CONTEXT/FILES", "NIC/VLAN_ID",
            "NIC/BRIDGE", "NIC/FILTER", "NIC/FILTER_IP_SPOOFING", "NIC/FILTER_MAC_SPOOFING", "NIC/INBOUND_AVG_BW",
            "NIC/INBOUND_PEAK_BW", "NIC/INBOUND_PEAK_KB", "NIC/OUTBOUND_AVG_BW", "NIC/OUTBOUND_PEAK_BW",
            "NIC/OUTBOUND_PEAK_KB", "NIC/OPENNEBULA_MANAGED", "NIC/EXTERNAL", "NIC/VLAN_TAGGED_ID",
            "NIC_ALIAS/VLAN_ID", "NIC_ALIAS/BRIDGE", "NIC_ALIAS/INBOUND_AVG_BW", "NIC_ALIAS/INBOUND_PEAK_BW",
            "NIC_ALIAS/INBOUND_PEAK_KB", "NIC_ALIAS/OUTBOUND_AVG_BW", "NIC_ALIAS/OUTBOUND_PEAK_BW",
            "NIC_ALIAS/OUTBOUND_PEAK_KB", "NIC_ALIAS/OPENNEBULA_MANAGED", "NIC_DEFAULT/VLAN_ID",
            "NIC_DEFAULT/BRIDGE", "NIC_DEFAULT/FILTER", "NIC_DEFAULT/EXTERNAL", "DISK/TOTAL_BYTES_SEC",
            "DISK/TOTAL_BYTES_SEC_MAX_LENGTH", "DISK/TOTAL_BYTES_SEC_MAX", "DISK/READ_BYTES_SEC",
            "DISK/READ_BYTES_SEC_MAX_LENGTH", "DISK/READ_BYTES_SEC_MAX", "DISK/WRITE_BYTES_SEC",
            "DISK/WRITE_BYTES_SEC_MAX_LENGTH", "DISK/WRITE_BYTES_SEC_MAX", "DISK/TOTAL_IOPS_SEC",
            "DISK/TOTAL_IOPS_SEC_MAX_LENGTH", "DISK/TOTAL_IOPS_SEC_MAX", "DISK/READ_IOPS_SEC",
            "DISK/READ_IOPS_SEC_MAX_LENGTH", "DISK/READ_IOPS_SEC_MAX", "DISK/WRITE_IOPS_SEC",
            "DISK/WRITE_IOPS_SEC_MAX_LENGTH", "DISK/WRITE_IOPS_SEC_MAX", "DISK/SIZE_IOPS_SEC",
            "DISK/OPENNEBULA_MANAGED", "DISK/ORIGINAL_SIZE", "DISK/SIZE_PREV", "DEPLOY_ID", "CPU_COST",
            "MEMORY_COST", "DISK_COST", "PCI", "EMULATOR", "RAW/DATA", "USER_PRIORITY", "USER_INPUTS/CPU",
            "USER_INPUTS/MEMORY", "USER_INPUTS/VCPU", "TOPOLOGY/PIN_POLICY", "TOPOLOGY/HUGEPAGE_SIZE");

    private VmRestrictions() {
    }

    /** oned's refusal for a template that sets {@code attribute}. */
    public static String message(String attribute) {
        return "VM Template includes a restricted attribute " + attribute;
    }
}
