package dev.nimbo.client.xmlrpc;

import java.util.Objects;

/**
 * A string value whose text is already escaped for an XML-RPC {@code <string>} (by
 * {@link XmlRpcCodec#escape(CharSequence)}), so the encoder writes it verbatim: {@code <value><string>text</string></value>}.
 * It encodes to exactly the bytes the unescaped String would. Lets a server escape each part of a large answer
 * once (e.g. per immutable object version) and reuse it across responses.
 *
 * <p>The text is not copied: it must not change after this value is made. {@link #toString()} is the escaped
 * text; {@link #unescaped()} gives the original string back (minus the characters XML cannot carry, which
 * escaping drops).
 */
public record EscapedText(CharSequence text) {

    public EscapedText {
        Objects.requireNonNull(text, "text");
    }

    /** Escapes {@code raw} now. */
    public static EscapedText of(String raw) {
        return new EscapedText(XmlRpcCodec.escape(raw));
    }

    public int length() {
        return text.length();
    }

    /** The text as the receiver decodes it. */
    public String unescaped() {
        String s = text.toString();
        if (s.indexOf('&') < 0) {
            return s;
        }
        StringBuilder out = new StringBuilder(s.length());
        int from = 0;
        int at;
        while ((at = s.indexOf('&', from)) >= 0) {
            out.append(s, from, at);
            int semi = s.indexOf(';', at);
            String entity = semi < 0 ? "" : s.substring(at, semi + 1);
            switch (entity) {
                case "&amp;" -> out.append('&');
                case "&lt;" -> out.append('<');
                case "&gt;" -> out.append('>');
                case "&#13;" -> out.append('\r');
                default -> throw new IllegalStateException("not text escaped by XmlRpcCodec.escape at " + at);
            }
            from = semi + 1;
        }
        return out.append(s, from, s.length()).toString();
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
