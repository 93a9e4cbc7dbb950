package dev.nimbo.core.template;

/** Renders user input safely inside one-line error messages. */
final class Texts {
    private static final int MAX = 40;

    private Texts() {
    }

    static String describe(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("'");
        int n = Math.min(s.length(), MAX);
        for (int i = 0; i < n; i++) {
            appendVisible(s.charAt(i), b);
        }
        if (s.length() > MAX) {
            b.append("...");
        }
        return b.append('\'').toString();
    }

    static String describe(char c) {
        StringBuilder b = new StringBuilder("'");
        appendVisible(c, b);
        return b.append('\'').toString();
    }

    private static void appendVisible(char c, StringBuilder b) {
        switch (c) {
            case '\n' -> b.append("\\n");
            case '\r' -> b.append("\\r");
            case '\t' -> b.append("\\t");
            default -> {
                if (Character.isISOControl(c)) {
                    b.append(String.format("\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
        }
    }
}
