package dev.nimbo.core.sched;

import dev.nimbo.core.expr.Rank;
import java.util.Locale;

/**
 * The default ranking when a VM gives no SCHED_RANK (or SCHED_DS_RANK), as OpenNebula's scheduler policies:
 * hosts: packing ({@code RUNNING_VMS}: fill busy hosts first), striping ({@code -RUNNING_VMS}: spread),
 * load-aware ({@code FREE_CPU}: least loaded first) or a custom expression; system datastores: packing
 * ({@code -FREE_MB}), striping ({@code FREE_MB}) or custom. Immutable.
 */
public record SchedPolicy(String name, Rank rank) {

    /**
     * A host policy by name ({@code packing}, {@code striping}, {@code load-aware}, {@code custom}; case and '_'
     * or '-' do not matter); {@code custom} uses {@code customRank}. Unknown names are refused.
     */
    public static SchedPolicy host(String name, String customRank) {
        return switch (norm(name)) {
            case "packing" -> new SchedPolicy("packing", Rank.compile("RUNNING_VMS"));
            case "striping", "" -> new SchedPolicy("striping", Rank.compile("- RUNNING_VMS"));
            case "load-aware" -> new SchedPolicy("load-aware", Rank.compile("FREE_CPU"));
            case "custom" -> new SchedPolicy("custom", Rank.compile(customRank));
            default -> throw new IllegalArgumentException("unknown scheduling policy \"" + name
                    + "\" (packing, striping, load-aware or custom)");
        };
    }

    /** A system datastore policy by name: {@code packing}, {@code striping} (default) or {@code custom}. */
    public static SchedPolicy datastore(String name, String customRank) {
        return switch (norm(name)) {
            case "packing" -> new SchedPolicy("packing", Rank.compile("- FREE_MB"));
            case "striping", "" -> new SchedPolicy("striping", Rank.compile("FREE_MB"));
            case "custom" -> new SchedPolicy("custom", Rank.compile(customRank));
            default -> throw new IllegalArgumentException("unknown datastore scheduling policy \"" + name
                    + "\" (packing, striping or custom)");
        };
    }

    private static String norm(String name) {
        return name == null ? "" : name.strip().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
