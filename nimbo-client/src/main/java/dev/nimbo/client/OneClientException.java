package dev.nimbo.client;

/** A call could not be completed: transport error, non-200 status, XML-RPC fault or unreadable response. */
public final class OneClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OneClientException(String message) {
        super(message);
    }

    public OneClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
