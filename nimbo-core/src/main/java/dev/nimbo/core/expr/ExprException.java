package dev.nimbo.core.expr;

/**
 * An expression that cannot be parsed: what is wrong and where (0-based character offset into the text), worded
 * so that a user can find the spot, e.g. {@code syntax error at position 12: expected a value after '='}.
 */
public final class ExprException extends RuntimeException {
    private final int position;

    public ExprException(String problem, int position) {
        super("syntax error at position " + position + ": " + problem);
        this.position = position;
    }

    /** 0-based offset of the offending token in the expression text. */
    public int position() {
        return position;
    }
}
