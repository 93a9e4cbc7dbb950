package dev.nimbo.client.xmlrpc;

import java.io.CharArrayReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Recursive-descent decoder over one StAX reader. One instance per document (not thread-safe); the
 * factory is shared, since the JDK's is thread-safe once configured.
 */
final class XmlRpcParser {
    static final int MAX_DEPTH = 64;

    private static final XMLInputFactory FACTORY = newFactory();

    private final XMLStreamReader r;

    private XmlRpcParser(XMLStreamReader r) {
        this.r = r;
    }

    /** The JDK's own implementation (not whatever the classpath provides), locked down against DTDs and XXE. */
    private static XMLInputFactory newFactory() {
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        // One text event per run instead of one per entity ref: ~25% faster on escaped XML payloads.
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        // Recent JDKs cap element depth at 100, below what 64 value levels need (3 elements per level);
        // our own value-depth check stops deeper documents first.
        raiseJdkLimit(f, "jdk.xml.maxElementDepth", String.valueOf(3 * MAX_DEPTH + 16));
        // JDK 25 caps the document's text at 100,000 characters (JAXP00010003), far below a pool listing;
        // with DTDs refused no entity can expand, and the caller's byte limit bounds the body.
        raiseJdkLimit(f, "jdk.xml.maxGeneralEntitySizeLimit", "0");
        raiseJdkLimit(f, "jdk.xml.totalEntitySizeLimit", "0");
        f.setXMLResolver((publicId, systemId, baseUri, namespace) -> {
            throw new XMLStreamException("external entities are not allowed");
        });
        return f;
    }

    private static void raiseJdkLimit(XMLInputFactory f, String property, String value) {
        try {
            f.setProperty(property, value);
        } catch (IllegalArgumentException unsupported) {
            // older JDKs: no such limit, nothing to raise
        }
    }

    // ---- entry points ---------------------------------------------------------------------------

    static XmlRpcRequest parseRequest(byte[] body, int length) {
        XmlRpcParser p = open(body, length);
        try {
            return p.methodCall();
        } finally {
            p.close();
        }
    }

    static Object parseResponse(byte[] body, int length) {
        XmlRpcParser p = open(body, length);
        try {
            return p.methodResponse();
        } finally {
            p.close();
        }
    }

    private static XmlRpcParser open(byte[] body, int length) {
        if (length == 0) {
            throw new XmlRpcException("empty body");
        }
        CharBuffer chars = decodeChars(body, length);
        try {
            return new XmlRpcParser(FACTORY.createXMLStreamReader(
                    new CharArrayReader(chars.array(), chars.arrayOffset(), chars.limit())));
        } catch (XMLStreamException | RuntimeException e) {
            throw malformed(e);
        }
    }

    private void close() {
        try {
            r.close();
        } catch (XMLStreamException | RuntimeException ignored) {
            // nothing to release beyond our in-memory reader
        }
    }

    // ---- bytes to chars -------------------------------------------------------------------------

    /**
     * Strict decoding (REPORT, never replacement chars): UTF-8 unless the XML declaration names another
     * single-byte ASCII-compatible charset (e.g. ISO-8859-1). A UTF-8 BOM is skipped.
     */
    static CharBuffer decodeChars(byte[] body, int length) {
        int start = 0;
        if (length >= 3 && body[0] == (byte) 0xEF && body[1] == (byte) 0xBB && body[2] == (byte) 0xBF) {
            start = 3;
        }
        Charset cs = declaredCharset(body, start, length);
        CharsetDecoder dec = cs.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(body, start, length - start);
        CharBuffer out = CharBuffer.allocate(length - start); // enough: at most one char per byte here
        CoderResult cr = dec.decode(in, out, true);
        if (!cr.isError()) {
            cr = dec.flush(out);
        }
        if (cr.isError() || cr.isOverflow()) {
            throw new XmlRpcException("invalid " + cs.name() + " byte sequence at offset " + in.position());
        }
        return out.flip();
    }

