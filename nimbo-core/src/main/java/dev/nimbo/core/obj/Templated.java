package dev.nimbo.core.obj;

import dev.nimbo.core.template.Template;

/** An object with a free-form user template that one.*.update replaces or merges. */
public interface Templated<T extends Templated<T>> extends PoolObject {
    Template template();

    T withTemplate(Template template);
}
