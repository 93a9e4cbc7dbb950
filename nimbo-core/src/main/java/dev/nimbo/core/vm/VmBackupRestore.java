package dev.nimbo.core.vm;

import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import dev.nimbo.core.xml.XmlNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * one.image.restore's VM template: the VM document kept with a backup turned back into a template whose disks are
 * the images restored from the backup, as OpenNebula's backup restore builds it (TEMPLATE merged with
 * USER_TEMPLATE; what belonged to the old VM's placement, leases and images dropped: DISK image and datastore
 * attributes, the VM's IDs and automatic requirements, CONTEXT's DISK_ID and ETH and PCI values, GRAPHICS PORT,
 * NUMA placement, OS UUID; NIC addresses with NO_IP, every NIC with NO_NIC). Volatile disks that were not backed
 * up are created afresh. Pure functions.
 */
public final class VmBackupRestore {
    private static final Set<String> DISK_DROP = Set.of("ALLOW_ORPHANS", "CLONE", "CLONE_TARGET", "CLUSTER_ID",
            "DATASTORE", "DATASTORE_ID", "DISK_SNAPSHOT_TOTAL_SIZE", "DISK_TYPE", "DRIVER", "IMAGE", "IMAGE_STATE",
            "IMAGE_UID", "IMAGE_UNAME", "LN_TARGET", "OPENNEBULA_MANAGED", "ORIGINAL_SIZE", "PERSISTENT", "READONLY",
            "SAVE", "SOURCE", "TARGET", "TM_MAD", "FORMAT", "DISK_ID", "SIZE", "TYPE", "IMAGE_ID",
            VmBackups.RESTORE_IMAGE, VmBackups.RESTORE_INCREMENT);
    private static final Set<String> NIC_DROP = Set.of("AR_ID", "BRIDGE", "BRIDGE_TYPE", "CLUSTER_ID", "NAME",
            "NETWORK_ID", "NIC_ID", "TARGET", "VLAN_ID", "VN_MAD", "VLAN_TAGGED_ID", "PHYDEV");
    private static final Set<String> NIC_ADDRESS = Set.of("IP", "IP6", "IP6_ULA", "IP6_GLOBAL", "MAC");
    private static final Set<String> TOP_DROP = Set.of("AUTOMATIC_DS_REQUIREMENTS", "AUTOMATIC_NIC_REQUIREMENTS",
            "AUTOMATIC_REQUIREMENTS", "VMID", "TEMPLATE_ID", "TM_MAD_SYSTEM", "SECURITY_GROUP_RULE", "ERROR",
            "SNAPSHOT", "NAME");
    private static final Pattern CONTEXT_DROP = Pattern.compile("DISK_ID|ETH[0-9]?.*|PCI[0-9]?.*");

    private VmBackupRestore() {
    }

    /** The VM's ID in a backup's VM document. */
    public static int vmId(XmlNode vm) {
        return vm.integer("ID", -1);
    }

    /** DISK_ID → SIZE in MB of the disks in a backup's VM document. */
    public static Map<Integer, Long> diskSizes(XmlNode vm) {
        Map<Integer, Long> out = new java.util.TreeMap<>();
        XmlNode t = vm.child("TEMPLATE");
        if (t != null) {
            for (XmlNode d : t.all("DISK")) {
                int id = d.integer("DISK_ID", -1);
                if (id >= 0) {
                    out.put(id, Math.max(0, (long) parse(d.text("SIZE", "0"))));
                }
            }
        }
        return out;
    }

    /**
     * The template for the restored VM named {@code name}: {@code images} maps each restored DISK_ID to its new
     * image; other disks are dropped, except volatile ones (created afresh) and CD-ROMs (still their image).
     */
    public static Template template(XmlNode vm, Map<Integer, Integer> images, String name, boolean noIp,
                                    boolean noNic) {
        XmlNode tn = vm.child("TEMPLATE");
        XmlNode un = vm.child("USER_TEMPLATE");
        List<Attribute> out = new ArrayList<>();
        for (Template part : new Template[] {tn == null ? Template.EMPTY : Template.fromXml(tn),
                un == null ? Template.EMPTY : Template.fromXml(un)}) {
            for (Attribute a : part.attributes()) {
                Attribute kept = keep(a, images, noIp, noNic);
                if (kept != null) {
                    out.add(kept);
                }
            }
        }
        out.add(0, new SingleAttribute("NAME", name));
        return Template.of(out);
    }

    private static Attribute keep(Attribute a, Map<Integer, Integer> images, boolean noIp, boolean noNic) {
        String n = a.name();
        if (TOP_DROP.contains(n)) {
            return null;
        }
        if (!(a instanceof VectorAttribute v)) {
            return a;
        }
        return switch (n) {
            case "DISK" -> disk(v, images);
            case "NIC", "NIC_ALIAS" -> noNic ? null : drop(v, s -> NIC_DROP.contains(s) || (noIp
                    && NIC_ADDRESS.contains(s)));
            case "CONTEXT" -> drop(v, s -> CONTEXT_DROP.matcher(s).matches());
            case "GRAPHICS" -> drop(v, "PORT"::equals);
            case "NUMA_NODE" -> drop(v, s -> s.equals("CPUS") || s.equals("MEMORY_NODE_ID") || s.equals("NODE_ID"));
            case "OS" -> drop(v, "UUID"::equals);
            default -> v;
        };
    }

    private static VectorAttribute disk(VectorAttribute d, Map<Integer, Integer> images) {
        int id = VmResources.intOr(d.get("DISK_ID"), -1);
        String type = d.get("TYPE") == null ? "" : d.get("TYPE").strip().toUpperCase(Locale.ROOT);
        Integer restored = images.get(id);
        if (restored != null) {
            return drop(d, DISK_DROP::contains).with("IMAGE_ID", Integer.toString(restored));
        }
        if (type.equals("FS") || type.equals("SWAP")) {
            return drop(d, s -> !s.equals("TYPE") && !s.equals("SIZE") && !s.equals("FORMAT")
                    && !s.equals("DEV_PREFIX")); // a fresh volatile disk of the same shape
        }
        if (type.equals("CDROM") || type.equals("RBD_CDROM")) {
            return drop(d, s -> DISK_DROP.contains(s) && !s.equals("IMAGE_ID"));
        }
        return null; // an image disk the backup does not hold
    }

    private static VectorAttribute drop(VectorAttribute v, java.util.function.Predicate<String> gone) {
        List<SingleAttribute> l = new ArrayList<>();
        for (SingleAttribute s : v.values()) {
            if (!gone.test(s.name())) {
                l.add(s);
            }
        }
        return new VectorAttribute(v.name(), l);
    }

    private static double parse(String v) {
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