    private static Charset declaredCharset(byte[] b, int start, int length) {
        int end = Math.min(length, start + 256);
        if (!startsWith(b, start, end, "<?xml")) {
            return StandardCharsets.UTF_8;
        }
        String decl = null;
        for (int i = start; i + 1 < end; i++) {
            if (b[i] == '?' && b[i + 1] == '>') {
                decl = new String(b, start, i - start, StandardCharsets.ISO_8859_1);
                break;
            }
        }
        if (decl == null) {
            return StandardCharsets.UTF_8; // let the XML parser report the broken declaration
        }
        int at = decl.indexOf("encoding");
        if (at < 0) {
            return StandardCharsets.UTF_8;
        }
        int q = at + 8;
        while (q < decl.length() && (decl.charAt(q) == ' ' || decl.charAt(q) == '=' || decl.charAt(q) == '\t'
                || decl.charAt(q) == '\r' || decl.charAt(q) == '\n')) {
            q++;
        }
        if (q >= decl.length() || (decl.charAt(q) != '"' && decl.charAt(q) != '\'')) {
            return StandardCharsets.UTF_8;
        }
        int close = decl.indexOf(decl.charAt(q), q + 1);
        String name = close < 0 ? "" : decl.substring(q + 1, close);
        if (name.equalsIgnoreCase("UTF-8") || name.equalsIgnoreCase("UTF8")) {
            return StandardCharsets.UTF_8;
        }
        if (name.equalsIgnoreCase("US-ASCII") || name.equalsIgnoreCase("ASCII")) {
            return StandardCharsets.US_ASCII;
        }
        try {
            Charset cs = Charset.forName(name);
            if (cs.newDecoder().maxCharsPerByte() <= 1.0f && isAsciiCompatible(cs)) {
                return cs;
            }
        } catch (IllegalArgumentException ignored) {
            // unknown or illegal name: reported below
        }
        throw new XmlRpcException("unsupported encoding " + quote(name));
    }

    private static boolean isAsciiCompatible(Charset cs) {
        String probe = "<?xml version=\"1.0\"?><a>z</a>";
        return probe.equals(new String(probe.getBytes(StandardCharsets.US_ASCII), cs));
    }

