package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.NameRules;
import dev.nimbo.core.template.Attribute;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Turns the template a VM is created from into its TEMPLATE and USER_TEMPLATE, as oned's VirtualMachine::insert
 * does: NAME (default {@code <TEMPLATE_NAME or "one">-<id>}) is taken out; the attributes Nimbo manages (CPU,
 * MEMORY, VCPU, DISK, NIC, CONTEXT, OS, GRAPHICS, …) move to TEMPLATE with VMID, after checking CPU (positive
 * number), MEMORY (positive integer), VCPU (positive integer) and the costs (non-negative numbers); the rest stays
 * in USER_TEMPLATE. TEMPLATE keeps its attributes sorted by name, the order oned prints them and vm.xsd lists
 * them. Pure functions.
 */
public final class VmDefinition {

    /** Attributes that belong in TEMPLATE, moved there as they are. */
    static final Set<String> MANAGED = Set.of("CONTEXT", "DISK", "NIC", "NIC_ALIAS", "NIC_DEFAULT", "OS", "FEATURES",
            "GRAPHICS", "VIDEO", "INPUT", "RAW", "CLONING_TEMPLATE_ID", "TOPOLOGY", "NUMA_NODE", "HYPERV_OPTIONS",
            "SPICE_OPTIONS", "EMULATOR", "PCI", "TPM", "MEMORY_ENCRYPTION", "VMGROUP", "MEMORY_RESIZE_MODE",
            "MEMORY_MAX", "MEMORY_SLOTS", "VCPU_MAX", "TEMPLATE_ID", "SCHED_ACTION", "SECURITY_GROUP_RULE",
            "VROUTER_ID", "VROUTER_KEEPALIVED_ID", "VROUTER_KEEPALIVED_PASSWORD", "IMPORTED", "CPU_MODEL");

    /** Attributes only Nimbo sets; a user template cannot bring them. */
    static final Set<String> SYSTEM = Set.of("VMID", "AUTOMATIC_REQUIREMENTS", "AUTOMATIC_DS_REQUIREMENTS",
            "AUTOMATIC_NIC_REQUIREMENTS", "TM_MAD_SYSTEM");

    /** oned's requirement for VMs that are neither public-cloud nor pinned. */
    public static final String AUTOMATIC_REQUIREMENTS = "!(PUBLIC_CLOUD = YES) & !(PIN_POLICY = PINNED)";

    /** The result: the VM's name, TEMPLATE, USER_TEMPLATE, and whether it asked to start on hold. */
    public record Parsed(String name, Template vmTemplate, Template userTemplate, boolean submitOnHold) {
    }

    private VmDefinition() {
    }

    /** Splits and checks {@code t} for VM {@code vmId}; ALLOCATE errors carry oned's messages. */
    public static Parsed parse(Template t, int vmId) {
        String name = t.get("NAME");
        String prefix = t.get("TEMPLATE_NAME");
        if (name == null || name.isBlank()) {
            name = (prefix == null || prefix.isBlank() ? "one" : prefix.strip()) + "-" + vmId;
        }
        String problem = NameRules.problem(name, "");
        if (problem != null) {
            throw error(problem + ".");
        }
        List<Attribute> sys = new ArrayList<>();
        List<Attribute> user = new ArrayList<>();
        boolean hold = false;
        for (Attribute a : t.attributes()) {
            String n = a.name();
            if (n.equals("NAME") || n.equals("TEMPLATE_NAME") || SYSTEM.contains(n)) {
                continue;
            }
            if (n.equals("SUBMIT_ON_HOLD")) {
                hold = a instanceof SingleAttribute s && isTrue(s.value());
                continue;
            }
            if (n.equals("MEMORY_RESIZE_MODE") && a instanceof SingleAttribute mode) {
                sys.add(new SingleAttribute(n, memoryResizeMode(mode.value())));
            } else if (MANAGED.contains(n)) {
                sys.add(a);
            } else if (!n.equals("CPU") && !n.equals("MEMORY") && !n.equals("VCPU") && !n.endsWith("_COST")) {
                user.add(a);
            }
        }
        sys.add(new SingleAttribute("MEMORY", Long.toString(positiveInt(t.get("MEMORY"), "MEMORY"))));
        sys.add(new SingleAttribute("CPU", number(t.get("CPU"), "CPU", true)));
        String vcpu = t.get("VCPU");
        if (vcpu != null && !vcpu.isBlank()) {
            sys.add(new SingleAttribute("VCPU", Long.toString(positiveInt(vcpu, "VCPU"))));
        }
        for (String cost : List.of("CPU_COST", "MEMORY_COST", "DISK_COST")) {
            String v = t.get(cost);
            if (v != null) {
                sys.add(new SingleAttribute(cost, number(v, cost, false)));
            } else if (t.get(cost) == null && !t.all(cost).isEmpty()) {
                throw error(cost + " attribute must be a positive float or integer value.");
            }
        }
        if (hold) {
            sys.add(new SingleAttribute("SUBMIT_ON_HOLD", "YES"));
        }
        sys.add(new SingleAttribute("VMID", Integer.toString(vmId)));
        sys.add(new SingleAttribute("AUTOMATIC_REQUIREMENTS", AUTOMATIC_REQUIREMENTS));
        sys.add(new SingleAttribute("TM_MAD_SYSTEM", ""));
        return new Parsed(name, sorted(Template.of(sys)), Template.of(user), hold);
    }

