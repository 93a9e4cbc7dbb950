package dev.nimbo.store;

/** A store that cannot be opened, migrated, read or written. The message is one line, fit for logs and clients. */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
