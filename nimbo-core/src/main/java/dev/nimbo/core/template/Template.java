package dev.nimbo.core.template;

import dev.nimbo.core.xml.XmlNode;
import dev.nimbo.core.xml.XmlWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * An OpenNebula template: an ordered list of attributes in which names may repeat.
 * Immutable and thread-safe; every modifier returns a new template. Equality is by content, order included.
 */
public final class Template {

    public static final Template EMPTY = new Template(List.of());

    private static final String ROOT = "TEMPLATE";

    private final List<Attribute> attributes;

    private Template(List<Attribute> attributes) {
        this.attributes = attributes;
    }

    public static Template of(List<Attribute> attributes) {
        List<Attribute> copy = List.copyOf(attributes);
        return copy.isEmpty() ? EMPTY : new Template(copy);
    }

    public List<Attribute> attributes() {
        return attributes;
    }

    public boolean isEmpty() {
        return attributes.isEmpty();
    }

    /** Value of the first single attribute with this name (case-insensitive), or null. */
    public String get(String name) {
        String n = Names.key(name);
        for (Attribute a : attributes) {
            if (a instanceof SingleAttribute sa && sa.name().equals(n)) {
                return sa.value();
            }
        }
        return null;
    }

    public List<VectorAttribute> vectors(String name) {
        String n = Names.key(name);
        List<VectorAttribute> out = new ArrayList<>();
        for (Attribute a : attributes) {
            if (a instanceof VectorAttribute va && va.name().equals(n)) {
                out.add(va);
            }
        }
        return List.copyOf(out);
    }

    public List<Attribute> all(String name) {
        String n = Names.key(name);
        List<Attribute> out = new ArrayList<>();
        for (Attribute a : attributes) {
            if (a.name().equals(n)) {
                out.add(a);
            }
        }
        return List.copyOf(out);
    }

    /** Replaces every attribute of this name by one single attribute, where the first one was (else at the end). */
    public Template with(String name, String value) {
        return replace(new SingleAttribute(name, value));
    }

    /** Replaces every attribute of the vector's name by the vector, where the first one was (else at the end). */
    public Template with(VectorAttribute vector) {
        return replace(Objects.requireNonNull(vector, "vector"));
    }

    private Template replace(Attribute replacement) {
        List<Attribute> out = new ArrayList<>(attributes.size() + 1);
        boolean placed = false;
        for (Attribute a : attributes) {
            if (!a.name().equals(replacement.name())) {
                out.add(a);
            } else if (!placed) {
                out.add(replacement);
                placed = true;
            }
        }
        if (!placed) {
            out.add(replacement);
        }
        return new Template(List.copyOf(out));
    }

    /** Appends; the name may already be present. */
    public Template add(Attribute a) {
        Objects.requireNonNull(a, "attribute");
        List<Attribute> out = new ArrayList<>(attributes.size() + 1);
        out.addAll(attributes);
        out.add(a);
        return new Template(List.copyOf(out));
    }

    public Template without(String name) {
        String n = Names.key(name);
        List<Attribute> out = new ArrayList<>(attributes.size());
        for (Attribute a : attributes) {
            if (!a.name().equals(n)) {
                out.add(a);
            }
        }
        return out.size() == attributes.size() ? this : of(out);
    }

    /**
     * OpenNebula "update": with {@code append=false} the result is {@code other}. With {@code append=true}
     * every name present in {@code other} replaces all attributes of that name here (at the position of the
     * first one, new names at the end) and the rest is kept. As in OpenNebula's merge, an empty vector in
     * {@code other} only removes that name; it is not added.
     */
    public Template update(Template other, boolean append) {
        Objects.requireNonNull(other, "other");
        if (!append) {
            return other;
        }
        Map<String, List<Attribute>> incoming = new LinkedHashMap<>();
        for (Attribute a : other.attributes) {
            List<Attribute> group = incoming.computeIfAbsent(a.name(), k -> new ArrayList<>());
            if (!(a instanceof VectorAttribute va && va.values().isEmpty())) {
                group.add(a);
            }
        }
        List<Attribute> out = new ArrayList<>(attributes.size() + other.attributes.size());
        Set<String> placed = new HashSet<>();
        for (Attribute a : attributes) {
            List<Attribute> group = incoming.get(a.name());
            if (group == null) {
                out.add(a);
            } else if (placed.add(a.name())) {
                out.addAll(group);
            }
        }
        for (Map.Entry<String, List<Attribute>> e : incoming.entrySet()) {
            if (!placed.contains(e.getKey())) {
                out.addAll(e.getValue());
            }
        }
        return of(out);
    }

