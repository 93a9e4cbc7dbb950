package dev.nimbo.core.obj;

/** An object that can be locked against changes ({@code one.*.lock} / {@code unlock}). Immutable. */
public interface Lockable<T extends Lockable<T>> extends PoolObject {
    T withLock(Lock lock);
}
