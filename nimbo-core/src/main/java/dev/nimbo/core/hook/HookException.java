package dev.nimbo.core.hook;

/** A hook definition OpenNebula would refuse; the message is OpenNebula's (or Nimbo's for what it adds). */
public final class HookException extends RuntimeException {
    public HookException(String message) {
        super(message, null, false, false);
    }
}
