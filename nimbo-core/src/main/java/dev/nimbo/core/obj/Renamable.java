package dev.nimbo.core.obj;

/** An object whose NAME its users may change ({@code one.*.rename}). Immutable: returns a new version. */
public interface Renamable<T extends Renamable<T>> extends PoolObject {
    T withName(String name);
}
