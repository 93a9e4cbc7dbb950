package dev.nimbo.client.xmlrpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EscapedTextTest {
    static final List<String> SAMPLES = List.of("", "plain", "<HOST><ID>1</ID></HOST>", "a & b <c> \"d\" 'e' ]]>",
            "cr\r\nlf\ttab", "ctl\u0000\u0001\u001F gone", "ü € 😀 \uE000\uFFFD", "lone \uD800 \uDC00 \uFFFE\uFFFF",
            "<T><![CDATA[x]]></T>");

    @Test
    void encodesExactlyAsTheStringWould() {
        for (String s : SAMPLES) {
            EscapedText e = EscapedText.of(s);
            assertThat(XmlRpcCodec.encodeResponse(Arrays.asList(true, e, 0)))
                    .as(s).isEqualTo(XmlRpcCodec.encodeResponse(Arrays.asList(true, s, 0)));
            StringBuilder a = new StringBuilder();
            XmlRpcCodec.appendValue(a, e);
            StringBuilder b = new StringBuilder();
            XmlRpcCodec.appendValue(b, s);
            assertThat(a.toString()).isEqualTo(b.toString());
            assertThat(XmlRpcCodec.decodeResponse(XmlRpcCodec.encodeResponse(e))).isEqualTo(e.unescaped());
        }
    }

    @Test
    void utf8PartsEncodeExactlyAsTheJoinedStringWould() {
        for (String s1 : SAMPLES) {
            for (String s2 : SAMPLES) {
                String whole = "<A>" + s1 + "</A><B>" + s2 + "</B>";
                EscapedText e = EscapedText.ofUtf8(List.of(EscapedText.escapeToUtf8("<A>" + s1 + "</A>"),
                        EscapedText.escapeToUtf8(""), EscapedText.escapeToUtf8("<B>" + s2 + "</B>")));
                assertThat(e.toString()).isEqualTo(XmlRpcCodec.escape(whole));
                // the envelope, the bare value, and mixed with other values, nested ones included
                assertThat(XmlRpcCodec.encodeResponse(Arrays.asList(true, e, 0)))
                        .isEqualTo(XmlRpcCodec.encodeResponse(Arrays.asList(true, whole, 0)));
                assertThat(XmlRpcCodec.encodeResponse(e)).isEqualTo(XmlRpcCodec.encodeResponse(whole));
                assertThat(XmlRpcCodec.encodeResponse(Arrays.asList(e, List.of(1, "x<"), null, 7L, e)))
                        .isEqualTo(XmlRpcCodec.encodeResponse(Arrays.asList(whole, List.of(1, "x<"), null, 7L, whole)));
                // nested deeper, it takes the general path
                assertThat(XmlRpcCodec.encodeResponse(List.of(List.of(e))))
                        .isEqualTo(XmlRpcCodec.encodeResponse(List.of(List.of(whole))));
                assertThat(XmlRpcCodec.decodeResponse(XmlRpcCodec.encodeResponse(Arrays.asList(true, e, 0))))
                        .isEqualTo(Arrays.asList(true, e.unescaped(), 0));
                // the segments a server writes one after another are exactly those bytes, the parts not copied
                List<byte[]> segments = XmlRpcCodec.encodeResponseSegments(Arrays.asList(true, e, 0));
                java.io.ByteArrayOutputStream joined = new java.io.ByteArrayOutputStream();
                segments.forEach(joined::writeBytes);
                assertThat(joined.toByteArray()).isEqualTo(XmlRpcCodec.encodeResponse(Arrays.asList(true, whole, 0)));
                assertThat(segments).anyMatch(seg -> seg == e.utf8Parts()[0]);
            }
        }
        assertThat(XmlRpcCodec.encodeResponse(EscapedText.ofUtf8(List.of()))).isEqualTo(XmlRpcCodec.encodeResponse(""));
    }

    @Test
    void escapingIsTheCodecsOwn() {
        assertThat(XmlRpcCodec.escape("a&b<c>\r\u0001")).isEqualTo("a&amp;b&lt;c&gt;&#13;");
        StringBuilder sb = new StringBuilder("x");
        XmlRpcCodec.escape(sb, new StringBuilder("<y>"));
        assertThat(sb.toString()).isEqualTo("x&lt;y&gt;");
    }

    @Test
    void escapedPartsMakeTheEscapedWhole() {
        Random r = new Random(7);
        for (int round = 0; round < 200; round++) {
            StringBuilder whole = new StringBuilder();
            StringBuilder parts = new StringBuilder();
            for (int i = 0; i < 5; i++) {
                String part = "<E>" + SAMPLES.get(r.nextInt(SAMPLES.size())) + "</E>";
                whole.append(part);
                parts.append(XmlRpcCodec.escape(part));
            }
            assertThat(parts.toString()).isEqualTo(XmlRpcCodec.escape(whole));
            assertThat(XmlRpcCodec.encodeResponse(List.of(new EscapedText(parts))))
                    .isEqualTo(XmlRpcCodec.encodeResponse(List.of(whole.toString())));
        }
    }

    @Test
    void unescapedGivesTheTextBack() {
        assertThat(EscapedText.of("a&b<c>\r\n").unescaped()).isEqualTo("a&b<c>\r\n");
        assertThat(new EscapedText("no entities").unescaped()).isEqualTo("no entities");
        assertThat(EscapedText.of("x").toString()).isEqualTo("x");
    }
}
