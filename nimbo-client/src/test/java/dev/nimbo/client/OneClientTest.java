package dev.nimbo.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.nimbo.client.xmlrpc.XmlRpcCodec;
import dev.nimbo.client.xmlrpc.XmlRpcException;
import dev.nimbo.client.xmlrpc.XmlRpcRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against a JDK HttpServer that answers by method name: "echo" returns the envelope [true, params, 0],
 * "fail" a failed envelope, "fault" an XML-RPC fault, "boom" HTTP 500, "slow" sleeps; bad XML gets the
 * XmlRpcException message as a fault, like the real server.
 */
class OneClientTest {
    private HttpServer server;
    private URI endpoint;
    private final List<String> remotePorts = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/RPC2", this::handle);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/RPC2");
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        remotePorts.add(String.valueOf(ex.getRemoteAddress().getPort()));
        int status = 200;
        byte[] out;
        try {
            XmlRpcRequest req = XmlRpcCodec.decodeRequest(ex.getRequestBody(), 1 << 20);
            out = switch (req.methodName()) {
                case "echo" -> XmlRpcCodec.encodeResponse(List.of(true, req.params(), 0));
                case "fail" -> XmlRpcCodec.encodeResponse(List.of(false, "[one.vm.info] Error getting VM [5].", 0x400, 5));
                case "fault" -> XmlRpcCodec.encodeFault(-506, "Method not found");
                case "boom" -> {
                    status = 500;
                    yield "internal\nerror".getBytes(StandardCharsets.UTF_8);
                }
                case "slow" -> {
                    sleep(2_000);
                    yield XmlRpcCodec.encodeResponse(List.of(true, 1, 0));
                }
                case "notenvelope" -> XmlRpcCodec.encodeResponse("just a string");
                case "garbage" -> "<html>nope</html>".getBytes(StandardCharsets.UTF_8);
                default -> XmlRpcCodec.encodeResponse(List.of(true, 42, 0));
            };
        } catch (XmlRpcException e) {
            out = XmlRpcCodec.encodeFault(-32700, e.getMessage());
        }
        ex.getResponseHeaders().set("Content-Type", "text/xml");
        ex.sendResponseHeaders(status, out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void callPrependsSessionAndReadsEnvelope() {
        try (OneClient client = new OneClient(endpoint, "oneadmin:pw")) {
            assertThat(client.session()).isEqualTo("oneadmin:pw");
            OneResponse r = client.call("echo", 5, "tpl", true, -1L);
            assertThat(r.ok()).isTrue();
            assertThat(r.errorCode()).isZero();
            assertThat(r.message()).isNull();
            assertThat(r.value()).isEqualTo(List.of("oneadmin:pw", 5, "tpl", true, -1L));
            assertThat(client.call("other").intValue()).isEqualTo(42);
            assertThat(client.lastStatus()).isEqualTo(200);
        }
    }

    @Test
    void anUnreachableFrontEndIsSkippedForTheNextAndAllUnreachableIsOneError() throws IOException {
        URI down;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            down = URI.create("http://127.0.0.1:" + s.getLocalPort() + "/RPC2"); // closed again: connection refused
        }
        try (OneClient client = new OneClient(List.of(down, endpoint), "u:p", java.time.Duration.ofSeconds(10), null)) {
            assertThat(client.call("other").intValue()).isEqualTo(42);
            assertThat(client.endpoint()).isEqualTo(endpoint);
        }
        try (OneClient client = new OneClient(List.of(down, down.resolve("/other")), "u:p", java.time.Duration.ofSeconds(10), null)) {
            assertThatThrownBy(() -> client.call("other")).isInstanceOf(OneClientException.class)
                    .hasMessageStartingWith("cannot reach " + down + ": ").hasMessageContaining(down.resolve("/other") + ": ");
        }
    }

    @Test
    void failedEnvelopeIsReturnedNotThrown() {
        try (OneClient client = new OneClient(endpoint, "u:p")) {
            OneResponse r = client.call("fail", 5);
            assertThat(r.ok()).isFalse();
            assertThat(r.errorCode()).isEqualTo(0x400);
            assertThat(r.message()).isEqualTo("[one.vm.info] Error getting VM [5].");
            assertThat(r.stringValue()).isEqualTo(r.message());
            assertThatThrownBy(r::intValue).isInstanceOf(OneClientException.class).hasMessageContaining("Error getting VM [5]");
        }
    }

    @Test
    void rawCallSendsExactlyTheParams() {
        try (OneClient client = new OneClient(endpoint, "u:p")) {
            assertThat(client.rawCall("echo", List.of(1, "two"))).isEqualTo(List.of(true, List.of(1, "two"), 0));
            assertThat(client.rawCall("notenvelope", List.of())).isEqualTo("just a string");
        }
    }

    @Test
    void errorsAreOneLineOneClientExceptions() {
        try (OneClient client = new OneClient(endpoint, "u:p")) {
            assertThatThrownBy(() -> client.call("fault"))
                    .isInstanceOf(OneClientException.class).hasMessage("fault: fault -506: Method not found");
            assertThatThrownBy(() -> client.call("boom"))
                    .isInstanceOf(OneClientException.class).hasMessage("boom: HTTP 500 from " + endpoint + ": internal error");
            assertThat(client.lastStatus()).isEqualTo(500);
            assertThatThrownBy(() -> client.call("notenvelope"))
                    .isInstanceOf(OneClientException.class).hasMessageContaining("not an OpenNebula envelope");
            assertThatThrownBy(() -> client.call("garbage"))
                    .isInstanceOf(OneClientException.class).hasMessageContaining("invalid response").hasMessageContaining("expected <methodResponse>");
            assertThatThrownBy(() -> client.call("echo", new Object()))
                    .isInstanceOf(OneClientException.class).hasMessageContaining("cannot encode");
        }
    }

    @Test
    void postReturnsBodyForMalformedRequestsAndNon200() {
        try (OneClient client = new OneClient(endpoint, "u:p")) {
            byte[] reply = client.post("<methodCall><oops".getBytes(StandardCharsets.UTF_8));
            assertThat(client.lastStatus()).isEqualTo(200);
            assertThatThrownBy(() -> XmlRpcCodec.decodeResponse(reply)).hasMessageContaining("malformed XML");
            byte[] boom = client.post(XmlRpcCodec.encodeRequest("boom", List.of()));
            assertThat(client.lastStatus()).isEqualTo(500);
            assertThat(new String(boom, StandardCharsets.UTF_8)).isEqualTo("internal\nerror");
        }
    }

    @Test
    void transportErrorsAndTimeouts() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        URI dead = URI.create("http://127.0.0.1:" + closedPort + "/RPC2");
        try (OneClient client = new OneClient(dead, "u:p", Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> client.call("one.system.version"))
                    .isInstanceOf(OneClientException.class).hasMessageStartingWith("cannot reach " + dead)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        }
        try (OneClient client = new OneClient(endpoint, "u:p", Duration.ofMillis(200))) {
            assertThatThrownBy(() -> client.call("slow"))
                    .isInstanceOf(OneClientException.class).hasMessageContaining("timed out after 200 ms");
        }
    }

    @Test
    void concurrentCallsShareKeepAliveConnections() throws Exception {
        try (OneClient client = new OneClient(endpoint, "u:p");
                ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<OneResponse>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                futures.add(pool.submit(() -> client.call("echo", n)));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get().value()).isEqualTo(List.of("u:p", i));
            }
        }
        // keep-alive: far fewer connections (distinct client ports) than requests
        assertThat(remotePorts.stream().distinct().count()).isLessThan(50);
    }
}
