package dev.nimbo.client.xmlrpc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * XML-RPC wire codec, hand-written over JDK StAX (hot path of the server; no library).
 *
 * <p>Java mapping: {@code i4/int} Integer, {@code i8} Long, {@code boolean} Boolean, {@code string} and
 * untyped text String, {@code double} Double, {@code base64} byte[], {@code dateTime.iso8601}
 * LocalDateTime, {@code array} List, {@code struct} LinkedHashMap, {@code nil} null. Type elements are
 * matched by local name, so Apache XML-RPC's {@code <ex:i8>}/{@code <ex:nil>} decode too.
 *
 * <p>All methods are static and thread-safe.
 */
public final class XmlRpcCodec {
    public static final int DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

    private static final String XML_DECL = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

    private XmlRpcCodec() {}

    /**
     * Decodes a methodCall. Rejects, with an {@link XmlRpcException}: XML that is not well-formed, invalid
     * UTF-8, any DOCTYPE or entity other than the 5 predefined ones and char refs, a body over
     * {@code maxBytes}, values nested deeper than 64, bad numbers (i4 overflow, boolean not 0/1, …), a
     * missing methodName and unknown value types.
     */
    public static XmlRpcRequest decodeRequest(byte[] body, int maxBytes) {
        Objects.requireNonNull(body, "body");
        checkMax(maxBytes);
        if (body.length > maxBytes) {
            throw tooLarge(maxBytes);
        }
        return XmlRpcParser.parseRequest(body, body.length);
    }

    /** As {@link #decodeRequest(byte[], int)}; reads at most {@code maxBytes + 1} bytes, does not close. */
    public static XmlRpcRequest decodeRequest(InputStream in, int maxBytes) throws IOException {
        checkMax(maxBytes);
        byte[] body = in.readNBytes(Math.min(maxBytes, Integer.MAX_VALUE - 16) + 1);
        if (body.length > maxBytes) {
            throw tooLarge(maxBytes);
        }
        return XmlRpcParser.parseRequest(body, body.length);
    }