    /** TEMPLATE's attributes in the order vm.xsd's sequence lists them. */
    private static final List<String> XSD_ORDER = List.of("AUTOMATIC_DS_REQUIREMENTS", "AUTOMATIC_NIC_REQUIREMENTS",
            "AUTOMATIC_REQUIREMENTS", "CLONING_TEMPLATE_ID", "CONTEXT", "CPU", "CPU_COST", "DISK", "DISK_COST",
            "EMULATOR", "FEATURES", "HYPERV_OPTIONS", "GRAPHICS", "VIDEO", "IMPORTED", "INPUT", "MEMORY", "MEMORY_COST",
            "MEMORY_MAX", "MEMORY_SLOTS", "MEMORY_RESIZE_MODE", "NIC", "NIC_ALIAS", "NIC_DEFAULT", "NUMA_NODE", "OS",
            "PCI", "QEMU_GA_EXEC", "RAW", "SECURITY_GROUP_RULE", "SNAPSHOT", "SPICE_OPTIONS", "SUBMIT_ON_HOLD",
            "TEMPLATE_ID", "TM_MAD_SYSTEM", "TOPOLOGY", "TPM", "MEMORY_ENCRYPTION", "VCPU", "VCPU_MAX", "VMGROUP", "VMID",
            "VROUTER_ID", "VROUTER_KEEPALIVED_ID", "VROUTER_KEEPALIVED_PASSWORD", "SCHED_ACTION");
    private static final java.util.Map<String, Integer> XSD_RANK = new java.util.HashMap<>();

    static {
        for (int i = 0; i < XSD_ORDER.size(); i++) {
            XSD_RANK.put(XSD_ORDER.get(i), i);
        }
    }

    /**
     * The template with its attributes in vm.xsd's order (mostly by name; same-name attributes keep their
     * order); names the schema does not list go before SCHED_ACTION, by name.
     */
    public static Template sorted(Template t) {
        List<Attribute> l = new ArrayList<>(t.attributes());
        int unknown = XSD_RANK.get("SCHED_ACTION");
        l.sort(Comparator.<Attribute>comparingInt(a -> XSD_RANK.getOrDefault(a.name(), unknown - 1))
                .thenComparing(a -> XSD_RANK.containsKey(a.name()) ? "" : a.name()));
        return Template.of(l);
    }

    /** MEMORY_RESIZE_MODE in capitals, as oned keeps it: BALLOONING or HOTPLUG. */
    private static String memoryResizeMode(String v) {
        String mode = v == null ? "" : v.strip().toUpperCase(java.util.Locale.ROOT);
        if (!mode.equals("BALLOONING") && !mode.equals("HOTPLUG")) {
            throw error("Unknown MEMORY_RESIZE_MODE: " + mode);
        }
        return mode;
    }

    private static long positiveInt(String v, String attr) {
        try {
            long n = Long.parseLong(v == null ? "" : v.strip());
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error(attr + " attribute must be a positive integer value.");
    }

    private static String number(String v, String attr, boolean positive) {
        try {
            double d = Double.parseDouble(v == null ? "" : v.strip());
            if (Double.isFinite(d) && (positive ? d > 0 : d >= 0)) {
                return v.strip();
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw error(attr + " attribute must be a positive float or integer value.");
    }

    private static boolean isTrue(String v) {
        String s = v == null ? "" : v.strip();
        return s.equalsIgnoreCase("YES") || s.equalsIgnoreCase("TRUE") || s.equals("1");
    }

    private static ApiException error(String reason) {
        return ApiException.allocate("virtual machine", reason);
    }
}
