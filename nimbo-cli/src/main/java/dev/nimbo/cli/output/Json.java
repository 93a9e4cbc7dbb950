package dev.nimbo.cli.output;

import dev.nimbo.cli.xml.XmlNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Converts an OpenNebula XML document to JSON the way OpenNebula's own {@code -j} does: an element with
 * children becomes an object, a leaf its text as a string, repeated siblings an array. Names in
 * {@code alwaysArray} (the items of a pool) are arrays even when there is one, so scripts need not
 * special-case a pool of size one.
 */
public final class Json {
    private Json() {}

    public static String fromXml(XmlNode root, Set<String> alwaysArray) {
        StringBuilder out = new StringBuilder();
        out.append("{\n  ").append(string(root.name())).append(": ");
        value(out, convert(root, alwaysArray), 1);
        out.append("\n}\n");
        return out.toString();
    }

    private static Object convert(XmlNode node, Set<String> alwaysArray) {
        if (node.isLeaf()) {
            return node.element().getTextContent();
        }
        Map<String, Object> obj = new LinkedHashMap<>();
        for (XmlNode child : node.children()) {
            Object v = convert(child, alwaysArray);
            Object prev = obj.get(child.name());
            if (prev == null) {
                obj.put(child.name(), alwaysArray.contains(child.name()) ? new ArrayList<>(List.of(v)) : v);
            } else if (prev instanceof List<?>) {
                // converted values are maps or strings, so a list here is one we made for repeats
                @SuppressWarnings("unchecked")
                List<Object> l = (List<Object>) prev;
                l.add(v);
            } else {
                List<Object> l = new ArrayList<>();
                l.add(prev);
                l.add(v);
                obj.put(child.name(), l);
            }
        }
        return obj;
    }

    private static void value(StringBuilder out, Object v, int depth) {
        String pad = "  ".repeat(depth + 1);
        if (v instanceof Map<?, ?> map) {
            if (map.isEmpty()) {
                out.append("{}");
                return;
            }
            out.append("{\n");
            int i = 0;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                out.append(pad).append(string(String.valueOf(e.getKey()))).append(": ");
                value(out, e.getValue(), depth + 1);
                out.append(++i < map.size() ? ",\n" : "\n");
            }
            out.append("  ".repeat(depth)).append('}');
        } else if (v instanceof List<?> list) {
            if (list.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append("[\n");
            for (int i = 0; i < list.size(); i++) {
                out.append(pad);
                value(out, list.get(i), depth + 1);
                out.append(i + 1 < list.size() ? ",\n" : "\n");
            }
            out.append("  ".repeat(depth)).append(']');
        } else {
            out.append(string(String.valueOf(v)));
        }
    }

    /** A JSON string literal with the required escapes. */
    public static String string(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                case '\b' -> b.append("\\b");
                case '\f' -> b.append("\\f");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
