package dev.nimbo.core.datastore;

/** A datastore driver operation failed; the message is what the image's ERROR attribute and logs show. */
public final class DatastoreDriverException extends RuntimeException {
    public DatastoreDriverException(String message) {
        super(message);
    }

    public DatastoreDriverException(String message, Throwable cause) {
        super(message, cause);
    }
}
