package dev.nimbo.client.xmlrpc;

import java.math.BigDecimal;
import java.time.LocalDateTime;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;

/**
 * Encodes values straight into one StringBuilder: no intermediate strings per value, text escaped in
 * place by copying clean runs. Stateless and thread-safe.
 */
final class XmlRpcWriter {
    /** Same limit as the decoder: deeper values would be rejected by us anyway; also stops cycles. */
    static final int MAX_DEPTH = XmlRpcParser.MAX_DEPTH;

    // Per ASCII char: 0 keep, 1 drop (invalid in XML 1.0), 2+ index into REPLACEMENT.
    private static final byte[] ASCII_ACTION = new byte[128];
    private static final String[] REPLACEMENT = {null, null, "&amp;", "&lt;", "&gt;", "&#13;"};

    static {
        for (int c = 0; c < 0x20; c++) {
            ASCII_ACTION[c] = 1;
        }
        ASCII_ACTION['\t'] = 0;
        ASCII_ACTION['\n'] = 0;
        // A literal CR would come back as LF (XML end-of-line normalisation), so keep it as a char ref.
        ASCII_ACTION['\r'] = 5;
        ASCII_ACTION['&'] = 2;
        ASCII_ACTION['<'] = 3;
        ASCII_ACTION['>'] = 4; // also keeps "]]>" out of text
    }

    private XmlRpcWriter() {}

    static void value(StringBuilder out, Object value, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("value nesting deeper than " + MAX_DEPTH + " (or a cycle)");
        }
        switch (value) {
            case null -> out.append("<value><nil/></value>");
            case String s -> {
                out.append("<value><string>");
                escape(out, s);
                out.append("</string></value>");
            }
            case EscapedText t -> {
                out.append("<value><string>");
                t.appendTo(out);
                out.append("</string></value>");
            }
            case Integer i -> out.append("<value><i4>").append(i.intValue()).append("</i4></value>");
            case Boolean b -> out.append(b ? "<value><boolean>1</boolean></value>" : "<value><boolean>0</boolean></value>");
            case Long l -> out.append("<value><i8>").append(l.longValue()).append("</i8></value>");
            case Collection<?> list -> {
                out.append("<value><array><data>");
                for (Object o : list) {
                    value(out, o, depth + 1);
                }
                out.append("</data></array></value>");
            }
            case Map<?, ?> map -> {
                out.append("<value><struct>");
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.append("<member><name>");
                    escape(out, String.valueOf(e.getKey()));
                    out.append("</name>");
                    value(out, e.getValue(), depth + 1);
                    out.append("</member>");
                }
                out.append("</struct></value>");
            }
            case Double d -> out.append("<value><double>").append(formatDouble(d)).append("</double></value>");
            case byte[] bytes -> out.append("<value><base64>").append(Base64.getEncoder().encodeToString(bytes))
                    .append("</base64></value>");
            case LocalDateTime t -> {
                out.append("<value><dateTime.iso8601>");
                formatDateTime(out, t);
                out.append("</dateTime.iso8601></value>");
            }
            case Short s -> out.append("<value><i4>").append(s.intValue()).append("</i4></value>");
            case Byte b -> out.append("<value><i4>").append(b.intValue()).append("</i4></value>");
            case Float f -> out.append("<value><double>").append(formatDouble(f.doubleValue())).append("</double></value>");
            case Character c -> value(out, c.toString(), depth);
            case Object[] array -> value(out, Arrays.asList(array), depth);
            default -> throw new IllegalArgumentException("cannot encode " + value.getClass().getName() + " as XML-RPC");
        }
    }

    /**
     * Appends {@code s} as XML text: & < > escaped, CR as a char ref, characters not allowed in XML 1.0
     * (C0 controls, lone surrogates, U+FFFE/U+FFFF) dropped. Clean runs are copied in bulk.
     */
    static void escape(StringBuilder out, CharSequence s) {
        int n = s.length();
        int start = 0;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                int action = ASCII_ACTION[c];
                if (action == 0) {
                    continue;
                }
                out.append(s, start, i);
                if (action > 1) {
                    out.append(REPLACEMENT[action]);
                }
                start = i + 1;
            } else if (c < 0xD800 || (c >= 0xE000 && c < 0xFFFE)) {
                continue;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++; // a valid pair: keep both
            } else {
                out.append(s, start, i); // lone surrogate or U+FFFE/U+FFFF: drop
                start = i + 1;
            }
        }
        out.append(s, start, n);
    }

    /** XML-RPC's double has no exponent, so big/small magnitudes are written out in plain digits. */
    static String formatDouble(double d) {
        if (Double.isNaN(d) || Double.isInfinite(d)) {
            return Double.toString(d); // NaN / Infinity / -Infinity: non-standard, our decoder accepts them
        }
        String s = Double.toString(d);
        if (s.indexOf('E') < 0) {
            return s;
        }
        return BigDecimal.valueOf(d).toPlainString(); // exact: built from the same shortest repr
    }

    /** The spec's form, {@code 19980717T14:08:55}; sub-second precision is not representable. */
    static void formatDateTime(StringBuilder out, LocalDateTime t) {
        int year = t.getYear();
        if (year < 0 || year > 9999) {
            throw new IllegalArgumentException("dateTime.iso8601 needs a 4-digit year: " + t);
        }
        pad(out, year, 4);
        pad(out, t.getMonthValue(), 2);
        pad(out, t.getDayOfMonth(), 2);
        out.append('T');
        pad(out, t.getHour(), 2);
        out.append(':');
        pad(out, t.getMinute(), 2);
        out.append(':');
        pad(out, t.getSecond(), 2);
    }

    private static void pad(StringBuilder out, int v, int width) {
        String s = Integer.toString(v);
        for (int i = s.length(); i < width; i++) {
            out.append('0');
        }
        out.append(s);
    }
}
