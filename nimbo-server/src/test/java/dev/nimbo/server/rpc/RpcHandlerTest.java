package dev.nimbo.server.rpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.xmlrpc.XmlRpcCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RpcHandlerTest {

    @Test
    void poolMethodsAreBuiltOnTheListingThreadsAndNothingElse() {
        assertThat(RpcHandler.isListing(XmlRpcCodec.encodeRequest("one.vmpool.info", List.of("s", -2, -1, -1, -1))))
                .isTrue();
        assertThat(RpcHandler.isListing(XmlRpcCodec.encodeRequest("one.hostpool.info", List.of("s")))).isTrue();
        assertThat(RpcHandler.isListing(XmlRpcCodec.encodeRequest("one.vm.info", List.of("s", 3)))).isFalse();
        assertThat(RpcHandler.isListing(XmlRpcCodec.encodeRequest("one.host.info", List.of("s", 3)))).isFalse();
        // a method name only in a parameter does not count; neither does a body that is not XML-RPC
        assertThat(RpcHandler.isListing(XmlRpcCodec.encodeRequest("one.vm.update", List.of("s", 3, "one.vmpool.info", 1))))
                .isFalse();
        assertThat(RpcHandler.isListing("garbage".getBytes(StandardCharsets.US_ASCII))).isFalse();
        assertThat(RpcHandler.isListing(new byte[0])).isFalse();
    }
}
