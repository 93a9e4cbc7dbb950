package dev.nimbo.client.xmlrpc;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * A string value whose text is already escaped for an XML-RPC {@code <string>} (by
 * {@link XmlRpcCodec#escape(CharSequence)}), so the encoder writes it verbatim: {@code <value><string>text</string></value>}.
 * It encodes to exactly the bytes the unescaped String would. Lets a server escape each part of a large answer
 * once (e.g. per immutable object version) and reuse it across responses.
 *
 * <p>Held either as characters ({@link #EscapedText(CharSequence)}) or as a sequence of UTF-8 byte parts
 * ({@link #ofUtf8(List)}), which {@link XmlRpcCodec#encodeResponse} copies straight into the answer's bytes:
 * a large pool answer made of cached parts costs one copy. Neither the text nor the parts are copied here: they
 * must not change afterwards. {@link #toString()} is the escaped text; {@link #unescaped()} gives the original
 * string back (minus the characters XML cannot carry, which escaping drops).
 */
public final class EscapedText {
    private final CharSequence text;
    private final byte[][] parts;
    private final int utf8Length;

    /** Text already escaped as {@link XmlRpcCodec#escape(CharSequence)} does. */
    public EscapedText(CharSequence text) {
        this.text = Objects.requireNonNull(text, "text");
        this.parts = null;
        this.utf8Length = -1;
    }

    private EscapedText(byte[][] parts, int utf8Length) {
        this.text = null;
        this.parts = parts;
        this.utf8Length = utf8Length;
    }

    /**
     * The UTF-8 encodings of escaped text, joined in order. Each part must be whole characters (no part may end
     * inside a multi-byte sequence or a surrogate pair), as {@code escape(s).getBytes(UTF_8)} always is.
     */
    public static EscapedText ofUtf8(List<byte[]> parts) {
        byte[][] copy = parts.toArray(new byte[0][]);
        long n = 0;
        for (byte[] p : copy) {
            n += p.length;
        }
        if (n > Integer.MAX_VALUE - 1024) {
            throw new IllegalArgumentException("text of " + n + " bytes is too large for one answer");
        }
        return new EscapedText(copy, (int) n);
    }

    /** Escapes {@code raw} now. */
    public static EscapedText of(String raw) {
        return new EscapedText(XmlRpcCodec.escape(raw));
    }

    /** {@code escape(raw)} as UTF-8, the form {@link #ofUtf8} takes. */
    public static byte[] escapeToUtf8(CharSequence raw) {
        return XmlRpcCodec.escape(raw).getBytes(StandardCharsets.UTF_8);
    }

    /** Held as UTF-8 parts (the encoder's fast path)? */
    boolean isUtf8() {
        return parts != null;
    }

    byte[][] utf8Parts() {
        return parts;
    }

    /** Bytes of the UTF-8 parts; -1 when held as characters. */
    int utf8Length() {
        return utf8Length;
    }

    /** A capacity hint for encoders: characters, or bytes of the UTF-8 parts. */
    public int length() {
        return text != null ? text.length() : utf8Length;
    }

    /** Appends the escaped text (the slow path for UTF-8 parts: they are decoded). */
    void appendTo(StringBuilder out) {
        if (text != null) {
            out.append(text);
        } else {
            for (byte[] p : parts) {
                out.append(new String(p, StandardCharsets.UTF_8));
            }
        }
    }

    /** The text as the receiver decodes it. */
    public String unescaped() {
        String s = toString();
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

    /** The escaped text. */
    @Override
    public String toString() {
        if (text != null) {
            return text.toString();
        }
        StringBuilder out = new StringBuilder(utf8Length);
        appendTo(out);
        return out.toString();
    }
}
