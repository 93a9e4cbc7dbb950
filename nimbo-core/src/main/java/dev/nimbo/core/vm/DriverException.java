package dev.nimbo.core.vm;

/** A driver operation failed; the message says why, as the VM's ERROR attribute will show it. */
public final class DriverException extends RuntimeException {
    public DriverException(String message) {
        super(message, null, false, false);
    }

    public DriverException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
