package dev.nimbo.core.expr;

import java.util.List;

/**
 * What an expression reads: the values of a named attribute of the object it is evaluated against (a host, a
 * datastore, a network). Names are as the expression spells them (upper case by convention; a quoted name may be
 * a path such as {@code "CLUSTERS/ID"}). Implementations must be safe to call from the evaluating thread only.
 */
public interface Attributes {

    /** The first value of the attribute, or null when the object has none. */
    String get(String name);

    /** The attribute as a number, NaN when missing or not numeric; override to skip the text round trip. */
    default double number(String name) {
        return Numbers.parse(get(name));
    }

    /** Every value of the attribute (for {@code @>}); empty when none. */
    default List<String> all(String name) {
        String v = get(name);
        return v == null ? List.of() : List.of(v);
    }
}
