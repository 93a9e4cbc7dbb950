package dev.nimbo.core.vm;

import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * one.vm.updateconf: the configuration sections of a VM's TEMPLATE a user may change after creation, as oned
 * allows them: OS, FEATURES, INPUT, GRAPHICS, VIDEO, RAW and CPU_MODEL (only their listed sub-attributes), and the
 * values of CONTEXT (which must exist already; its network ETH*_ values are kept, they follow the NICs). Replace
 * mode drops what the update leaves out, append mode keeps it. Allowed while the VM is not running or is RUNNING
 * (then a changed CONTEXT is pushed to the hypervisor through HOTPLUG) and in the phases oned lists; refused
 * elsewhere naming the state. Pure functions.
 */
public final class VmUpdateconf {
    /** The sections and the sub-attributes of each that may be updated (oned's UPDATECONF_ATTRS). */
    static final Map<String, List<String>> SECTIONS = new LinkedHashMap<>();
    private static final Pattern ETH = Pattern.compile("ETH\\d+_\\w+");
    /** The NICs' values (ETH<i>_*, and PCI<i>_* of PCI NICs): they follow the NICs, a replace keeps them. */
    private static final Pattern NIC_VALUE = Pattern.compile("(ETH|PCI)\\d+_\\w+");
    private static final Set<LcmState> ACTIVE_ALLOWED = EnumSet.of(LcmState.LCM_INIT, LcmState.PROLOG,
            LcmState.RUNNING, LcmState.EPILOG, LcmState.SHUTDOWN, LcmState.CLEANUP_RESUBMIT,
            LcmState.SHUTDOWN_POWEROFF, LcmState.CLEANUP_DELETE, LcmState.HOTPLUG_SAVEAS_POWEROFF,
            LcmState.SHUTDOWN_UNDEPLOY, LcmState.EPILOG_UNDEPLOY, LcmState.PROLOG_UNDEPLOY,
            LcmState.HOTPLUG_PROLOG_POWEROFF, LcmState.HOTPLUG_EPILOG_POWEROFF, LcmState.BOOT_FAILURE,
            LcmState.PROLOG_FAILURE, LcmState.EPILOG_FAILURE, LcmState.EPILOG_UNDEPLOY_FAILURE,
            LcmState.PROLOG_MIGRATE_POWEROFF, LcmState.PROLOG_MIGRATE_POWEROFF_FAILURE, LcmState.BOOT_UNDEPLOY_FAILURE,
            LcmState.PROLOG_UNDEPLOY_FAILURE, LcmState.DISK_SNAPSHOT_POWEROFF, LcmState.DISK_SNAPSHOT_REVERT_POWEROFF,
            LcmState.DISK_SNAPSHOT_DELETE_POWEROFF);

    static {
        SECTIONS.put("OS", List.of("ARCH", "MACHINE", "KERNEL", "INITRD", "BOOTLOADER", "BOOT", "KERNEL_CMD", "ROOT",
                "SD_DISK_BUS", "UUID", "FIRMWARE", "FIRMWARE_FORMAT"));
        SECTIONS.put("FEATURES", List.of("PAE", "ACPI", "APIC", "LOCALTIME", "HYPERV", "GUEST_AGENT",
                "VIRTIO_SCSI_QUEUES", "VIRTIO_BLK_QUEUES", "IOTHREADS", "GIC", "RAS", "MIGRATE_AUTO_CONVERGE",
                "MIGRATE_COMPRESSED"));
        SECTIONS.put("INPUT", List.of("TYPE", "BUS"));
        SECTIONS.put("GRAPHICS", List.of("TYPE", "LISTEN", "PASSWD", "KEYMAP", "COMMAND"));
        SECTIONS.put("VIDEO", List.of("IOMMU", "ATS", "TYPE", "VRAM", "RESOLUTION"));
        SECTIONS.put("RAW", List.of("TYPE", "DATA", "VALIDATE", "DATA_VMX"));
        SECTIONS.put("CPU_MODEL", List.of("MODEL", "FEATURES"));
    }

    private VmUpdateconf() {
    }

    /** The outcome: the new TEMPLATE, and whether CONTEXT changed (a running VM then tells its hypervisor). */
    public record Result(Template template, boolean contextChanged) {
    }

