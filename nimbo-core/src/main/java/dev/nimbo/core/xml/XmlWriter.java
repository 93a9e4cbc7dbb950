package dev.nimbo.core.xml;

/**
 * Appends XML to a StringBuilder with escaping. Not thread-safe; one per rendering.
 * Hand-written because object rendering is on the hot path of every info call.
 */
public final class XmlWriter {
    private final StringBuilder out;

    public XmlWriter() {
        this(new StringBuilder(256));
    }

    public XmlWriter(StringBuilder out) {
        this.out = out;
    }

    public XmlWriter open(String tag) {
        out.append('<').append(tag).append('>');
        return this;
    }

    public XmlWriter close(String tag) {
        out.append("</").append(tag).append('>');
        return this;
    }

    /** {@code <tag>text</tag>} with the text escaped. */
    public XmlWriter element(String tag, String text) {
        out.append('<').append(tag).append('>');
        escape(text == null ? "" : text, out);
        out.append("</").append(tag).append('>');
        return this;
    }

    public XmlWriter element(String tag, long value) {
        out.append('<').append(tag).append('>').append(value).append("</").append(tag).append('>');
        return this;
    }

    /** Text that OpenNebula wraps in CDATA (template values); escaping gives the same document. */
    public XmlWriter cdata(String tag, String text) {
        out.append('<').append(tag).append("><![CDATA[");
        String s = text == null ? "" : text;
        int from = 0;
        int at;
        while ((at = s.indexOf("]]>", from)) >= 0) {
            out.append(s, from, at).append("]]]]><![CDATA[>");
            from = at + 3;
        }
        out.append(s, from, s.length()).append("]]></").append(tag).append('>');
        return this;
    }

    public XmlWriter empty(String tag) {
        out.append('<').append(tag).append("/>");
        return this;
    }

    /** Already rendered XML, inserted verbatim. */
    public XmlWriter raw(CharSequence xml) {
        out.append(xml);
        return this;
    }

    public StringBuilder builder() {
        return out;
    }

    @Override
    public String toString() {
        return out.toString();
    }

    public static void escape(CharSequence s, StringBuilder out) {
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&apos;");
                default -> {
                    // Characters XML 1.0 forbids are dropped rather than producing an unparsable document.
                    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
                        continue;
                    }
                    out.append(c);
                }
            }
        }
    }

    public static String escape(CharSequence s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        escape(s, b);
        return b.toString();
    }
}
