package dev.nimbo.client.xmlrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class XmlRpcEncodeTest {

    private static String value(Object v) {
        StringBuilder sb = new StringBuilder();
        XmlRpcCodec.appendValue(sb, v);
        return sb.toString();
    }

    @Test
    void scalars() {
        assertThat(value(5)).isEqualTo("<value><i4>5</i4></value>");
        assertThat(value(5L)).isEqualTo("<value><i8>5</i8></value>");
        assertThat(value(true)).isEqualTo("<value><boolean>1</boolean></value>");
        assertThat(value(false)).isEqualTo("<value><boolean>0</boolean></value>");
        assertThat(value(null)).isEqualTo("<value><nil/></value>");
        assertThat(value(1.5)).isEqualTo("<value><double>1.5</double></value>");
        assertThat(value("hi".getBytes(StandardCharsets.US_ASCII))).isEqualTo("<value><base64>aGk=</base64></value>");
        assertThat(value(LocalDateTime.of(1998, 7, 17, 14, 8, 55))).isEqualTo("<value><dateTime.iso8601>19980717T14:08:55</dateTime.iso8601></value>");
        assertThat(value((short) 3)).isEqualTo("<value><i4>3</i4></value>");
    }

    @Test
    void doublesNeverUseExponent() {
        assertThat(value(1e20)).isEqualTo("<value><double>100000000000000000000</double></value>");
        assertThat(value(1.5e-7)).isEqualTo("<value><double>0.00000015</double></value>");
        for (double d : new double[] {1e300, -4.9e-324, Double.MAX_VALUE, 123456789.123}) {
            String xml = value(d);
            assertThat(xml).doesNotContain("E");
            assertThat(roundTrip(d)).isEqualTo(d);
        }
    }

    @Test
    void stringsAreEscapedInPlace() {
        assertThat(value("a<b>&c\"'")).isEqualTo("<value><string>a&lt;b&gt;&amp;c\"'</string></value>");
        assertThat(value("]]>")).isEqualTo("<value><string>]]&gt;</string></value>");
        assertThat(value("line1\r\nline2\tx")).isEqualTo("<value><string>line1&#13;\nline2\tx</string></value>");
    }

    @Test
    void charactersInvalidInXmlAreDropped() {
        String s = "a\u0000b\u0001c\u001Fd\uFFFEe\uFFFFf\uD800g\uDC00h" + "😀" + "\uE000\uFFFD";
        assertThat(value(s)).isEqualTo("<value><string>abcdefgh😀\uE000\uFFFD</string></value>");
        assertThat(value("\uD83D")).isEqualTo("<value><string></string></value>"); // lone high surrogate at end
        assertThat(roundTrip(s)).isEqualTo("abcdefgh😀\uE000\uFFFD");
    }

    @Test
    void structsAndArrays() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a&b", List.of(1, "x"));
        m.put("n", null);
        assertThat(value(m)).isEqualTo("<value><struct><member><name>a&amp;b</name><value><array><data><value><i4>1</i4></value>"
                + "<value><string>x</string></value></data></array></value></member><member><name>n</name><value><nil/></value></member>"
                + "</struct></value>");
        assertThat(value(new Object[] {1, null})).isEqualTo(value(Arrays.asList(1, null)));
        assertThat(value(Set.of(7))).isEqualTo(value(List.of(7)));
    }

    @Test
    void unsupportedTypesAndCyclesAreProgrammingErrors() {
        assertThatThrownBy(() -> value(new Object())).isInstanceOf(IllegalArgumentException.class);
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(cyclic);
        assertThatThrownBy(() -> value(cyclic)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("deeper than 64");
        assertThatThrownBy(() -> value(LocalDateTime.of(10000, 1, 1, 0, 0))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void requestShape() {
        String xml = new String(XmlRpcCodec.encodeRequest("one.vm.info", List.of("u:p", 3)), StandardCharsets.UTF_8);
        assertThat(xml).isEqualTo("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodCall><methodName>one.vm.info</methodName><params>"
                + "<param><value><string>u:p</string></value></param><param><value><i4>3</i4></value></param></params></methodCall>\n");
        assertThat(XmlRpcCodec.decodeRequest(xml.getBytes(StandardCharsets.UTF_8), 1000))
                .isEqualTo(new XmlRpcRequest("one.vm.info", List.of("u:p", 3)));
    }

    @Test
    void responseShapeForTheOpenNebulaEnvelope() {
        String doc = "<VM_POOL>" + "<VM><ID>1</ID><NAME>a & b</NAME></VM>".repeat(1500) + "</VM_POOL>";
        byte[] bytes = XmlRpcCodec.encodeResponse(List.of(true, doc, 0));
        String xml = new String(bytes, StandardCharsets.UTF_8);
        assertThat(xml).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<methodResponse><params><param><value><array><data>"
                + "<value><boolean>1</boolean></value><value><string>&lt;VM_POOL&gt;&lt;VM&gt;&lt;ID&gt;1&lt;/ID&gt;&lt;NAME&gt;a &amp; b");
        assertThat(xml).endsWith("&lt;/VM_POOL&gt;</string></value><value><i4>0</i4></value></data></array></value></param></params></methodResponse>\n");
        assertThat(XmlRpcCodec.decodeResponse(bytes)).isEqualTo(List.of(true, doc, 0));
    }

    @Test
    void nonAsciiIsUtf8() {
        byte[] bytes = XmlRpcCodec.encodeResponse("é😀");
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("<string>é😀</string>");
        assertThat(XmlRpcCodec.decodeResponse(bytes)).isEqualTo("é😀");
    }

    @Test
    void faultRoundTrip() {
        byte[] bytes = XmlRpcCodec.encodeFault(-501, "bad <request> & such\nsecond line");
        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains(
                "<fault><value><struct><member><name>faultCode</name><value><i4>-501</i4></value></member>"
                        + "<member><name>faultString</name><value><string>bad &lt;request&gt; &amp; such\nsecond line</string></value></member>");
        assertThatThrownBy(() -> XmlRpcCodec.decodeResponse(bytes))
                .isInstanceOfSatisfying(XmlRpcFaultException.class, e -> {
                    assertThat(e.code()).isEqualTo(-501);
                    assertThat(e.getMessage()).isEqualTo("bad <request> & such\nsecond line");
                });
        assertThatThrownBy(() -> XmlRpcCodec.decodeResponse(XmlRpcCodec.encodeFault(1, null)))
                .isInstanceOfSatisfying(XmlRpcFaultException.class, e -> assertThat(e.getMessage()).isEmpty());
    }

    private static Object roundTrip(Object v) {
        return XmlRpcCodec.decodeResponse(XmlRpcCodec.encodeResponse(v));
    }
}
