package dev.nimbo.core.vm;

import dev.nimbo.core.template.SingleAttribute;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills in a VM's CONTEXT (what the guest's contextualization packages read), as oned generates it: the
 * context disk's DISK_ID (after the VM's disks), with {@code NETWORK = YES} the ETH<i>_* variables of every
 * NIC (MAC, IP, IP6, NETWORK, MASK, GATEWAY, DNS, MTU, SEARCH_DOMAIN, VLAN_ID, METHOD, ...) and the same as
 * PCI<i>_* for every PCI NIC (TYPE = NIC, by its PCI_ID), and
 * {@code $USER[ATTR]} / {@code $UNAME} / {@code $UID} references resolved from the owner. A template without
 * CONTEXT is returned as is. The NICs' values follow the NICs afterwards: {@link #withNic} when a NIC is attached
 * or an automatic NIC gets its network at deploy, {@link #withoutNic} when one is detached. Pure functions.
 */
public final class VmContext {
    /** NIC attribute, ETH<i>_ suffix (each suffix once); in oned's order (a NIC attribute may give two names). */
    private static final List<String[]> ETH = pairs(
            "MAC", "MAC", "IP", "IP", "IP6", "IP6", "IP6_GLOBAL", "IP6_GLOBAL", "IP6_ULA", "IP6_ULA",
            "NETWORK_ADDRESS", "NETWORK", "NETWORK_MASK", "MASK", "GATEWAY", "GATEWAY", "GATEWAY6", "GATEWAY6",
            "DNS", "DNS", "MTU", "MTU", "SEARCH_DOMAIN", "SEARCH_DOMAIN", "VLAN_ID", "VLAN_ID", "METHOD", "METHOD",
            "IP6_METHOD", "IP6_METHOD", "EXTERNAL_IP", "EXTERNAL_IP",
            // the names newer context packages read (oned 6): the IPv6 gateway and prefix, metrics, routes
            "GATEWAY6", "IP6_GATEWAY", "PREFIX_LENGTH", "IP6_PREFIX_LENGTH", "METRIC", "METRIC", "IP6_METRIC",
            "IP6_METRIC", "ROUTES", "ROUTES");
    private static final Pattern USER_VAR = Pattern.compile("\\$USER\\[([A-Za-z0-9_]+)\\]");

    private VmContext() {
    }

    private static List<String[]> pairs(String... kv) {
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < kv.length; i += 2) {
            out.add(new String[] {kv[i], kv[i + 1]});
        }
        return List.copyOf(out);
    }

    /** The template with CONTEXT generated for a VM owned by {@code uid}/{@code uname} with user template {@code owner}. */
    public static Template generate(Template vmTemplate, int uid, String uname, Template owner) {
        List<VectorAttribute> contexts = vmTemplate.vectors("CONTEXT");
        if (contexts.isEmpty()) {
            return vmTemplate;
        }
        VectorAttribute ctx = contexts.get(0);
        List<SingleAttribute> values = new ArrayList<>();
        for (SingleAttribute v : ctx.values()) {
            values.add(new SingleAttribute(v.name(), resolve(v.value(), uid, uname, owner)));
        }
        VectorAttribute out = new VectorAttribute("CONTEXT", values);
        if (networkContext(out)) {
            for (VectorAttribute nic : VmResources.leaseHolders(vmTemplate)) {
                for (Map.Entry<String, String> e : nicValues(nic).entrySet()) {
                    if (out.get(e.getKey()) == null) { // a value the template sets itself stays
                        out = out.with(e.getKey(), e.getValue());
                    }
                }
            }
        }
        if (out.get("DISK_ID") == null) {
            out = out.with("DISK_ID", Integer.toString(vmTemplate.vectors("DISK").size()));
        }
        return vmTemplate.with(out);
    }

    /**
     * The template with CONTEXT's values of {@code nic} (ETH<NIC_ID>_*, or PCI<PCI_ID>_* for a PCI NIC) set from the
     * NIC, as oned does when it makes the context again; unchanged without CONTEXT or with NETWORK other than YES.
     */
    public static Template withNic(Template vmTemplate, VectorAttribute nic) {
        VectorAttribute ctx = networkContext(vmTemplate);
        if (ctx == null) {
            return vmTemplate;
        }
        for (Map.Entry<String, String> e : nicValues(nic).entrySet()) {
            ctx = ctx.with(e.getKey(), e.getValue());
        }
        return vmTemplate.with(ctx);
    }

    /** The template without CONTEXT's values of {@code nic} (a NIC's aliases' included): the NIC left. */
    public static Template withoutNic(Template vmTemplate, VectorAttribute nic) {
        VectorAttribute ctx = networkContext(vmTemplate);
        String prefix = prefix(nic);
        if (ctx == null || prefix == null) {
            return vmTemplate;
        }
        List<SingleAttribute> kept = new ArrayList<>();
        for (SingleAttribute v : ctx.values()) {
            if (!v.name().startsWith(prefix)) {
                kept.add(v);
            }
        }
        return vmTemplate.with(new VectorAttribute("CONTEXT", kept));
    }

    /** "ETH<NIC_ID>_" for a NIC, "PCI<PCI_ID>_" for a PCI NIC; null without the ID. */
    private static String prefix(VectorAttribute nic) {
        boolean pci = nic.name().equals("PCI");
        String id = nic.get(pci ? "PCI_ID" : "NIC_ID");
        return id == null || id.isBlank() ? null : (pci ? "PCI" : "ETH") + id.strip() + "_";
    }

    /** The template's CONTEXT when it asks for network values (NETWORK = YES), else null. */
    private static VectorAttribute networkContext(Template vmTemplate) {
        List<VectorAttribute> contexts = vmTemplate.vectors("CONTEXT");
        return contexts.isEmpty() || !networkContext(contexts.get(0)) ? null : contexts.get(0);
    }

    private static boolean networkContext(VectorAttribute ctx) {
        String network = ctx.get("NETWORK");
        return network != null && network.strip().equalsIgnoreCase("YES");
    }

    /** Context name → value for each non-empty attribute of the NIC (see {@link #prefix}); none without its ID. */
    private static Map<String, String> nicValues(VectorAttribute nic) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        String prefix = prefix(nic);
        if (prefix == null) {
            return out;
        }
        for (String[] e : ETH) {
            String v = nic.get(e[0]);
            String key = prefix + e[1];
            if (v != null && !v.isEmpty()) {
                out.put(key, v);
            }
        }
        return out;
    }

    private static String resolve(String value, int uid, String uname, Template owner) {
        if (value.indexOf('$') < 0) {
            return value;
        }
        Matcher m = USER_VAR.matcher(value);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            String v = owner == null ? null : owner.get(m.group(1));
            m.appendReplacement(b, Matcher.quoteReplacement(v == null ? "" : v));
        }
        m.appendTail(b);
        return b.toString().replace("$UNAME", uname).replace("$UID", Integer.toString(uid));
    }
}
