package dev.nimbo.core.vm;

/**
 * A successful driver operation's answer: the hypervisor's name for the domain after a deploy or restore
 * (null when the operation does not name it) and a free-text note for the log. Failures complete the future
 * exceptionally with a {@link DriverException}. Immutable.
 */
public record DriverResult(String deployId, String info) {
    public static final DriverResult OK = new DriverResult(null, "");
}
