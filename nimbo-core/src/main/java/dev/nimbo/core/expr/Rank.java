package dev.nimbo.core.expr;

import dev.nimbo.core.expr.Lexer.Kind;
import dev.nimbo.core.expr.Lexer.Token;

/**
 * A RANK expression (SCHED_RANK, SCHED_DS_RANK, a NIC's SCHED_RANK, the default policies) compiled once into a score
 * over an object's {@link Attributes}: numbers, attribute names (a missing or non-numeric attribute counts 0, as in
 * oned), {@code + - * /} with the usual precedence, unary minus and parentheses, e.g. {@code - RUNNING_VMS} or
 * {@code FREE_CPU * 2 + FREE_MEM / 1024}. Higher scores are preferred. Division by zero gives 0. Immutable and
 * thread-safe.
 */
public final class Rank {

    /** The empty rank: every object scores 0. */
    public static final Rank ZERO = new Rank("", a -> 0);

    @FunctionalInterface
    interface Node {
        double score(Attributes a);
    }

    private final String text;
    private final Node root;

    private Rank(String text, Node root) {
        this.text = text;
        this.root = root;
    }

    /** Parses and compiles {@code text}; null or blank gives {@link #ZERO}. */
    public static Rank compile(String text) {
        if (text == null || text.isBlank()) {
            return ZERO;
        }
        Parser p = new Parser(text);
        Node n = p.sum();
        Token t = p.peek();
        if (t.kind() != Kind.END) {
            throw new ExprException("unexpected " + t.describe() + ", expected an operator or the end", t.pos());
        }
        return new Rank(text.strip(), n);
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

    public double score(Attributes a) {
        return root.score(a);
    }

    public String text() {
        return text;
    }

    @Override
    public String toString() {
        return text;
    }

    private static final class Parser extends Lexer.Cursor {
        Parser(String text) {
            super(text);
        }



        Node sum() {
            Node left = product();
            while (peek().is("+") || peek().is("-")) {
                boolean plus = next().is("+");
                Node l = left;
                Node r = product();
                left = plus ? a -> l.score(a) + r.score(a) : a -> l.score(a) - r.score(a);
            }
            return left;
        }

        private Node product() {
            Node left = unary();
            while (peek().is("*") || peek().is("/")) {
                boolean times = next().is("*");
                Node l = left;
                Node r = unary();
                left = times ? a -> l.score(a) * r.score(a) : a -> {
                    double d = r.score(a);
                    return d == 0 ? 0 : l.score(a) / d;
                };
            }
            return left;
        }

        private Node unary() {
            Token t = next();
            if (t.is("-")) {
                Node n = unary();
                return a -> -n.score(a);
            }
            if (t.is("(")) {
                Node n = sum();
                close(t);
                return n;
            }
            if (t.kind() == Kind.NUMBER) {
                double v = Double.parseDouble(t.text());
                return a -> v;
            }
            if (t.kind() == Kind.NAME || (t.kind() == Kind.QUOTED && !t.text().isEmpty())) {
                String name = t.text();
                return a -> {
                    double v = a.number(name);
                    return v == v ? v : 0;
                };
            }
            throw new ExprException("expected a number, an attribute name or '(', found " + t.describe(), t.pos());
        }
    }
}
