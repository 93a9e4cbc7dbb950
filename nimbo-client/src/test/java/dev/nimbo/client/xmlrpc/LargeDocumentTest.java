package dev.nimbo.client.xmlrpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pool listings are megabytes of escaped XML in one string: the JDK's default text limits must not apply. */
class LargeDocumentTest {

    @Test
    void aFiveMegabyteEscapedStringRoundTrips() {
        String pool = "<VM_POOL>" + "<VM><ID>1</ID><NAME>a&amp;b</NAME><TEMPLATE><![CDATA[x]]></TEMPLATE></VM>".repeat(70_000)
                + "</VM_POOL>";
        byte[] response = XmlRpcCodec.encodeResponse(Arrays.asList(Boolean.TRUE, pool, 0));
        Object decoded = XmlRpcCodec.decodeResponse(response);
        assertThat(((List<?>) decoded).get(1)).isEqualTo(pool);
    }

    @Test
    void aLargeRequestStringDecodes() {
        String template = "DESCRIPTION = \"" + "<&>".repeat(400_000) + "\"";
        byte[] body = XmlRpcCodec.encodeRequest("one.template.allocate", List.of("u:p", template));
        XmlRpcRequest r = XmlRpcCodec.decodeRequest(body, XmlRpcCodec.DEFAULT_MAX_BYTES);
        assertThat(r.params().get(1)).isEqualTo(template);
        assertThat(new String(body, StandardCharsets.UTF_8)).hasSizeGreaterThan(1_000_000);
    }
}
