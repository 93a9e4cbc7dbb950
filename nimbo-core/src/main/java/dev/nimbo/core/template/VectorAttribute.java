package dev.nimbo.core.template;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code NAME = [ K1 = v1, K2 = v2 ]}. Sub-attributes keep their order; they are single values only
 * (vectors do not nest). Immutable: the modifiers return a new vector.
 */
public record VectorAttribute(String name, List<SingleAttribute> values) implements Attribute {

    public VectorAttribute {
        name = Names.normalize(name);
        values = List.copyOf(values);
    }

    /** First value for the key (case-insensitive), or null. */
    public String get(String key) {
        String k = Names.key(key);
        for (SingleAttribute v : values) {
            if (v.name().equals(k)) {
                return v.value();
            }
        }
        return null;
    }

    /** Sets the key: replaces its first occurrence in place (dropping any repeats) or appends it. */
    public VectorAttribute with(String key, String value) {
        SingleAttribute added = new SingleAttribute(key, value);
        List<SingleAttribute> out = new ArrayList<>(values.size() + 1);
        boolean placed = false;
        for (SingleAttribute v : values) {
            if (!v.name().equals(added.name())) {
                out.add(v);
            } else if (!placed) {
                out.add(added);
                placed = true;
            }
        }
        if (!placed) {
            out.add(added);
        }
        return new VectorAttribute(name, out);
    }

    /** Removes every occurrence of the key. */
    public VectorAttribute without(String key) {
        String k = Names.key(key);
        List<SingleAttribute> out = new ArrayList<>(values.size());
        for (SingleAttribute v : values) {
            if (!v.name().equals(k)) {
                out.add(v);
            }
        }
        return out.size() == values.size() ? this : new VectorAttribute(name, out);
    }
}
