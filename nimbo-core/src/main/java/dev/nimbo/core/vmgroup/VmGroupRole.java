package dev.nimbo.core.vmgroup;

import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One role of a VM group: its attributes as the {@code ROLE} vector OpenNebula stores (ID, NAME, POLICY,
 * HOST_AFFINED, HOST_ANTI_AFFINED, VMS and anything else the user set), keys kept sorted as OpenNebula prints them.
 * Immutable.
 */
public record VmGroupRole(VectorAttribute attributes) {

    public VmGroupRole {
        List<SingleAttribute> sorted = new ArrayList<>(attributes.values());
        sorted.sort(Comparator.comparing(SingleAttribute::name));
        attributes = new VectorAttribute("ROLE", sorted);
    }

    public int id() {
        String s = attributes.get("ID");
        return s == null ? -1 : Integer.parseInt(s.strip());
    }

    public String name() {
        String s = attributes.get("NAME");
        return s == null ? "" : s;
    }

    /**
     * AFFINED, ANTI_AFFINED, Nimbo's SOFT_AFFINED / SOFT_ANTI_AFFINED or, for anything else (or nothing), NONE, as
     * OpenNebula reads POLICY (a misspelt SOFT_ policy is refused by {@link #policyProblem}).
     */
    public VmGroupPolicy policy() {
        String p = attributes.get("POLICY");
        if (p == null) {
            return VmGroupPolicy.NONE;
        }
        return switch (p.strip().toUpperCase(Locale.ROOT)) {
            case "AFFINED" -> VmGroupPolicy.AFFINED;
            case "ANTI_AFFINED" -> VmGroupPolicy.ANTI_AFFINED;
            case "SOFT_AFFINED" -> VmGroupPolicy.SOFT_AFFINED;
            case "SOFT_ANTI_AFFINED" -> VmGroupPolicy.SOFT_ANTI_AFFINED;
            default -> VmGroupPolicy.NONE;
        };
    }

    /**
     * Why POLICY is refused, or null. OpenNebula reads an unknown POLICY as NONE and Nimbo keeps that for its
     * values; a SOFT_ one that is not Nimbo's would silently lose the preference the user asked for.
     */
    String policyProblem() {
        String p = attributes.get("POLICY");
        if (p == null) {
            return null;
        }
        String v = p.strip().toUpperCase(Locale.ROOT);
        if (v.startsWith("SOFT") && policy() == VmGroupPolicy.NONE) {
            return "POLICY " + p + " in role " + name() + " is not one of AFFINED, ANTI_AFFINED, SOFT_AFFINED, "
                    + "SOFT_ANTI_AFFINED, NONE";
        }
        return null;
    }

    /** The VMs placed in this role (VMS = "1,5,7"). */
    public SortedSet<Integer> vms() {
        return ids(attributes.get("VMS"));
    }

    /** Hosts the role's VMs must run on (empty: any). */
    public SortedSet<Integer> hostAffined() {
        return ids(attributes.get("HOST_AFFINED"));
    }

    /** Hosts the role's VMs must not run on. */
    public SortedSet<Integer> hostAntiAffined() {
        return ids(attributes.get("HOST_ANTI_AFFINED"));
    }

    public VmGroupRole withName(String newName) {
        return new VmGroupRole(attributes.with("NAME", newName));
    }

    public VmGroupRole withVms(SortedSet<Integer> vms) {
        if (vms.isEmpty()) {
            return new VmGroupRole(attributes.without("VMS"));
        }
        StringBuilder b = new StringBuilder();
        for (int vm : vms) {
            b.append(b.isEmpty() ? "" : ",").append(vm);
        }
        return new VmGroupRole(attributes.with("VMS", b.toString()));
    }

    /**
     * The role after {@code roleupdate}: every attribute given replaces the current one; ID and VMS are system
     * attributes and cannot be changed this way.
     */
    public VmGroupRole merged(VectorAttribute update) {
        VectorAttribute v = attributes;
        for (SingleAttribute s : update.values()) {
            if (s.name().equals("ID") || s.name().equals("VMS")) {
                continue;
            }
            v = v.with(s.name(), s.value());
        }
        return new VmGroupRole(v);
    }

    /** Comma-separated IDs to a set; blanks are skipped. Callers validate the syntax with {@link #idListProblem}. */
    static SortedSet<Integer> ids(String list) {
        TreeSet<Integer> out = new TreeSet<>();
        if (list == null || list.isBlank()) {
            return Collections.unmodifiableSortedSet(out);
        }
        for (String part : list.split(",")) {
            String t = part.strip();
            if (!t.isEmpty()) {
                try {
                    out.add(Integer.parseInt(t));
                } catch (NumberFormatException ignored) {
                    // refused at validation; stored documents are trusted
                }
            }
        }
        return Collections.unmodifiableSortedSet(out);
    }

    /** Why a host list such as "1, 4,7" is malformed, or null when it is a list of non-negative IDs. */
    static String idListProblem(String attribute, String list) {
        if (list == null || list.isBlank()) {
            return null;
        }
        for (String part : list.split(",")) {
            String t = part.strip();
            if (!t.isEmpty() && !t.matches("\\d{1,9}")) {
                return attribute + " must be a comma-separated list of host IDs, got '" + list + "'";
            }
        }
        return null;
    }
}
