package dev.nimbo.client.xmlrpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;

class XmlRpcRoundTripTest {

    @Property(tries = 500)
    void requestRoundTrip(@ForAll("methodNames") String method, @ForAll("params") List<Object> params) {
        byte[] body = XmlRpcCodec.encodeRequest(method, params);
        XmlRpcRequest decoded = XmlRpcCodec.decodeRequest(body, XmlRpcCodec.DEFAULT_MAX_BYTES);
        assertThat(decoded.methodName()).isEqualTo(method);
        assertThat(normalize(decoded.params())).isEqualTo(normalize(params));
    }

    @Property(tries = 500)
    void responseRoundTrip(@ForAll("values") Object value) {
        Object decoded = XmlRpcCodec.decodeResponse(XmlRpcCodec.encodeResponse(value));
        assertThat(normalize(decoded)).isEqualTo(normalize(value));
    }

    /** Any Java string survives except for the characters XML 1.0 cannot carry, which are dropped. */
    @Property(tries = 1000)
    void anyStringComesBackFiltered(@ForAll @Size(max = 40) String s) {
        assertThat(XmlRpcCodec.decodeResponse(XmlRpcCodec.encodeResponse(s))).isEqualTo(xmlFiltered(s));
    }

    @Property(tries = 200)
    void faultRoundTrip(@ForAll int code, @ForAll("xmlStrings") String message) {
        try {
            XmlRpcCodec.decodeResponse(XmlRpcCodec.encodeFault(code, message));
            throw new AssertionError("no fault");
        } catch (XmlRpcFaultException e) {
            assertThat(e.code()).isEqualTo(code);
            assertThat(e.getMessage()).isEqualTo(message);
        }
    }

    // ---- generators -----------------------------------------------------------------------------

    @Provide
    Arbitrary<String> methodNames() {
        return Arbitraries.strings().withCharRange('a', 'z').withChars('.', '_').ofMinLength(1).ofMaxLength(30)
                .filter(s -> !s.isBlank());
    }

    @Provide
    Arbitrary<List<Object>> params() {
        return value(3).list().ofMaxSize(5);
    }

    @Provide
    Arbitrary<Object> values() {
        return value(4);
    }

    /** Strings of characters XML 1.0 allows, with surrogate pairs, markup characters and whitespace. */
    @Provide
    Arbitrary<String> xmlStrings() {
        Arbitrary<String> piece = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.chars().range(' ', '~').map(String::valueOf)),
                Tuple.of(2, Arbitraries.of("<", ">", "&", "]]>", "\r", "\n", "\t", " ", "\r\n", "&amp;", "<![CDATA[")),
                Tuple.of(2, Arbitraries.chars().range('\u0080', '\uD7FF').range('\uE000', '\uFFFD').map(String::valueOf)),
                Tuple.of(1, Arbitraries.integers().between(0x10000, 0x10FFFF).map(Character::toString)));
        return piece.list().ofMaxSize(20).map(l -> String.join("", l));
    }

    private Arbitrary<Object> value(int depth) {
        Arbitrary<Object> leaf = Arbitraries.oneOf(
                Arbitraries.integers().map(Object.class::cast),
                Arbitraries.longs().map(Object.class::cast),
                Arbitraries.of(true, false).map(Object.class::cast),
                xmlStrings().map(Object.class::cast),
                Arbitraries.doubles().withSpecialValue(Double.NaN).withSpecialValue(Double.POSITIVE_INFINITY)
                        .withSpecialValue(-0.0).withSpecialValue(Double.MIN_VALUE).withSpecialValue(Double.MAX_VALUE)
                        .map(Object.class::cast),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(40).map(Object.class::cast),
                Arbitraries.longs().between(LocalDateTime.of(0, 1, 1, 0, 0).toEpochSecond(ZoneOffset.UTC),
                                LocalDateTime.of(9999, 12, 31, 23, 59, 59).toEpochSecond(ZoneOffset.UTC))
                        .map(s -> (Object) LocalDateTime.ofEpochSecond(s, 0, ZoneOffset.UTC)))
                .injectNull(0.05);
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<Object> list = Arbitraries.lazy(() -> value(depth - 1)).list().ofMaxSize(4).map(Object.class::cast);
        Arbitrary<Object> struct = Combinators.combine(xmlStrings().list().ofMaxSize(4),
                        Arbitraries.lazy(() -> value(depth - 1)).list().ofSize(4))
                .as((keys, vals) -> {
                    Map<String, Object> m = new java.util.LinkedHashMap<>();
                    for (int i = 0; i < keys.size(); i++) {
                        m.put(keys.get(i), vals.get(i));
                    }
                    return (Object) m;
                });
        return Arbitraries.frequencyOf(Tuple.of(5, leaf), Tuple.of(1, list), Tuple.of(1, struct));
    }

    // ---- comparison -----------------------------------------------------------------------------

    record Bytes(String hex) {}

    record Entry(String key, Object value) {}

    /** byte[] by content; maps as ordered entry lists so member order is checked too. */
    static Object normalize(Object v) {
        if (v instanceof byte[] b) {
            return new Bytes(HexFormat.of().formatHex(b));
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            l.forEach(o -> out.add(normalize(o)));
            return out;
        }
        if (v instanceof Map<?, ?> m) {
            List<Object> out = new ArrayList<>();
            m.forEach((k, o) -> out.add(new Entry((String) k, normalize(o))));
            return out;
        }
        return v;
    }

    /** Reference filter, by code point: what XML 1.0 allows. */
    static String xmlFiltered(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().filter(cp -> cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF)
                        || (cp >= 0xE000 && cp <= 0xFFFD) || cp >= 0x10000)
                .forEach(sb::appendCodePoint);
        return new String(sb.toString().getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }
}
