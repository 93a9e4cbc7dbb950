package dev.nimbo.core.sched;

import dev.nimbo.core.expr.ExprException;
import dev.nimbo.core.expr.Rank;
import dev.nimbo.core.expr.Requirement;
import dev.nimbo.core.template.Template;
import dev.nimbo.core.template.VectorAttribute;
import java.util.List;

/**
 * The scheduling expressions a VM carries, checked when it is created or its USER_TEMPLATE changes, so a typo is
 * reported to whoever made it instead of leaving the VM pending forever: SCHED_REQUIREMENTS, SCHED_RANK,
 * SCHED_DS_REQUIREMENTS and SCHED_DS_RANK of the USER_TEMPLATE, and SCHED_REQUIREMENTS/SCHED_RANK of each NIC.
 * Pure.
 */
public final class SchedExpressions {
    public static final String REQUIREMENTS = "SCHED_REQUIREMENTS";
    public static final String RANK = "SCHED_RANK";
    public static final String DS_REQUIREMENTS = "SCHED_DS_REQUIREMENTS";
    public static final String DS_RANK = "SCHED_DS_RANK";

    private SchedExpressions() {
    }

    /** Null when every expression parses, else the first problem, e.g. {@code SCHED_RANK: syntax error at ...}. */
    public static String problem(Template userTemplate, Template vmTemplate) {
        for (String name : List.of(REQUIREMENTS, DS_REQUIREMENTS)) {
            String p = requirement(name, userTemplate.get(name));
            if (p != null) {
                return p;
            }
        }
        for (String name : List.of(RANK, DS_RANK)) {
            String p = rank(name, userTemplate.get(name));
            if (p != null) {
                return p;
            }
        }
        if (vmTemplate != null) {
            for (VectorAttribute nic : vmTemplate.vectors("NIC")) {
                String p = requirement("NIC " + REQUIREMENTS, nic.get(REQUIREMENTS));
                if (p == null) {
                    p = rank("NIC " + RANK, nic.get(RANK));
                }
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    private static String requirement(String name, String text) {
        ExprException e = Requirement.check(text);
        return e == null ? null : name + " \"" + text + "\": " + e.getMessage();
    }

    private static String rank(String name, String text) {
        ExprException e = Rank.check(text);
        return e == null ? null : name + " \"" + text + "\": " + e.getMessage();
    }
}
