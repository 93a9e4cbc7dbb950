package dev.nimbo.core.sched;

import dev.nimbo.core.expr.Rank;
import dev.nimbo.core.expr.Requirement;
import java.util.HashMap;
import java.util.Map;

/**
 * Compiled expressions by their text, so the many VMs of a cycle that share a template (and the same
 * AUTOMATIC_REQUIREMENTS) compile each expression once. Bounded: forgets everything past 4,096 texts. Parse errors
 * are not cached (they are rare and rethrown each time). Not thread-safe: one scheduler thread.
 */
public final class ExprCache {
    private static final int MAX = 4096;

    private final Map<String, Requirement> requirements = new HashMap<>();
    private final Map<String, Rank> ranks = new HashMap<>();

    public Requirement requirement(String text) {
        if (text == null || text.isBlank()) {
            return Requirement.ALWAYS;
        }
        Requirement r = requirements.get(text);
        if (r == null) {
            r = Requirement.compile(text);
            if (requirements.size() >= MAX) {
                requirements.clear();
            }
            requirements.put(text, r);
        }
        return r;
    }

    /** The compiled rank, or null for a blank text (the policy decides). */
    public Rank rank(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        Rank r = ranks.get(text);
        if (r == null) {
            r = Rank.compile(text);
            if (ranks.size() >= MAX) {
                ranks.clear();
            }
            ranks.put(text, r);
        }
        return r;
    }
}
