package dev.nimbo.core.expr;

import dev.nimbo.core.expr.Lexer.Kind;
import dev.nimbo.core.expr.Lexer.Token;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A REQUIREMENTS expression (SCHED_REQUIREMENTS, SCHED_DS_REQUIREMENTS, a NIC's SCHED_REQUIREMENTS) compiled once
 * into a predicate over an object's {@link Attributes}. The language is OpenNebula's:
 * <pre>
 *   NAME = value      NAME != value     NAME > number    NAME < number    NAME >= number   NAME <= number
 *   NAME @> value     (some value of a multi-valued attribute equals / matches value)
 *   expr & expr       expr | expr       ! expr           ( expr )
 * </pre>
 * NAME is a name or a quoted path ({@code "CLUSTERS/ID"}); a value is a number, a name or a quoted string. String
 * comparisons are shell wildcards ({@code *}, {@code ?}, {@code [..]}). A comparison on an attribute the object
 * lacks is false, whatever the operator (also {@code !=}), as in oned. {@code &}, {@code |} and {@code !} share one
 * precedence and group from the left, as oned's grammar does, so {@code A | B & C} means {@code (A | B) & C}; use
 * parentheses. An empty expression is always true. Compiled expressions are immutable and thread-safe.
 */
public final class Requirement {

    /** The empty requirement: every object matches. */
    public static final Requirement ALWAYS = new Requirement("", a -> true, java.util.Set.of());

    /** The compiled form: one node per operator. */
    @FunctionalInterface
    interface Node {
        boolean test(Attributes a);
    }

    private final String text;
    private final Node root;
    private final java.util.Set<String> attributes;

    private Requirement(String text, Node root, java.util.Set<String> attributes) {
        this.text = text;
        this.root = root;
        this.attributes = attributes;
    }

    /** Parses and compiles {@code text}; null or blank gives {@link #ALWAYS}. */
    public static Requirement compile(String text) {
        if (text == null || text.isBlank()) {
            return ALWAYS;
        }
        Parser p = new Parser(text);
        Node n = p.expr();
        p.expectEnd();
        return new Requirement(text.strip(), n, java.util.Set.copyOf(p.names));
    }

    /** Null when {@code text} parses, else the parse error (with its position). */
    public static ExprException check(String text) {
        try {
            compile(text);
            return null;
        } catch (ExprException e) {
            return e;
        }
    }

    public boolean test(Attributes a) {
        return root.test(a);
    }

    /** The attribute names the expression reads (a scheduler may reuse a result while none of them changes). */
    public java.util.Set<String> attributes() {
        return attributes;
    }

    public boolean isAlways() {
        return this == ALWAYS;
    }

    /** The source text, as given (trimmed). */
    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }

    // ------------------------------------------------------------------ parser

    private static final class Parser extends Lexer.Cursor {
        final java.util.Set<String> names = new java.util.HashSet<>();

        Parser(String text) {
            super(text);
        }



        void expectEnd() {
            Token t = peek();
            if (t.kind() != Kind.END) {
                throw new ExprException("unexpected " + t.describe() + ", expected '&', '|' or the end", t.pos());
            }
        }

        /** expr := term (('&' | '|') term)*, left to right at one precedence (oned's grammar). */
        Node expr() {
            Node left = term();
            while (peek().is("&") || peek().is("|")) {
                boolean and = next().is("&");
                Node l = left;
                Node r = term();
                left = and ? a -> l.test(a) && r.test(a) : a -> l.test(a) || r.test(a);
            }
            return left;
        }

        /** term := '!' term | '(' expr ')' | comparison. */
        private Node term() {
            Token t = peek();
            if (t.is("!")) {
                next();
                Node n = term();
                return a -> !n.test(a);
            }
            if (t.is("(")) {
                next();
                Node n = expr();
                close(t);
                return n;
            }
            return comparison();
        }

        private Node comparison() {
            Token name = next();
            if (name.kind() != Kind.NAME && name.kind() != Kind.QUOTED) {
                throw new ExprException("expected an attribute name, found " + name.describe(), name.pos());
            }
            if (name.kind() == Kind.QUOTED && name.text().isEmpty()) {
                throw new ExprException("empty attribute name", name.pos());
            }
            Token op = next();
            if (op.kind() != Kind.OP || !List.of("=", "!=", ">", "<", ">=", "<=", "@>").contains(op.text())) {
                throw new ExprException("expected a comparison (=, !=, >, <, >=, <=, @>) after " + name.describe()
                        + ", found " + op.describe(), op.pos());
            }
            Token value = next();
            if (value.kind() != Kind.NAME && value.kind() != Kind.QUOTED && value.kind() != Kind.NUMBER) {
                throw new ExprException("expected a value after '" + op.text() + "', found " + value.describe(),
                        value.pos());
            }
            String attr = name.text();
            names.add(attr);
            if (value.kind() == Kind.NUMBER) {
                return numeric(attr, op.text(), Double.parseDouble(value.text()));
            }
            if (!op.is("=") && !op.is("!=") && !op.is("@>")) {
                throw new ExprException("'" + op.text() + "' compares numbers, found " + value.describe(), value.pos());
            }
            Wildcard w = Wildcard.of(value.text());
            return switch (op.text()) {
                case "=" -> a -> {
                    String v = a.get(attr);
                    return v != null && w.matches(v);
                };
                case "!=" -> a -> {
                    String v = a.get(attr);
                    return v != null && !w.matches(v);
                };
                default -> a -> {
                    for (String v : a.all(attr)) {
                        if (w.matches(v)) {
                            return true;
                        }
                    }
                    return false;
                };
            };
        }

        private static Node numeric(String attr, String op, double x) {
            return switch (op) {
                case "=" -> a -> {
                    double v = a.number(attr);
                    return v == v && v == x;
                };
                case "!=" -> a -> {
                    double v = a.number(attr);
                    return v == v && v != x;
                };
                case ">" -> a -> a.number(attr) > x;
                case "<" -> a -> a.number(attr) < x;
                case ">=" -> a -> a.number(attr) >= x;
                case "<=" -> a -> a.number(attr) <= x;
                default -> a -> {
                    for (String s : a.all(attr)) {
                        if (Numbers.parse(s) == x) {
                            return true;
                        }
                    }
                    return false;
                };
            };
        }
    }

    /** A string pattern: plain equality when it has no wildcard, else a compiled shell glob. */
    record Wildcard(String literal, Pattern glob) {
        static Wildcard of(String pattern) {
            if (pattern.indexOf('*') < 0 && pattern.indexOf('?') < 0 && pattern.indexOf('[') < 0) {
                return new Wildcard(pattern, null);
            }
            StringBuilder re = new StringBuilder();
            for (int k = 0; k < pattern.length(); k++) {
                char c = pattern.charAt(k);
                int close = c == '[' ? pattern.indexOf(']', k + 2) : -1;
                if (c == '*') {
                    re.append(".*");
                } else if (c == '?') {
                    re.append('.');
                } else if (close > 0) {
                    String set = pattern.substring(k + 1, close);
                    boolean negate = set.startsWith("!");
                    re.append('[').append(negate ? "^" : "")
                            .append(set.substring(negate ? 1 : 0).replace("\\", "\\\\").replace("[", "\\["))
                            .append(']');
                    k = close;
                } else {
                    re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return new Wildcard(pattern, Pattern.compile(re.toString(), Pattern.DOTALL));
        }

        boolean matches(String value) {
            return glob == null ? literal.equals(value) : glob.matcher(value).matches();
        }
    }
}
