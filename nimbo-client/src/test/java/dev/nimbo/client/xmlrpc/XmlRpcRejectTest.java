package dev.nimbo.client.xmlrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class XmlRpcRejectTest {

    private static final String HEAD = "<methodCall><methodName>m</methodName><params><param>";
    private static final String TAIL = "</param></params></methodCall>";

    private static AbstractThrowableAssert<?, ? extends Throwable> rejects(byte[] body) {
        return assertThatThrownBy(() -> XmlRpcCodec.decodeRequest(body, XmlRpcCodec.DEFAULT_MAX_BYTES))
                .isExactlyInstanceOf(XmlRpcException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r").hasSizeLessThan(300));
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> rejects(String xml) {
        return rejects(xml.getBytes(StandardCharsets.UTF_8));
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> rejectsValue(String valueXml) {
        return rejects(HEAD + valueXml + TAIL);
    }

    @Test
    void billionLaughs() {
        StringBuilder dtd = new StringBuilder("<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for (int i = 1; i < 10; i++) {
            dtd.append("<!ENTITY lol").append(i).append(" \"");
            for (int j = 0; j < 10; j++) {
                dtd.append("&lol").append(i == 1 ? "" : String.valueOf(i - 1)).append(';');
            }
            dtd.append("\">");
        }
        dtd.append("]>").append(HEAD).append("<value>&lol9;</value>").append(TAIL);
        rejects(dtd.toString()).hasMessageContaining("DOCTYPE");
    }

    @Test
    void externalEntityAndExternalDtd() {
        rejects("<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
                + HEAD + "<value>&xxe;</value>" + TAIL).hasMessageContaining("DOCTYPE");
        rejects("<!DOCTYPE methodCall SYSTEM \"http://127.0.0.1:1/evil.dtd\">" + HEAD + "<value>x</value>" + TAIL)
                .hasMessageContaining("DOCTYPE");
        rejects("<!DOCTYPE methodCall PUBLIC \"-//x//y\" \"file:///etc/passwd\">" + HEAD + "<value>x</value>" + TAIL)
                .hasMessageContaining("DOCTYPE");
    }

    @Test
    void undeclaredEntityReference() {
        rejectsValue("<value>&xxe;</value>").hasMessageStartingWith("malformed XML");
        rejectsValue("<value>&nbsp;</value>").hasMessageStartingWith("malformed XML");
    }

    @Test
    void invalidUtf8() {
        byte[] good = (HEAD + "<value>ab</value>" + TAIL).getBytes(StandardCharsets.UTF_8);
        int at = new String(good, StandardCharsets.UTF_8).indexOf("ab");
        for (byte[] bad : List.of(new byte[] {(byte) 0xC3}, new byte[] {(byte) 0xFF}, new byte[] {(byte) 0xC0, (byte) 0xAF},
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80} /* encoded surrogate */, new byte[] {(byte) 0x80})) {
            byte[] body = new byte[good.length + bad.length];
            System.arraycopy(good, 0, body, 0, at);
            System.arraycopy(bad, 0, body, at, bad.length);
            System.arraycopy(good, at, body, at + bad.length, good.length - at);
            rejects(body).hasMessage("invalid UTF-8 byte sequence at offset " + at);
        }
    }

    @Test
    void unsupportedDeclaredEncoding() {
        rejects("<?xml version=\"1.0\" encoding=\"UTF-16\"?>" + HEAD + "<value>x</value>" + TAIL)
                .hasMessageContaining("unsupported encoding");
        rejects("<?xml version=\"1.0\" encoding=\"bogus-charset\"?>" + HEAD + "<value>x</value>" + TAIL)
                .hasMessageContaining("unsupported encoding");
    }

    @Test
    void truncated() {
        String xml = HEAD + "<value><struct><member><name>a</name><value><i4>1</i4></value></member></struct></value>" + TAIL;
        for (int len = 1; len < xml.length(); len++) {
            rejects(xml.substring(0, len));
        }
    }

    @Test
    void emptyBody() {
        rejects(new byte[0]).hasMessage("empty body");
        rejects("   ");
    }

    @Test
    void oversize() {
        byte[] body = (HEAD + "<value>" + "x".repeat(2000) + "</value>" + TAIL).getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> XmlRpcCodec.decodeRequest(body, 1024))
                .isExactlyInstanceOf(XmlRpcException.class).hasMessage("body exceeds 1024 bytes");
        assertThatThrownBy(() -> XmlRpcCodec.decodeRequest(new ByteArrayInputStream(body), 1024))
                .isExactlyInstanceOf(XmlRpcException.class).hasMessage("body exceeds 1024 bytes");
        assertThat(XmlRpcCodec.decodeRequest(body, body.length).params()).hasSize(1);
        assertThatThrownBy(() -> XmlRpcCodec.decodeRequest(body, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static String nestedArrays(int levels) {
        return "<value><array><data>".repeat(levels) + "</data></array></value>".repeat(levels);
    }

    @Test
    void nestingLimit() {
        // 64 levels of values (the outermost param value is level 1) decode; 65 do not.
        Object v = XmlRpcCodec.decodeRequest((HEAD + nestedArrays(64) + TAIL).getBytes(StandardCharsets.UTF_8), 1 << 20).params().get(0);
        int depth = 1;
        while (v instanceof List<?> l && !l.isEmpty()) {
            v = l.get(0);
            depth++;
        }
        assertThat(depth).isEqualTo(64);
        rejects(HEAD + nestedArrays(65) + TAIL).hasMessageContaining("nested deeper than 64");
        String structs = "<value><struct><member><name>k</name>".repeat(65) + "</member></struct></value>".repeat(65);
        rejects(HEAD + structs + TAIL).hasMessageContaining("nested deeper than 64");
        // Far deeper than any stack: still a clean rejection (the limit stops recursion early).
        rejects(HEAD + nestedArrays(100_000) + TAIL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"<i4>2147483648</i4>", "<int>-2147483649</int>", "<i4>99999999999999999999999</i4>",
            "<i8>9223372036854775808</i8>", "<i8>-9223372036854775809</i8>", "<i4></i4>", "<i4>-</i4>", "<i4>1.0</i4>",
            "<i4>1 2</i4>", "<i4>0x10</i4>", "<i4>١٢</i4>" /* Arabic-Indic digits */, "<int>+-1</int>",
            "<double>1.0d</double>", "<double>0x1p3</double>", "<double></double>", "<double>1e</double>", "<double>.</double>",
            "<double>1.2.3</double>", "<double>١.٠</double>"})
    void badNumbers(String typed) {
        rejectsValue("<value>" + typed + "</value>").hasMessageStartingWith("invalid ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"true", "false", "2", "-1", "", "yes", "01"})
    void badBoolean(String text) {
        rejectsValue("<value><boolean>" + text + "</boolean></value>").hasMessageContaining("boolean");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<base64>a=b=</base64>", "<base64>!!!!</base64>", "<dateTime.iso8601>1998-13-01T00:00:00</dateTime.iso8601>",
            "<dateTime.iso8601>19980717</dateTime.iso8601>", "<dateTime.iso8601>19980717T25:00:00</dateTime.iso8601>",
            "<dateTime.iso8601>1998-0717T14:08:55</dateTime.iso8601>", "<dateTime.iso8601>19980717T14:08:55 junk</dateTime.iso8601>",
            "<nil>x</nil>"})
    void badOtherScalars(String typed) {
        rejectsValue("<value>" + typed + "</value>");
    }

    @Test
    void unknownOrMisplacedTags() {
        rejectsValue("<value><float>1.5</float></value>").hasMessage("unknown value type <float>");
        rejectsValue("<value><ex:serializable xmlns:ex=\"urn:x\">rO0=</ex:serializable></value>").hasMessageContaining("unknown value type");
        rejectsValue("<value><string><b>x</b></string></value>").hasMessageContaining("inside <string>");
        rejectsValue("<value>text<i4>1</i4></value>").hasMessageContaining("text mixed");
        rejectsValue("<value><i4>1</i4><i4>2</i4></value>").hasMessageContaining("more than one type");
        rejectsValue("<value><i4>1</i4>junk</value>").hasMessageContaining("unexpected text");
        rejectsValue("<value><array><value>1</value></array></value>").hasMessageContaining("expected <data>");
        rejectsValue("<value><struct><value>1</value></struct></value>").hasMessageContaining("expected <member>");
        rejectsValue("<value><struct><member><name>a</name></member></struct></value>").hasMessageContaining("without value");
        rejectsValue("<value><struct><member><value>1</value></member></struct></value>").hasMessageContaining("without name");
        rejectsValue("<value><struct><member><name>a</name><name>b</name><value>1</value></member></struct></value>");
        rejects("<methodCall><methodName>m</methodName><params><value>1</value></params></methodCall>");
        rejects("<methodCall><methodName>m</methodName><params><param>x</param></params></methodCall>");
        rejects("<methodCall><methodName>m</methodName><foo/></methodCall>");
        rejects("<methodResponse><params/></methodResponse>").hasMessageContaining("expected <methodCall>");
        rejects("<?xml version=\"1.0\"?><foo/>").hasMessageContaining("expected <methodCall>");
    }

    @Test
    void missingMethodName() {
        rejects("<methodCall><params/></methodCall>").hasMessage("missing methodName");
        rejects("<methodCall></methodCall>").hasMessage("missing methodName");
        rejects("<methodCall><methodName> </methodName></methodCall>").hasMessage("missing methodName");
        rejects("<methodCall><methodName><x/></methodName></methodCall>");
    }

    @Test
    void notWellFormed() {
        rejects("<methodCall><methodName>m</methodName></methodcall>").hasMessageStartingWith("malformed XML at line 1");
        rejects("<methodCall><methodName>m</methodName></methodCall><methodCall/>");
        rejects("<methodCall><methodName>m</methodName></methodCall>trailing");
        rejects("<methodCall><methodName>a\u0000b</methodName></methodCall>");
        rejects("<methodCall><methodName>m</methodName><params><param><value a='1' a='2'>x</value></param></params></methodCall>");
        rejects("<methodCall><methodName>m</methodName><params><param><value><ex:i8>1</ex:i8></value></param></params></methodCall>");
        rejects("not xml at all");
    }

    @Test
    void badResponses() {
        for (String xml : List.of("<methodResponse/>", "<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>",
                "<methodResponse><fault><value><string>x</string></value></fault></methodResponse>",
                "<methodResponse><fault><value><struct><member><name>faultCode</name><value>abc</value></member></struct></value></fault></methodResponse>",
                "<methodCall><methodName>m</methodName></methodCall>", "")) {
            assertThatThrownBy(() -> XmlRpcCodec.decodeResponse(xml.getBytes(StandardCharsets.UTF_8)))
                    .as(xml).isExactlyInstanceOf(XmlRpcException.class);
        }
        byte[] invalid = Arrays.copyOf("<methodResponse><params><param><value>".getBytes(StandardCharsets.UTF_8), 60);
        Arrays.fill(invalid, 38, 60, (byte) 0xFE);
        assertThatThrownBy(() -> XmlRpcCodec.decodeResponse(invalid)).isExactlyInstanceOf(XmlRpcException.class);
    }
}
