package dev.nimbo.server;

/** A reason the daemon cannot start that the operator can fix; printed as one line, no stack trace. */
public final class StartupException extends RuntimeException {
    public StartupException(String message) {
        super(message);
    }

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