    /** The part of {@code update} updateconf looks at: the sections' listed sub-attributes, and CONTEXT. */
    public static Template relevant(Template update) {
        List<dev.nimbo.core.template.Attribute> out = new ArrayList<>();
        for (var e : SECTIONS.entrySet()) {
            List<VectorAttribute> vs = update.vectors(e.getKey());
            if (!vs.isEmpty()) {
                out.add(filter(vs.get(0), e.getValue()));
            }
        }
        List<VectorAttribute> ctx = update.vectors("CONTEXT");
        if (!ctx.isEmpty()) {
            out.add(ctx.get(0));
        }
        return Template.of(out);
    }

    /** INTERNAL "configuration cannot be updated in state S" where oned refuses. */
    public static void checkState(VirtualMachine vm) {
        Phase p = vm.phase();
        boolean ok = switch (p.state()) {
            case PENDING, HOLD, POWEROFF, UNDEPLOYED, CLONING, CLONING_FAILURE -> true;
            case ACTIVE -> ACTIVE_ALLOWED.contains(p.lcm());
            default -> false;
        };
        if (!ok) {
            throw ApiException.internal("configuration cannot be updated in state " + p.text());
        }
    }

    /** Applies {@code update} (already {@link #relevant}) to the VM's TEMPLATE; INTERNAL with oned's reason. */
    public static Result apply(VirtualMachine vm, Template update, boolean append) {
        checkState(vm);
        Template t = vm.vmTemplate();
        for (var e : SECTIONS.entrySet()) {
            List<VectorAttribute> nv = update.vectors(e.getKey());
            List<VectorAttribute> ov = t.vectors(e.getKey());
            if (nv.isEmpty()) {
                if (!append) {
                    t = t.without(e.getKey());
                }
            } else if (ov.isEmpty()) {
                t = t.add(filter(nv.get(0), e.getValue()));
            } else {
                VectorAttribute merged = ov.get(0);
                for (String k : e.getValue()) {
                    String v = nv.get(0).get(k);
                    if (v != null) {
                        merged = merged.with(k, v);
                    } else if (!append) {
                        merged = merged.without(k);
                    }
                }
                t = t.with(merged);
            }
        }
        boolean changed = false;
        List<VectorAttribute> newCtx = update.vectors("CONTEXT");
        List<VectorAttribute> oldCtx = t.vectors("CONTEXT");
        if (!newCtx.isEmpty()) {
            if (oldCtx.isEmpty()) {
                throw ApiException.internal("Virtual machine does not have context, cannot add a new one.");
            }
            Map<String, String> old = values(oldCtx.get(0));
            Map<String, String> nu = values(newCtx.get(0));
            for (var e : nu.entrySet()) {
                String before = old.get(e.getKey());
                if (e.getValue().equals(before)) {
                    continue;
                }
                if (ETH.matcher(e.getKey()).matches()) {
                    throw ApiException.internal("Unable to " + (before == null ? "add " : "update ") + e.getKey()
                            + ", update NIC to update network context");
                }
                changed = true;
            }
            Map<String, String> result = new TreeMap<>(append ? old : Map.of());
            if (!append) {
                for (var e : old.entrySet()) {
                    if (NIC_VALUE.matcher(e.getKey()).matches() || e.getKey().equals("TARGET")
                            || e.getKey().equals("DISK_ID")) {
                        result.put(e.getKey(), e.getValue());
                    } else if (!nu.containsKey(e.getKey())) {
                        changed = true;
                    }
                }
            }
            nu.forEach((k, v) -> {
                if (!k.equals("TARGET") && !k.equals("DISK_ID")) {
                    result.put(k, v);
                }
            });
            List<SingleAttribute> values = new ArrayList<>();
            result.forEach((k, v) -> values.add(new SingleAttribute(k, v)));
            t = t.with(new VectorAttribute("CONTEXT", values));
        }
        return new Result(VmDefinition.sorted(t), changed);
    }

    private static Map<String, String> values(VectorAttribute v) {
        Map<String, String> m = new TreeMap<>();
        for (SingleAttribute a : v.values()) {
            m.put(a.name(), a.value());
        }
        return m;
    }

    private static VectorAttribute filter(VectorAttribute v, List<String> allowed) {
        List<SingleAttribute> out = new ArrayList<>();
        for (SingleAttribute a : v.values()) {
            if (allowed.contains(a.name())) {
                out.add(a);
            }
        }
        return new VectorAttribute(v.name(), out);
    }
}