    public static byte[] encodeRequest(String method, List<?> params) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(params, "params");
        StringBuilder out = new StringBuilder(256 + estimate(params));
        out.append(XML_DECL).append("<methodCall><methodName>");
        XmlRpcWriter.escape(out, method);
        out.append("</methodName><params>");
        for (Object p : params) {
            out.append("<param>");
            XmlRpcWriter.value(out, p, 1);
            out.append("</param>");
        }
        out.append("</params></methodCall>\n");
        return toBytes(out);
    }

    /** A successful methodResponse: {@code <params><param><value>…</value></param></params>}. */
    public static byte[] encodeResponse(Object value) {
        if (hasUtf8Text(value)) {
            return encodeResponseInSegments(value);
        }
        StringBuilder out = new StringBuilder(256 + estimate(value));
        out.append(XML_DECL).append("<methodResponse><params><param>");
        XmlRpcWriter.value(out, value, 1);
        out.append("</param></params></methodResponse>\n");
        return toBytes(out);
    }

    /** An {@link EscapedText} of UTF-8 parts as the value, or as an element of the value's list (OpenNebula's envelope). */
    private static boolean hasUtf8Text(Object value) {
        if (value instanceof EscapedText t) {
            return t.isUtf8();
        }
        if (value instanceof List<?> list && list.size() <= 16) {
            for (Object o : list) {
                if (o instanceof EscapedText t && t.isUtf8()) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A successful methodResponse as consecutive byte segments that, written one after another, are exactly
     * {@link #encodeResponse}'s bytes. The UTF-8 parts of an {@link EscapedText} value are the parts themselves (shared,
     * never to be changed), so a server can write a pool document of many megabytes without copying it into one
     * array first.
     */
    public static List<byte[]> encodeResponseSegments(Object value) {
        return hasUtf8Text(value) ? segments(value) : List.of(encodeResponse(value));
    }

    /**
     * As the StringBuilder path encodes the same value, but the markup is encoded in small pieces and the text's
     * UTF-8 parts are copied once, straight into the answer: no intermediate copy of a megabyte pool document.
     */
    private static byte[] encodeResponseInSegments(Object value) {
        List<byte[]> segments = segments(value);
        int length = 0;
        for (byte[] s : segments) {
            length = Math.addExact(length, s.length);
        }
        byte[] out = new byte[length];
        int at = 0;
        for (byte[] s : segments) {
            System.arraycopy(s, 0, out, at, s.length);
            at += s.length;
        }
        return out;
    }

    private static List<byte[]> segments(Object value) {
        List<byte[]> segments = new ArrayList<>();
        StringBuilder markup = new StringBuilder(256);
        markup.append(XML_DECL).append("<methodResponse><params><param>");
        if (value instanceof EscapedText t) {
            appendUtf8Text(segments, markup, t);
        } else {
            markup.append("<value><array><data>");
            for (Object o : (List<?>) value) {
                if (o instanceof EscapedText t && t.isUtf8()) {
                    appendUtf8Text(segments, markup, t);
                } else {
                    XmlRpcWriter.value(markup, o, 2);
                }
            }
            markup.append("</data></array></value>");
        }
        markup.append("</param></params></methodResponse>\n");
        segments.add(toBytes(markup));
        return segments;
    }

    private static void appendUtf8Text(List<byte[]> segments, StringBuilder markup, EscapedText t) {
        markup.append("<value><string>");
        segments.add(toBytes(markup));
        markup.setLength(0);
        Collections.addAll(segments, t.utf8Parts());
        markup.append("</string></value>");
    }

    /** {@code <fault><value><struct>} with faultCode (i4) and faultString. */
    public static byte[] encodeFault(int code, String message) {
        StringBuilder out = new StringBuilder(320 + (message == null ? 0 : message.length()));
        out.append(XML_DECL).append("<methodResponse><fault><value><struct>")
           .append("<member><name>faultCode</name><value><i4>").append(code).append("</i4></value></member>")
           .append("<member><name>faultString</name><value><string>");
        XmlRpcWriter.escape(out, message == null ? "" : message);
        out.append("</string></value></member></struct></value></fault></methodResponse>\n");
        return toBytes(out);
    }

    /**
     * Decodes a methodResponse: returns its value (null for an empty {@code <params/>}), or throws
     * {@link XmlRpcFaultException} for a fault, {@link XmlRpcException} for anything malformed. No size
     * limit: the caller chose the peer.
     */
    public static Object decodeResponse(byte[] body) {
        Objects.requireNonNull(body, "body");
        return XmlRpcParser.parseResponse(body, body.length);
    }

    /**
     * Appends {@code <value>…</value>}: Integer/Short/Byte as i4, Long as i8, Boolean, String (&amp; &lt;
     * &gt; escaped, CR as a char ref, characters invalid in XML 1.0 dropped), {@link EscapedText} as a string
     * written verbatim, Double/Float, byte[] as
     * base64, LocalDateTime, List/Collection/Object[] as array, Map as struct (keys via String.valueOf),
     * null as {@code <nil/>}.
     *
     * @throws IllegalArgumentException for other types, or nesting deeper than 64 (which also catches cycles)
     */
    public static void appendValue(StringBuilder out, Object value) {
        XmlRpcWriter.value(out, value, 1);
    }

    /**
     * Appends {@code text} escaped exactly as the encoder escapes a String value's text (&amp; &lt; &gt;, CR as a
     * char ref, characters invalid in XML 1.0 dropped). Escaping parts separately and concatenating them gives
     * the escaping of the whole, provided no part ends inside a surrogate pair.
     */
    public static void escape(StringBuilder out, CharSequence text) {
        XmlRpcWriter.escape(out, text);
    }

    /** {@link #escape(StringBuilder, CharSequence)} into a new String. */
    public static String escape(CharSequence text) {
        StringBuilder out = new StringBuilder(text.length() + (text.length() >> 2) + 16);
        XmlRpcWriter.escape(out, text);
        return out.toString();
    }

    /**
     * Capacity hint so the builder never grows: the OpenNebula envelope [ok, "<big XML>", code] dominates,
     * and escaping tag-dense XML nearly doubles it ("<ID>" becomes "&lt;ID&gt;").
     */
    private static int estimate(Object value) {
        if (value instanceof String s) {
            return 2 * s.length() + 32;
        }
        if (value instanceof EscapedText t) {
            return t.length() + 32;
        }
        if (value instanceof Collection<?> c && c.size() <= 16) {
            int n = 0;
            for (Object o : c) {
                n += o instanceof String s ? 2 * s.length() + 32 : o instanceof EscapedText t ? t.length() + 32 : 48;
            }
            return n;
        }
        return 0;
    }

    private static byte[] toBytes(StringBuilder out) {
        // For Latin-1 content both steps are intrinsic array copies; cheaper than a hand-rolled UTF-8 loop.
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void checkMax(int maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        }
    }

    private static XmlRpcException tooLarge(int maxBytes) {
        return new XmlRpcException("body exceeds " + maxBytes + " bytes");
    }
}
