package dev.nimbo.core.template;

/** A template that cannot be parsed or an attribute that cannot exist; the message is one line. */
public final class TemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TemplateException(String message) {
        super(message);
    }
}
