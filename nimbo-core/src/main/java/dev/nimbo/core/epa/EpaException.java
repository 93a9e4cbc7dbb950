package dev.nimbo.core.epa;

/** A VM's topology or device request that cannot be met: impossible in itself, or on a given host. */
public final class EpaException extends RuntimeException {
    public EpaException(String message) {
        super(message);
    }
}