    private static boolean startsWith(byte[] b, int start, int end, String ascii) {
        if (end - start < ascii.length()) {
            return false;
        }
        for (int i = 0; i < ascii.length(); i++) {
            if (b[start + i] != ascii.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    // ---- document structure ---------------------------------------------------------------------

    private XmlRpcRequest methodCall() {
        expectStart("methodCall", nextTag());
        if (nextTag() != XMLStreamConstants.START_ELEMENT || !name().equals("methodName")) {
            throw new XmlRpcException("missing methodName");
        }
        String method = trimWs(text("methodName"));
        if (method.isEmpty()) {
            throw new XmlRpcException("missing methodName");
        }
        List<Object> params = new ArrayList<>();
        int e = nextTag();
        if (e == XMLStreamConstants.START_ELEMENT) {
            expectStart("params", e);
            params(params);
            e = nextTag();
        }
        expectEnd("methodCall", e);
        endDocument();
        return new XmlRpcRequest(method, params);
    }

    private Object methodResponse() {
        expectStart("methodResponse", nextTag());
        int e = nextTag();
        if (e != XMLStreamConstants.START_ELEMENT) {
            throw new XmlRpcException("methodResponse has neither params nor fault");
        }
        Object result;
        XmlRpcFaultException fault = null;
        switch (name()) {
            case "params" -> {
                List<Object> params = new ArrayList<>(1);
                params(params);
                if (params.size() > 1) {
                    throw new XmlRpcException("methodResponse has more than one param");
                }
                result = params.isEmpty() ? null : params.get(0);
            }
            case "fault" -> {
                expectStart("value", nextTag());
                fault = fault(value(1));
                expectEnd("fault", nextTag());
                result = null;
            }
            default -> throw unexpected();
        }
        expectEnd("methodResponse", nextTag());
        endDocument();
        if (fault != null) {
            throw fault;
        }
        return result;
    }

    private static XmlRpcFaultException fault(Object v) {
        if (!(v instanceof Map<?, ?> m) || !(m.get("faultCode") instanceof Number code)) {
            throw new XmlRpcException("fault is not a struct with an integer faultCode");
        }
        Object msg = m.get("faultString");
        return new XmlRpcFaultException(code.intValue(), msg == null ? "" : msg.toString());
    }

    /** At {@code <params>}; reads each {@code <param><value>…</value></param>} up to {@code </params>}. */
    private void params(List<Object> into) {
        int e;
        while ((e = nextTag()) == XMLStreamConstants.START_ELEMENT) {
            expectStart("param", e);
            expectStart("value", nextTag());
            into.add(value(1));
            expectEnd("param", nextTag());
        }
        expectEnd("params", e);
    }

    private void endDocument() {
        if (nextTag() != XMLStreamConstants.END_DOCUMENT) {
            throw new XmlRpcException("content after the root element");
        }
    }

    // ---- values ---------------------------------------------------------------------------------

    /**
     * At {@code <value>}; returns after {@code </value>}. Text beside a typed element must be whitespace;
     * text alone is an untyped string, kept verbatim.
     */
    private Object value(int depth) {
        if (depth > MAX_DEPTH) {
            throw new XmlRpcException("values nested deeper than " + MAX_DEPTH);
        }
        String first = null;
        StringBuilder more = null;
        while (true) {
            int e = next();
            switch (e) {
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                    if (first == null) {
                        first = r.getText();
                    } else {
                        if (more == null) {
                            more = new StringBuilder(first);
                        }
                        more.append(r.getTextCharacters(), r.getTextStart(), r.getTextLength());
                    }
                }
                case XMLStreamConstants.START_ELEMENT -> {
                    if (first != null && !isWs(more != null ? more : first)) {
                        throw new XmlRpcException("text mixed with " + tag(name()) + " in a value");
                    }
                    Object v = typed(depth);
                    int end = nextTag();
                    if (end == XMLStreamConstants.START_ELEMENT) {
                        throw new XmlRpcException("more than one type element in a value");
                    }
                    expectEnd("value", end);
                    return v;
                }
                case XMLStreamConstants.END_ELEMENT -> {
                    return more != null ? more.toString() : first != null ? first : "";
                }
                default -> skipOrReject(e);
            }
        }
    }

    /** At a type element inside a value; returns after its end tag. */
    private Object typed(int depth) {
        String type = name();
        return switch (type) {
            case "string" -> text(type);
            case "i4", "int" ->
                    (int) XmlRpcScalars.parseInteger(trimWs(text(type)), Integer.MIN_VALUE, Integer.MAX_VALUE, type);
            case "i8" -> XmlRpcScalars.parseInteger(trimWs(text(type)), Long.MIN_VALUE, Long.MAX_VALUE, type);
            case "boolean" -> XmlRpcScalars.parseBoolean(trimWs(text(type)));
            case "double" -> XmlRpcScalars.parseDouble(trimWs(text(type)));
            case "base64" -> XmlRpcScalars.parseBase64(text(type));
            case "dateTime.iso8601" -> XmlRpcScalars.parseDateTime(trimWs(text(type)));
            case "nil" -> {
                if (!isWs(text(type))) {
                    throw new XmlRpcException("nil must be empty");
                }
                yield null;
            }
            case "array" -> array(depth);
            case "struct" -> struct(depth);
            default -> throw new XmlRpcException("unknown value type " + tag(type));
        };
    }

    private List<Object> array(int depth) {
        expectStart("data", nextTag());
        List<Object> list = new ArrayList<>();
        int e;
        while ((e = nextTag()) == XMLStreamConstants.START_ELEMENT) {
            expectStart("value", e);
            list.add(value(depth + 1));
        }
        expectEnd("data", e);
        expectEnd("array", nextTag());
        return list;
    }

    private Map<String, Object> struct(int depth) {
        Map<String, Object> map = new LinkedHashMap<>();
        int e;
        while ((e = nextTag()) == XMLStreamConstants.START_ELEMENT) {
            expectStart("member", e);
            String key = null;
            Object val = null;
            boolean hasValue = false;
            while ((e = nextTag()) == XMLStreamConstants.START_ELEMENT) {
                String n = name();
                if (n.equals("name") && key == null) {
                    key = text(n);
                } else if (n.equals("value") && !hasValue) {
                    val = value(depth + 1);
                    hasValue = true;
                } else {
                    throw unexpected();
                }
            }
            expectEnd("member", e);
            if (key == null || !hasValue) {
                throw new XmlRpcException("struct member without " + (key == null ? "name" : "value"));
            }
            map.put(key, val); // a repeated name: the last one wins
        }
        expectEnd("struct", e);
        return map;
    }

    // ---- StAX helpers ---------------------------------------------------------------------------

    /** Every parser call goes through here, so only parser failures become "malformed XML". */
    private int next() {
        try {
            return r.next();
        } catch (XMLStreamException | RuntimeException e) {
            throw malformed(e);
        }
    }

    /** Next start/end tag or end of document, skipping comments, PIs and whitespace. */
    private int nextTag() {
        while (true) {
            int e = next();
            switch (e) {
                case XMLStreamConstants.START_ELEMENT, XMLStreamConstants.END_ELEMENT, XMLStreamConstants.END_DOCUMENT -> {
                    return e;
                }
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                    if (!isWs(r.getTextCharacters(), r.getTextStart(), r.getTextLength())) {
                        throw new XmlRpcException("unexpected text" + (r.getLocation() == null ? ""
                                : " at line " + r.getLocation().getLineNumber()));
                    }
                }
                default -> skipOrReject(e);
            }
        }
    }

    /** Text content of the current element up to its end tag; child elements are an error. */
    private String text(String element) {
        String first = null;
        StringBuilder more = null;
        while (true) {
            int e = next();
            switch (e) {
                case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA, XMLStreamConstants.SPACE -> {
                    if (first == null) {
                        first = r.getText();
                    } else {
                        if (more == null) {
                            more = new StringBuilder(first);
                        }
                        more.append(r.getTextCharacters(), r.getTextStart(), r.getTextLength());
                    }
                }
                case XMLStreamConstants.END_ELEMENT -> {
                    return more != null ? more.toString() : first != null ? first : "";
                }
                case XMLStreamConstants.START_ELEMENT ->
                        throw new XmlRpcException("unexpected " + tag(name()) + " inside <" + element + ">");
                default -> skipOrReject(e);
            }
        }
    }

    private static void skipOrReject(int event) {
        switch (event) {
            case XMLStreamConstants.COMMENT, XMLStreamConstants.PROCESSING_INSTRUCTION, XMLStreamConstants.START_DOCUMENT -> {
                // harmless
            }
            case XMLStreamConstants.DTD -> throw new XmlRpcException("DOCTYPE is not allowed");
            case XMLStreamConstants.ENTITY_REFERENCE, XMLStreamConstants.ENTITY_DECLARATION ->
                    throw new XmlRpcException("entity references are not allowed");
            case XMLStreamConstants.END_DOCUMENT -> throw new XmlRpcException("unexpected end of document");
            default -> throw new XmlRpcException("unexpected XML content");
        }
    }

    private String name() {
        return r.getLocalName();
    }

    private void expectStart(String element, int event) {
        if (event != XMLStreamConstants.START_ELEMENT || !name().equals(element)) {
            throw new XmlRpcException("expected <" + element + ">, found " + describe(event));
        }
    }

    private void expectEnd(String element, int event) {
        if (event != XMLStreamConstants.END_ELEMENT || !name().equals(element)) {
            throw new XmlRpcException("expected </" + element + ">, found " + describe(event));
        }
    }

    private XmlRpcException unexpected() {
        return new XmlRpcException("unexpected element " + tag(name()));
    }

    private String describe(int event) {
        return switch (event) {
            case XMLStreamConstants.START_ELEMENT -> tag(name());
            case XMLStreamConstants.END_ELEMENT -> "</" + sanitize(name(), 40) + ">";
            case XMLStreamConstants.END_DOCUMENT -> "end of document";
            default -> "other content";
        };
    }

    /** One line out of the JDK's "ParseError at [row,col]:[1,5]\nMessage: …". */
    private static XmlRpcException malformed(Exception e) {
        if (e instanceof XmlRpcException x) {
            return x;
        }
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        int at = msg.indexOf("Message: ");
        if (at >= 0) {
            msg = msg.substring(at + 9);
        }
        StringBuilder sb = new StringBuilder("malformed XML");
        if (e instanceof XMLStreamException x && x.getLocation() != null && x.getLocation().getLineNumber() > 0) {
            sb.append(" at line ").append(x.getLocation().getLineNumber())
              .append(", column ").append(x.getLocation().getColumnNumber());
        }
        return new XmlRpcException(sb.append(": ").append(sanitize(msg, 200)).toString());
    }

    // ---- small text utilities -------------------------------------------------------------------

    /** XML whitespace: space, tab, CR, LF. */
    static boolean isWs(char c) {
        return c == ' ' || c == '\n' || c == '\t' || c == '\r';
    }

    static boolean isWs(CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            if (!isWs(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isWs(char[] a, int start, int len) {
        for (int i = start; i < start + len; i++) {
            if (!isWs(a[i])) {
                return false;
            }
        }
        return true;
    }

    static String trimWs(String s) {
        int b = 0;
        int e = s.length();
        while (b < e && isWs(s.charAt(b))) {
            b++;
        }
        while (e > b && isWs(s.charAt(e - 1))) {
            e--;
        }
        return b == 0 && e == s.length() ? s : s.substring(b, e);
    }

    private static String tag(String name) {
        return "<" + sanitize(name, 40) + ">";
    }

    /** A short, printable, quoted piece of client input for an error message. */
    static String quote(String s) {
        return "'" + sanitize(s, 40) + "'";
    }

    private static String sanitize(String s, int max) {
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max) + 3);
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            sb.append(c < 0x20 || c == 0x7F || Character.isSurrogate(c) ? (c == '\n' || c == '\t' ? ' ' : '?') : c);
        }
        if (s.length() > max) {
            sb.append("...");
        }
        return sb.toString();
    }
}
