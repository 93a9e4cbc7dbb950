package dev.nimbo.core.template;

import java.util.ArrayList;
import java.util.List;

/**
 * Hand-written scanner for the text syntax. Grammar (blanks are spaces and tabs):
 * <pre>
 *   template  = { blank | newline | comment | attribute }
 *   attribute = NAME blank* '=' blank* ( quoted | '[' vector ']' | unquoted | empty )
 *   vector    = [ pair { ',' pair } ]         (newlines and comments allowed between tokens)
 *   pair      = NAME blank* '=' blank* ( quoted | unquoted | empty )
 *   comment   = '#' to end of line
 * </pre>
 * NAME is {@code [A-Za-z_][A-Za-z0-9_]*}: OpenNebula's lexer token minus a leading digit. Unlike
 * OpenNebula, an unquoted top-level value may contain blanks and runs to the end of the line (or a '#');
 * inside a vector it also stops at ',' and ']'. As in OpenNebula, a quoted value or a vector may be followed
 * by another attribute on the same line. Quoted values may span lines; {@code \"} and {@code \\} are the only
 * escapes, any other backslash is literal (OpenNebula itself only unescapes {@code \"}).
 * Iterative, so deep or long input cannot overflow the stack.
 */
final class TextParser {
    private static final int EOF = -1;

    private final String s;
    private int pos;
    private int line = 1;
    private int lineStart;

    private TextParser(String s) {
        this.s = s;
    }

    static List<Attribute> parse(String text) {
        return new TextParser(text).template();
    }

    private List<Attribute> template() {
        List<Attribute> out = new ArrayList<>();
        while (true) {
            skipSpaceAndComments();
            if (peek() == EOF) {
                return out;
            }
            out.add(attribute());
        }
    }

    private Attribute attribute() {
        String name = name("attribute name");
        equalsSign(name);
        skipBlanks();
        int c = peek();
        if (c == '[') {
            int openLine = line;
            pos++;
            return vector(name, openLine);
        }
        if (c == '"') {
            return new SingleAttribute(name, quoted());
        }
        // Unquoted (possibly empty) value: to end of line or comment, trailing blanks dropped.
        int start = pos;
        while (peek() != EOF && peek() != '\n' && peek() != '#') {
            pos++;
        }
        return new SingleAttribute(name, s.substring(start, pos).strip());
    }

    private VectorAttribute vector(String name, int openLine) {
        List<SingleAttribute> values = new ArrayList<>();
        skipSpaceAndComments();
        if (peek() == ']') {
            pos++;
            return new VectorAttribute(name, values);
        }
        while (true) {
            skipSpaceAndComments();
            if (peek() == EOF) {
                throw unclosed(name, openLine);
            }
            String key = name("attribute name in vector " + name);
            equalsSign(key);
            skipBlanks();
            int c = peek();
            String value;
            if (c == '"') {
                value = quoted();
            } else if (c == '[') {
                throw error("nested vectors are not allowed (" + name + "/" + key + ")");
            } else {
                int start = pos;
                while (peek() != EOF && peek() != '\n' && peek() != '#' && peek() != ',' && peek() != ']') {
                    pos++;
                }
                value = s.substring(start, pos).strip();
            }
            values.add(new SingleAttribute(key, value));
            skipSpaceAndComments();
            c = peek();
            if (c == ']') {
                pos++;
                return new VectorAttribute(name, values);
            }
            if (c == EOF) {
                throw unclosed(name, openLine);
            }
            if (c != ',') {
                throw error("expected ',' or ']' in vector " + name + ", found " + found());
            }
            pos++;
        }
    }

    /** Reads a quoted value; the cursor is on the opening quote. */
    private String quoted() {
        int openLine = line;
        int openColumn = column();
        pos++;
        StringBuilder b = new StringBuilder();
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == '"') {
                return b.toString();
            }
            if (c == '\\' && pos < s.length() && (s.charAt(pos) == '"' || s.charAt(pos) == '\\')) {
                b.append(s.charAt(pos++));
                continue;
            }
            if (c == '\n') {
                newLine();
            }
            b.append(c);
        }
        throw new TemplateException("template syntax error at line " + openLine + ", column " + openColumn
                + ": unterminated quoted value (missing closing '\"')");
    }

    private String name(String what) {
        int start = pos;
        while (pos < s.length() && Names.isNameChar(s.charAt(pos))) {
            pos++;
        }
        if (pos == start) {
            throw error("expected " + what + ", found " + found());
        }
        String name = s.substring(start, pos);
        if (!Names.isValid(name)) {
            pos = start;
            throw error("invalid attribute name " + Texts.describe(name) + " (" + Names.RULE + ")");
        }
        return name;
    }

    private void equalsSign(String name) {
        int c = peek();
        if (c != EOF && c != '=' && c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            throw error("invalid character " + Texts.describe((char) c) + " in attribute name "
                    + Texts.describe(name) + " (" + Names.RULE + ")");
        }
        skipBlanks();
        if (peek() != '=') {
            throw error("expected '=' after " + name + ", found " + found());
        }
        pos++;
    }

    private void skipBlanks() {
        while (peek() == ' ' || peek() == '\t' || peek() == '\r') {
            pos++;
        }
    }

    private void skipSpaceAndComments() {
        while (true) {
            int c = peek();
            if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\u000b' || c == '\ufeff') {
                pos++;
            } else if (c == '\n') {
                pos++;
                newLine();
            } else if (c == '#') {
                while (peek() != EOF && peek() != '\n') {
                    pos++;
                }
            } else {
                return;
            }
        }
    }

    private int peek() {
        return pos < s.length() ? s.charAt(pos) : EOF;
    }

    private void newLine() {
        line++;
        lineStart = pos;
    }

    private int column() {
        return pos - lineStart + 1;
    }

    private String found() {
        int c = peek();
        if (c == EOF) {
            return "end of input";
        }
        return c == '\n' ? "end of line" : Texts.describe((char) c);
    }

    private TemplateException unclosed(String name, int openLine) {
        return error("missing ']' to close vector " + name + " opened at line " + openLine);
    }

    private TemplateException error(String what) {
        return new TemplateException("template syntax error at line " + line + ", column " + column() + ": " + what);
    }
}
