package dev.nimbo.core.vnet;

/**
 * A virtual network or address range definition or operation that cannot be done, with the reason a client
 * sees. The API layer turns it into the error code of the call that failed (ALLOCATE for allocate, ACTION
 * otherwise); it never leaves a half-changed object because every change returns a new version.
 */
public final class VnetException extends RuntimeException {
    public VnetException(String message) {
        super(message, null, false, false);
    }
}
