package dev.nimbo.core.template;

/** One template attribute: a single {@code NAME = value} or a vector {@code NAME = [ K = v, ... ]}. */
public sealed interface Attribute permits SingleAttribute, VectorAttribute {

    /** The attribute name, always upper-cased. */
    String name();
}
