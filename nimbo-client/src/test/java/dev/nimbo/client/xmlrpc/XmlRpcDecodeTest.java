package dev.nimbo.client.xmlrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class XmlRpcDecodeTest {

    static XmlRpcRequest call(String paramsXml) {
        String xml = "<?xml version=\"1.0\"?><methodCall><methodName>one.test</methodName><params>"
                + paramsXml + "</params></methodCall>";
        return XmlRpcCodec.decodeRequest(xml.getBytes(StandardCharsets.UTF_8), XmlRpcCodec.DEFAULT_MAX_BYTES);
    }

    /** Decodes a single {@code <value>…</value>} as the only param. */
    static Object one(String valueXml) {
        List<Object> params = call("<param>" + valueXml + "</param>").params();
        assertThat(params).hasSize(1);
        return params.get(0);
    }

    @Test
    void methodNameAndParams() {
        XmlRpcRequest req = call("<param><value><string>oneadmin:pw</string></value></param>"
                + "<param><value><i4>42</i4></value></param>");
        assertThat(req.methodName()).isEqualTo("one.test");
        assertThat(req.params()).containsExactly("oneadmin:pw", 42);
    }

    @Test
    void noParamsElementAndEmptyParams() {
        byte[] bare = "<methodCall><methodName>system.listMethods</methodName></methodCall>".getBytes(StandardCharsets.UTF_8);
        assertThat(XmlRpcCodec.decodeRequest(bare, 1000)).isEqualTo(new XmlRpcRequest("system.listMethods", List.of()));
        assertThat(call("").params()).isEmpty();
        byte[] selfClosing = "<methodCall><methodName>m</methodName><params/></methodCall>".getBytes(StandardCharsets.UTF_8);
        assertThat(XmlRpcCodec.decodeRequest(selfClosing, 1000).params()).isEmpty();
    }

    @Test
    void integers() {
        assertThat(one("<value><i4>-2147483648</i4></value>")).isEqualTo(Integer.MIN_VALUE);
        assertThat(one("<value><int>2147483647</int></value>")).isEqualTo(Integer.MAX_VALUE);
        assertThat(one("<value><int>+7</int></value>")).isEqualTo(7);
        assertThat(one("<value><i4>007</i4></value>")).isEqualTo(7);
        assertThat(one("<value><i8>9223372036854775807</i8></value>")).isEqualTo(Long.MAX_VALUE);
        assertThat(one("<value><i8>-9223372036854775808</i8></value>")).isEqualTo(Long.MIN_VALUE);
        assertThat(one("<value><i8>5</i8></value>")).isEqualTo(5L);
    }

    @Test
    void apacheExtensionNamespaceTypes() {
        String xml = "<methodCall xmlns:ex=\"http://ws.apache.org/xmlrpc/namespaces/extensions\">"
                + "<methodName>m</methodName><params><param><value><ex:i8>12</ex:i8></value></param>"
                + "<param><value><ex:nil/></value></param></params></methodCall>";
        assertThat(XmlRpcCodec.decodeRequest(xml.getBytes(StandardCharsets.UTF_8), 1000).params())
                .containsExactly(12L, null);
    }

    @Test
    void booleansDoublesNil() {
        assertThat(one("<value><boolean>1</boolean></value>")).isEqualTo(true);
        assertThat(one("<value><boolean>0</boolean></value>")).isEqualTo(false);
        assertThat(one("<value><double>-12.214</double></value>")).isEqualTo(-12.214);
        assertThat(one("<value><double>1e+20</double></value>")).isEqualTo(1e20);
        assertThat(one("<value><double>.5</double></value>")).isEqualTo(0.5);
        assertThat(one("<value><double>NaN</double></value>")).isEqualTo(Double.NaN);
        assertThat(one("<value><double>-inf</double></value>")).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(one("<value><nil/></value>")).isNull();
        assertThat(one("<value><nil></nil></value>")).isNull();
    }

    @Test
    void strings() {
        assertThat(one("<value><string>a &amp; b &lt;c&gt; &#233;&#x263A;</string></value>")).isEqualTo("a & b <c> é☺");
        assertThat(one("<value><string></string></value>")).isEqualTo("");
        assertThat(one("<value><string/></value>")).isEqualTo("");
        assertThat(one("<value><string>  padded\n </string></value>")).isEqualTo("  padded\n ");
        assertThat(one("<value><string><![CDATA[<VM><ID>1</ID></VM>]]></string></value>")).isEqualTo("<VM><ID>1</ID></VM>");
        assertThat(one("<value><string>ab<!-- c -->cd</string></value>")).isEqualTo("abcd");
        assertThat(one("<value><string>a&#13;b</string></value>")).isEqualTo("a\rb");
        assertThat(one("<value><string>日本語 😀</string></value>")).isEqualTo("日本語 😀");
    }

    @Test
    void untypedValueIsVerbatimString() {
        assertThat(one("<value>plain text</value>")).isEqualTo("plain text");
        assertThat(one("<value>  spaced  </value>")).isEqualTo("  spaced  ");
        assertThat(one("<value>\n  \n</value>")).isEqualTo("\n  \n");
        assertThat(one("<value></value>")).isEqualTo("");
        assertThat(one("<value/>")).isEqualTo("");
        assertThat(one("<value>a&amp;b<![CDATA[<x>]]>c</value>")).isEqualTo("a&b<x>c");
    }

    @Test
    void whitespaceAroundTypedValuesAndStructure() {
        String xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <!-- leading comment -->
                <methodCall>
                  <methodName> one.vm.allocate </methodName>
                  <params>
                    <param>
                      <value>
                        <int> 5 </int>
                      </value>
                    </param>
                    <param>
                      <value>
                        <boolean>
                          1
                        </boolean>
                      </value>
                    </param>
                    <param>
                      <value>
                        <struct>
                          <member>
                            <name>k</name>
                            <value>
                              <array>
                                <data>
                                  <value><string> x </string></value>
                                  <value>untyped</value>
                                </data>
                              </array>
                            </value>
                          </member>
                        </struct>
                      </value>
                    </param>
                  </params>
                </methodCall>
                """;
        XmlRpcRequest req = XmlRpcCodec.decodeRequest(xml.getBytes(StandardCharsets.UTF_8), 10_000);
        assertThat(req.methodName()).isEqualTo("one.vm.allocate");
        assertThat(req.params()).containsExactly(5, true, Map.of("k", List.of(" x ", "untyped")));
    }

    @Test
    void base64() {
        assertThat((byte[]) one("<value><base64>aGVsbG8=</base64></value>")).isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
        assertThat((byte[]) one("<value><base64>\n  aGVs\r\n bG8=\n</base64></value>")).isEqualTo("hello".getBytes(StandardCharsets.US_ASCII));
        assertThat((byte[]) one("<value><base64/></value>")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"19980717T14:08:55", "1998-07-17T14:08:55", "19980717T140855", "19980717T14:08:55Z",
            "1998-07-17T14:08:55+02:00", "19980717T14:08:55-0530", "19980717T14:08:55+01", " 19980717T14:08:55\n"})
    void dateTimes(String text) {
        assertThat(one("<value><dateTime.iso8601>" + text + "</dateTime.iso8601></value>"))
                .isEqualTo(LocalDateTime.of(1998, 7, 17, 14, 8, 55));
    }

    @Test
    void dateTimeFraction() {
        assertThat(one("<value><dateTime.iso8601>2024-02-29T23:59:59.125Z</dateTime.iso8601></value>"))
                .isEqualTo(LocalDateTime.of(2024, 2, 29, 23, 59, 59, 125_000_000));
    }

    @Test
    void nestedArraysAndStructsKeepOrder() {
        Object v = one("<value><struct>"
                + "<member><name>z</name><value><i4>1</i4></value></member>"
                + "<member><name>a</name><value><array><data><value><i4>1</i4></value><value><array><data/></array></value></data></array></value></member>"
                + "<member><value>v-first</value><name>m</name></member>"
                + "<member><name>e</name><value><struct></struct></value></member>"
                + "</struct></value>");
        assertThat(v).isInstanceOf(java.util.LinkedHashMap.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) v;
        assertThat(m.keySet()).containsExactly("z", "a", "m", "e");
        assertThat(m.get("a")).isEqualTo(List.of(1, List.of()));
        assertThat(m.get("m")).isEqualTo("v-first");
        assertThat(m.get("e")).isEqualTo(Map.of());
    }

    @Test
    void utf8BomAndDeclaredLatin1() {
        byte[] xml = "<methodCall><methodName>m</methodName><params><param><value>é</value></param></params></methodCall>"
                .getBytes(StandardCharsets.UTF_8);
        byte[] withBom = new byte[xml.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(xml, 0, withBom, 3, xml.length);
        assertThat(XmlRpcCodec.decodeRequest(withBom, 1000).params()).containsExactly("é");

        byte[] latin1 = ("<?xml version='1.0' encoding='iso-8859-1'?><methodCall><methodName>m</methodName><params>"
                + "<param><value>é</value></param></params></methodCall>").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(XmlRpcCodec.decodeRequest(latin1, 1000).params()).containsExactly("é");
    }

    @Test
    void streamInput() throws Exception {
        byte[] xml = "<methodCall><methodName>m</methodName><params><param><value><i4>1</i4></value></param></params></methodCall>"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(XmlRpcCodec.decodeRequest(new java.io.ByteArrayInputStream(xml), xml.length).params()).containsExactly(1);
    }

    @Test
    void sharedFactoryIsSafeAcrossThreads() throws Exception {
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            List<java.util.concurrent.Future<Boolean>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int id = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 2_000; i++) {
                        List<Object> expected = List.of("t" + id, i, Map.of("k", List.of(id, "v" + i)));
                        byte[] body = XmlRpcCodec.encodeRequest("m" + id, expected);
                        XmlRpcRequest req = XmlRpcCodec.decodeRequest(body, 10_000);
                        if (!req.methodName().equals("m" + id) || !req.params().equals(expected)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (var r : results) {
                assertThat(r.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void responseValueAndFault() {
        byte[] ok = ("<?xml version=\"1.0\"?>\r\n<methodResponse>\r\n<params>\r\n<param><value><array><data>\r\n"
                + "<value><boolean>1</boolean></value>\r\n<value><string>&lt;VM/&gt;</string></value>\r\n"
                + "<value><i4>0</i4></value>\r\n</data></array></value></param>\r\n</params>\r\n</methodResponse>\r\n")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(XmlRpcCodec.decodeResponse(ok)).isEqualTo(List.of(true, "<VM/>", 0));
        assertThat(XmlRpcCodec.decodeResponse("<methodResponse><params/></methodResponse>".getBytes(StandardCharsets.UTF_8))).isNull();

        byte[] fault = ("<methodResponse><fault><value><struct><member><name>faultString</name><value>no such method</value></member>"
                + "<member><name>faultCode</name><value><int>-506</int></value></member></struct></value></fault></methodResponse>")
                .getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> XmlRpcCodec.decodeResponse(fault))
                .isInstanceOfSatisfying(XmlRpcFaultException.class, e -> {
                    assertThat(e.code()).isEqualTo(-506);
                    assertThat(e.getMessage()).isEqualTo("no such method");
                });
    }
}
