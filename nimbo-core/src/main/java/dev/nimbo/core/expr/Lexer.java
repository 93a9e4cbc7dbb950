package dev.nimbo.core.expr;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits an expression into tokens as OpenNebula's expression lexer does: names ({@code [A-Za-z][A-Za-z0-9_]*}),
 * double-quoted strings (which may hold paths, spaces and wildcards), integers and decimals (a leading '-' belongs
 * to the number only where an operand is expected, so {@code A -1} and {@code - RUNNING_VMS} both read naturally),
 * and the operators {@code = != > < >= <= @> & | ! ( ) + - * /}. Blanks separate tokens. Pure.
 */
final class Lexer {

    enum Kind { NAME, QUOTED, NUMBER, OP, END }

    record Token(Kind kind, String text, int pos) {
        boolean is(String op) {
            return kind == Kind.OP && text.equals(op);
        }

        String describe() {
            return switch (kind) {
                case END -> "the end of the expression";
                case QUOTED -> "\"" + text + "\"";
                default -> "'" + text + "'";
            };
        }
    }

    private Lexer() {
    }

    /** A position in a token list: what both parsers walk. */
    static class Cursor {
        private final List<Token> tokens;
        private int i;

        Cursor(String text) {
            this.tokens = tokens(text);
        }

        final Token peek() {
            return tokens.get(i);
        }

        final Token next() {
            return tokens.get(i++);
        }

        /** Consumes the ')' that closes the '(' of {@code open}, or says what stands there instead. */
        final void close(Token open) {
            Token close = next();
            if (!close.is(")")) {
                throw new ExprException("expected ')' to close the '(' at position " + open.pos() + ", found "
                        + close.describe(), close.pos());
            }
        }
    }

    static List<Token> tokens(String text) {
        List<Token> out = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            char c = text.charAt(i);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                i++;
                continue;
            }
            int start = i;
            if (Character.isLetter(c) && c < 128) {
                while (i < n && (isAsciiLetterOrDigit(text.charAt(i)) || text.charAt(i) == '_')) {
                    i++;
                }
                out.add(new Token(Kind.NAME, text.substring(start, i), start));
            } else if (c == '"') {
                int close = text.indexOf('"', i + 1);
                if (close < 0) {
                    throw new ExprException("unterminated string", start);
                }
                out.add(new Token(Kind.QUOTED, text.substring(i + 1, close), start));
                i = close + 1;
            } else if (isDigit(c) || (c == '-' && i + 1 < n && isDigit(text.charAt(i + 1)) && operandExpected(out))) {
                i++;
                while (i < n && isDigit(text.charAt(i))) {
                    i++;
                }
                if (i + 1 < n && text.charAt(i) == '.' && isDigit(text.charAt(i + 1))) {
                    i++;
                    while (i < n && isDigit(text.charAt(i))) {
                        i++;
                    }
                }
                out.add(new Token(Kind.NUMBER, text.substring(start, i), start));
            } else if (c == '!' && i + 1 < n && text.charAt(i + 1) == '=') {
                out.add(new Token(Kind.OP, "!=", start));
                i += 2;
            } else if ((c == '>' || c == '<') && i + 1 < n && text.charAt(i + 1) == '=') {
                out.add(new Token(Kind.OP, c + "=", start));
                i += 2;
            } else if (c == '@') {
                if (i + 1 >= n || text.charAt(i + 1) != '>') {
                    throw new ExprException("'@' must be followed by '>' (the contains operator '@>')", start);
                }
                out.add(new Token(Kind.OP, "@>", start));
                i += 2;
            } else if ("=<>&|!()+-*/".indexOf(c) >= 0) {
                out.add(new Token(Kind.OP, String.valueOf(c), start));
                i++;
            } else {
                throw new ExprException("unexpected character '" + c + "'", start);
            }
        }
        out.add(new Token(Kind.END, "", n));
        return out;
    }

    /** True when the previous token cannot end an operand, so a '-' before a digit is a sign. */
    private static boolean operandExpected(List<Token> out) {
        if (out.isEmpty()) {
            return true;
        }
        Token last = out.get(out.size() - 1);
        return last.kind() == Kind.OP && !last.is(")");
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || isDigit(c);
    }
}
