package dev.nimbo.core.vmtemplate;

import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Attributes only administrators (members of the oneadmin group) may set or change, as oned.conf's
 * *_RESTRICTED_ATTR lists them: "NAME" for a single attribute, "VECTOR/SUB" for a vector's sub-attribute.
 * Others may keep them as they are. Immutable.
 */
public final class RestrictedAttributes {

    /** oned.conf VM_RESTRICTED_ATTR. */
    public static final RestrictedAttributes VM = of("CONTEXT/FILES", "NIC/MAC", "NIC/VLAN_ID", "NIC/BRIDGE",
            "NIC/FILTER", "NIC/FILTER_IP_SPOOFING", "NIC/FILTER_MAC_SPOOFING", "NIC/INBOUND_AVG_BW",
            "NIC/INBOUND_PEAK_BW", "NIC/INBOUND_PEAK_KB", "NIC/OUTBOUND_AVG_BW", "NIC/OUTBOUND_PEAK_BW",
            "NIC/OUTBOUND_PEAK_KB", "NIC/OPENNEBULA_MANAGED", "NIC/EXTERNAL", "NIC/VLAN_TAGGED_ID", "NIC_ALIAS/MAC",
            "NIC_ALIAS/VLAN_ID", "NIC_ALIAS/BRIDGE", "NIC_ALIAS/INBOUND_AVG_BW", "NIC_ALIAS/INBOUND_PEAK_BW",
            "NIC_ALIAS/INBOUND_PEAK_KB", "NIC_ALIAS/OUTBOUND_AVG_BW", "NIC_ALIAS/OUTBOUND_PEAK_BW",
            "NIC_ALIAS/OUTBOUND_PEAK_KB", "NIC_ALIAS/OPENNEBULA_MANAGED", "NIC_DEFAULT/MAC", "NIC_DEFAULT/VLAN_ID",
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

    /** Single attributes by name; vectors by name with their restricted sub-attributes. */
    private final Set<String> singles;
    private final Map<String, Set<String>> vectors;

    private RestrictedAttributes(Set<String> singles, Map<String, Set<String>> vectors) {
        this.singles = singles;
        this.vectors = vectors;
    }

    public static RestrictedAttributes of(String... names) {
        Set<String> singles = new LinkedHashSet<>();
        Map<String, Set<String>> vectors = new LinkedHashMap<>();
        for (String n : names) {
            int slash = n.indexOf('/');
            if (slash < 0) {
                singles.add(n);
            } else {
                vectors.computeIfAbsent(n.substring(0, slash), k -> new LinkedHashSet<>()).add(n.substring(slash + 1));
            }
        }
        return new RestrictedAttributes(Set.copyOf(singles), Map.copyOf(vectors));
    }

    /** The restricted sub-attributes of vectors called {@code vector} (e.g. AR), empty when none. */
    public Set<String> subAttributes(String vector) {
        return vectors.getOrDefault(vector, Set.of());
    }

    /** The first restricted attribute the template sets ("NIC/MAC", "PCI"), or null. */
    public String firstIn(Template t) {
        for (Attribute a : t.attributes()) {
            if (a instanceof SingleAttribute && singles.contains(a.name())) {
                return a.name();
            }
            if (a instanceof VectorAttribute va) {
                if (singles.contains(a.name())) {
                    return a.name();
                }
                String sub = firstIn(va);
                if (sub != null) {
                    return a.name() + "/" + sub;
                }
            }
        }
        return null;
    }

    /** The first restricted sub-attribute a vector sets, or null. */
    public String firstIn(VectorAttribute va) {
        for (String s : subAttributes(va.name())) {
            if (va.get(s) != null) {
                return s;
            }
        }
        return null;
    }

    /**
     * For a non-administrator's update of {@code base} with {@code incoming} (merged when {@code append}):
     * the first restricted attribute whose value would change, as OpenNebula's check_restricted decides, or
     * null. Restricted single attributes missing from a replacing template are kept; see {@link #keep}.
     */
    public String changed(Template incoming, Template base, boolean append) {
        for (String s : singles) {
            List<Attribute> now = incoming.all(s);
            if (!now.isEmpty() && !now.equals(base.all(s))) {
                return s;
            }
        }
        for (Map.Entry<String, Set<String>> e : vectors.entrySet()) {
            for (String sub : e.getValue()) {
                List<String> mine = values(incoming, e.getKey(), sub);
                List<String> theirs = values(base, e.getKey(), sub);
                boolean has = !mine.isEmpty() || (!append && !theirs.isEmpty());
                if (has && !mine.equals(theirs)) {
                    return e.getKey() + "/" + sub;
                }
            }
        }
        return null;
    }

    /** {@code incoming} with the restricted single attributes of {@code base} it lacks added back. */
    public Template keep(Template incoming, Template base) {
        Template out = incoming;
        for (String s : singles) {
            if (incoming.all(s).isEmpty()) {
                for (Attribute a : base.all(s)) {
                    out = out.add(a);
                }
            }
        }
        return out;
    }

    private static List<String> values(Template t, String vector, String sub) {
        List<String> out = new ArrayList<>();
        for (VectorAttribute va : t.vectors(vector)) {
            String v = va.get(sub);
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }
}
