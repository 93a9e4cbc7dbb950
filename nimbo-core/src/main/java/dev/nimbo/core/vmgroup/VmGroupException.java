package dev.nimbo.core.vmgroup;

/** A VM group definition or change that OpenNebula refuses; the message is OpenNebula's. */
public final class VmGroupException extends RuntimeException {
    public VmGroupException(String message) {
        super(message, null, false, false);
    }
}
