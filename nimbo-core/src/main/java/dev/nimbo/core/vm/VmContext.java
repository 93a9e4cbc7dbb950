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
 * NIC (MAC, IP, IP6, NETWORK, MASK, GATEWAY, DNS, MTU, SEARCH_DOMAIN, VLAN_ID, METHOD, ...), and
 * {@code $USER[ATTR]} / {@code $UNAME} / {@code $UID} references resolved from the owner. A template without
 * CONTEXT is returned as is. Pure function.
 */
public final class VmContext {
    /** NIC attribute → ETH<i>_ suffix, in oned's order. */
    private static final Map<String, String> ETH = orderedMap(
            "MAC", "MAC", "IP", "IP", "IP6", "IP6", "IP6_GLOBAL", "IP6_GLOBAL", "IP6_ULA", "IP6_ULA",
            "NETWORK_ADDRESS", "NETWORK", "NETWORK_MASK", "MASK", "GATEWAY", "GATEWAY", "GATEWAY6", "GATEWAY6",
            "DNS", "DNS", "MTU", "MTU", "SEARCH_DOMAIN", "SEARCH_DOMAIN", "VLAN_ID", "VLAN_ID", "METHOD", "METHOD",
            "IP6_METHOD", "IP6_METHOD", "EXTERNAL_IP", "EXTERNAL_IP");
    private static final Pattern USER_VAR = Pattern.compile("\\$USER\\[([A-Za-z0-9_]+)\\]");

    private VmContext() {
    }

    private static Map<String, String> orderedMap(String... kv) {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
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
        if ("YES".equalsIgnoreCase(out.get("NETWORK") == null ? "" : out.get("NETWORK").strip())) {
            for (VectorAttribute nic : vmTemplate.vectors("NIC")) {
                String id = nic.get("NIC_ID");
                if (id == null) {
                    continue;
                }
                for (Map.Entry<String, String> e : ETH.entrySet()) {
                    String v = nic.get(e.getKey());
                    String key = "ETH" + id.strip() + "_" + e.getValue();
                    if (v != null && !v.isEmpty() && out.get(key) == null) {
                        out = out.with(key, v);
                    }
                }
            }
        }
        if (out.get("DISK_ID") == null) {
            out = out.with("DISK_ID", Integer.toString(vmTemplate.vectors("DISK").size()));
        }
        return vmTemplate.with(out);
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
