package dev.nimbo.core.host;

/** A host could not be monitored; the message is what the host's ERROR attribute shows. */
public final class MonitoringException extends RuntimeException {
    public MonitoringException(String message) {
        super(message, null, false, false);
    }
}
