package dev.nimbo.core.template;

import java.util.Objects;

/** {@code NAME = value}. The name is validated and upper-cased; the value is kept verbatim. */
public record SingleAttribute(String name, String value) implements Attribute {

    public SingleAttribute {
        name = Names.normalize(name);
        Objects.requireNonNull(value, "value");
    }
}