    /** Parses either syntax: XML when the first non-blank character is '<', else the text syntax. */
    public static Template parse(String text) {
        Objects.requireNonNull(text, "text");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isWhitespace(c) && c != '\ufeff') {
                return c == '<' ? parseXml(text) : parseText(text);
            }
        }
        return EMPTY;
    }

    public static Template parseText(String text) {
        return of(TextParser.parse(Objects.requireNonNull(text, "text")));
    }

    /** Parses the XML form with a StAX parser; DOCTYPEs and entity declarations are rejected. */
    public static Template parseXml(String xml) {
        return of(XmlTemplateReader.parse(Objects.requireNonNull(xml, "xml")));
    }

    /** The children of {@code node} are the attributes: a child with element children is a vector. */
    public static Template fromXml(XmlNode node) {
        List<Attribute> out = new ArrayList<>(node.children().size());
        for (XmlNode child : node.children()) {
            if (child.isLeaf()) {
                out.add(new SingleAttribute(child.name(), child.text()));
                continue;
            }
            List<SingleAttribute> values = new ArrayList<>(child.children().size());
            for (XmlNode sub : child.children()) {
                if (!sub.isLeaf()) {
                    throw new TemplateException("nested vectors are not allowed ("
                            + child.name() + "/" + sub.name() + ")");
                }
                values.add(new SingleAttribute(sub.name(), sub.text()));
            }
            out.add(new VectorAttribute(child.name(), values));
        }
        return of(out);
    }

    /** The text syntax, one attribute per line, values always quoted; {@link #parseText} reads it back. */
    public String toText() {
        StringBuilder b = new StringBuilder(attributes.size() * 24);
        for (Attribute a : attributes) {
            b.append(a.name()).append('=');
            switch (a) {
                case SingleAttribute sa -> quote(sa.value(), b);
                case VectorAttribute va -> {
                    if (va.values().isEmpty()) {
                        b.append("[ ]");
                    } else {
                        b.append('[');
                        String sep = "\n  ";
                        for (SingleAttribute v : va.values()) {
                            b.append(sep).append(v.name()).append('=');
                            quote(v.value(), b);
                            sep = ",\n  ";
                        }
                        b.append(" ]");
                    }
                }
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static void quote(String value, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        b.append('"');
    }

    /** Writes {@code <TEMPLATE>...</TEMPLATE>} with values in CDATA, as OpenNebula does. */
    public void writeXml(XmlWriter w) {
        writeXml(w, ROOT);
    }

    public void writeXml(XmlWriter w, String rootTag) {
        w.open(rootTag);
        for (Attribute a : attributes) {
            switch (a) {
                case SingleAttribute sa -> value(w, sa.name(), sa.value());
                case VectorAttribute va -> {
                    w.open(va.name());
                    for (SingleAttribute v : va.values()) {
                        value(w, v.name(), v.value());
                    }
                    w.close(va.name());
                }
            }
        }
        w.close(rootTag);
    }

    /**
     * CDATA cannot carry every string: parsers turn CR into LF inside it and XML 1.0 has no way at all to
     * carry most C0 controls. So CR goes out as a character reference between CDATA sections and characters
     * XML forbids are dropped (the same policy as {@link XmlWriter#escape}).
     */
    private static void value(XmlWriter w, String tag, String value) {
        if (plainCdata(value)) {
            w.cdata(tag, value);
            return;
        }
        StringBuilder b = w.builder();
        b.append('<').append(tag).append('>');
        int i = 0;
        int n = value.length();
        while (i < n) {
            char c = value.charAt(i);
            if (c == '\r') {
                b.append("&#13;");
                i++;
                continue;
            }
            int end = i;
            StringBuilder chunk = new StringBuilder();
            while (end < n && value.charAt(end) != '\r') {
                int cp = value.codePointAt(end);
                if (xmlChar(cp)) {
                    chunk.appendCodePoint(cp);
                }
                end += Character.charCount(cp);
            }
            cdataSection(chunk, b);
            i = end;
        }
        b.append("</").append(tag).append('>');
    }

    private static void cdataSection(CharSequence s, StringBuilder b) {
        if (s.isEmpty()) {
            return;
        }
        b.append("<![CDATA[");
        String str = s.toString();
        int from = 0;
        int at;
        while ((at = str.indexOf("]]>", from)) >= 0) {
            b.append(str, from, at).append("]]]]><![CDATA[>");
            from = at + 3;
        }
        b.append(str, from, str.length()).append("]]>");
    }

    private static boolean plainCdata(String value) {
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            if (cp == '\r' || !xmlChar(cp)) {
                return false;
            }
            i += Character.charCount(cp);
        }
        return true;
    }

    /** The Char production of XML 1.0; unpaired surrogates arrive here as themselves and fail it. */
    private static boolean xmlChar(int cp) {
        return cp == 0x9 || cp == 0xA || cp == 0xD
                || (cp >= 0x20 && cp <= 0xD7FF)
                || (cp >= 0xE000 && cp <= 0xFFFD)
                || (cp >= 0x10000 && cp <= 0x10FFFF);
    }

    /** {@code <TEMPLATE>...</TEMPLATE>}. */
    public String toXml() {
        XmlWriter w = new XmlWriter(new StringBuilder(64 + attributes.size() * 48));
        writeXml(w);
        return w.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o == this || (o instanceof Template t && attributes.equals(t.attributes));
    }

    @Override
    public int hashCode() {
        return attributes.hashCode();
    }

    /** The text syntax. */
    @Override
    public String toString() {
        return toText();
    }
}
