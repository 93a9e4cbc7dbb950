package dev.nimbo.server.config;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The block-style YAML subset OpenNebula's driver configuration files use ({@code ldap_auth.conf}, group mapping
 * files), so an operator can bring those files over unchanged: nested maps by indentation, {@code - item} lists,
 * flow lists {@code [a, b]}, single/double quoted or plain scalars, {@code #} comments, and Ruby-symbol keys and
 * values ({@code :host: localhost}, {@code :simple_tls}) read without their colon. Anchors, multi-line scalars and
 * flow maps are not supported and are reported as errors with their line number. Scalars stay strings; callers
 * read them through {@link Section}. Stateless; thread-safe.
 */
public final class YamlLite {
    private YamlLite() {
    }

    /** A malformed document: the message names the line. */
    public static final class YamlException extends IllegalArgumentException {
        public YamlException(String message) {
            super(message);
        }
    }

    private record Line(int number, int indent, String text) {
    }

    /** Parses a document whose top level is a map (an empty document is an empty map). */
    public static Map<String, Object> parse(String text) {
        List<Line> lines = new ArrayList<>();
        String[] raw = text.replace("\r\n", "\n").split("\n", -1);
        for (int i = 0; i < raw.length; i++) {
            String l = stripComment(raw[i]);
            if (l.isBlank() || l.strip().equals("---")) {
                continue;
            }
            if (l.indexOf('\t') >= 0 && l.substring(0, l.length() - l.stripLeading().length()).indexOf('\t') >= 0) {
                throw new YamlException("line " + (i + 1) + ": tabs are not allowed for indentation");
            }
            int indent = l.length() - l.stripLeading().length();
            lines.add(new Line(i + 1, indent, l.strip()));
        }
        if (lines.isEmpty()) {
            return new LinkedHashMap<>();
        }
        int[] pos = {0};
        Object root = block(lines, pos, lines.get(0).indent());
        if (pos[0] < lines.size()) {
            throw new YamlException("line " + lines.get(pos[0]).number() + ": unexpected indentation");
        }
        if (!(root instanceof Map<?, ?> m)) {
            throw new YamlException("the document must be a map of keys to values");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) m;
        return map;
    }

    private static Object block(List<Line> lines, int[] pos, int indent) {
        Line first = lines.get(pos[0]);
        if (first.text().equals("-") || first.text().startsWith("- ")) {
            List<Object> list = new ArrayList<>();
            while (pos[0] < lines.size() && lines.get(pos[0]).indent() == indent
                    && (lines.get(pos[0]).text().equals("-") || lines.get(pos[0]).text().startsWith("- "))) {
                Line l = lines.get(pos[0]++);
                String item = l.text().substring(1).strip();
                if (item.isEmpty()) {
                    list.add(nested(lines, pos, indent, l));
                } else if (keyEnd(item) > 0) {
                    throw new YamlException("line " + l.number() + ": maps inside lists are not supported");
                } else {
                    list.add(scalar(item, l));
                }
            }
            return list;
        }
        Map<String, Object> map = new LinkedHashMap<>();
        while (pos[0] < lines.size() && lines.get(pos[0]).indent() == indent) {
            Line l = lines.get(pos[0]++);
            int end = keyEnd(l.text());
            if (end <= 0) {
                throw new YamlException("line " + l.number() + ": expected 'key: value', got '" + l.text() + "'");
            }
            String key = key(l.text().substring(0, end), l);
            String rest = l.text().substring(end + 1).strip();
            if (map.containsKey(key)) {
                throw new YamlException("line " + l.number() + ": duplicate key '" + key + "'");
            }
            if (rest.isEmpty()) {
                boolean listBelow = pos[0] < lines.size() && lines.get(pos[0]).indent() == indent
                        && lines.get(pos[0]).text().startsWith("- ");
                map.put(key, listBelow ? block(lines, pos, indent) : nested(lines, pos, indent, l));
            } else {
                map.put(key, scalar(rest, l));
            }
        }
        return map;
    }

    /** The value under a key or dash with nothing after it: a deeper block, or an empty string if none. */
    private static Object nested(List<Line> lines, int[] pos, int indent, Line owner) {
        if (pos[0] < lines.size() && lines.get(pos[0]).indent() > indent) {
            return block(lines, pos, lines.get(pos[0]).indent());
        }
        return "";
    }

    /** Index of the colon that ends the key (followed by a space or the end of line), outside quotes; -1 if none. */
    private static int keyEnd(String s) {
        char quote = 0;
        int start = 0;
        if (!s.isEmpty() && (s.charAt(0) == '"' || s.charAt(0) == '\'')) {
            quote = s.charAt(0);
            int close = s.indexOf(quote, 1);
            if (close < 0) {
                return -1;
            }
            start = close + 1;
        } else if (s.startsWith(":")) {
            start = 1; // Ruby symbol key
        }
        for (int i = start; i < s.length(); i++) {
            if (s.charAt(i) == ':' && (i + 1 == s.length() || s.charAt(i + 1) == ' ')) {
                return i;
            }
            if (quote == 0 && i == start && (s.charAt(i) == '[' || s.charAt(i) == '{')) {
                return -1;
            }
        }
        return -1;
    }

    private static String key(String k, Line l) {
        k = k.strip();
        if (k.startsWith("\"") || k.startsWith("'")) {
            return unquote(k, l);
        }
        return k.startsWith(":") ? k.substring(1) : k;
    }

    private static Object scalar(String s, Line l) {
        if (s.startsWith("[")) {
            if (!s.endsWith("]")) {
                throw new YamlException("line " + l.number() + ": unterminated list '" + s + "'");
            }
            List<Object> items = new ArrayList<>();
            String inner = s.substring(1, s.length() - 1).strip();
            if (!inner.isEmpty()) {
                for (String part : splitFlow(inner, l)) {
                    items.add(scalar(part.strip(), l));
                }
            }
            return items;
        }
        if (s.startsWith("{") || s.startsWith("&") || s.startsWith("*") || s.startsWith("|") || s.startsWith(">")) {
            throw new YamlException("line " + l.number() + ": unsupported YAML construct '" + s + "'");
        }
        if (s.startsWith("\"") || s.startsWith("'")) {
            return unquote(s, l);
        }
        return s.startsWith(":") && s.length() > 1 ? s.substring(1) : s;
    }

    private static List<String> splitFlow(String s, Line l) {
        List<String> parts = new ArrayList<>();
        char quote = 0;
        int depth = 0;
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '[') {
                depth++;
            } else if (c == ']') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(s.substring(from, i));
                from = i + 1;
            }
        }
        if (quote != 0) {
            throw new YamlException("line " + l.number() + ": unterminated quote");
        }
        parts.add(s.substring(from));
        return parts;
    }

    private static String unquote(String s, Line l) {
        char q = s.charAt(0);
        if (s.length() < 2 || s.charAt(s.length() - 1) != q) {
            throw new YamlException("line " + l.number() + ": unterminated quote in '" + s + "'");
        }
        String body = s.substring(1, s.length() - 1);
        if (q == '\'') {
            return body.replace("''", "'");
        }
        StringBuilder out = new StringBuilder(body.length());
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (c == '\\' && i + 1 < body.length()) {
                char n = body.charAt(++i);
                out.append(switch (n) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    default -> n;
                });
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String stripComment(String line) {
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                }
            } else if (c == '"' || c == '\'') {
                // a quote only opens at the start of a scalar or key, not inside a word such as don't
                if (i == 0 || " [,:-".indexOf(line.charAt(i - 1)) >= 0) {
                    quote = c;
                }
            } else if (c == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                return line.substring(0, i);
            }
        }
        return line;
    }
}
