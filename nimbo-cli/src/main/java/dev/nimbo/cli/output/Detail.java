package dev.nimbo.cli.output;

/**
 * Builds the {@code show} view: titled sections of aligned {@code KEY : value} lines and free blocks
 * (templates, sub-tables). Plain text only, so it reads the same in a terminal, a pager or a log.
 */
public final class Detail {
    private static final int KEY_WIDTH = 16;
    private final StringBuilder out = new StringBuilder();

    public Detail section(String title) {
        if (!out.isEmpty()) {
            out.append('\n');
        }
        out.append(title).append('\n');
        return this;
    }

    public Detail field(String key, String value) {
        String k = key.length() >= KEY_WIDTH ? key : key + " ".repeat(KEY_WIDTH - key.length());
        out.append(k).append(": ").append(value == null ? "" : value).append('\n');
        return this;
    }

    /** Appends {@code text} as is (ends it with a newline when missing). */
    public Detail block(String text) {
        out.append(text);
        if (!text.isEmpty() && !text.endsWith("\n")) {
            out.append('\n');
        }
        return this;
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
