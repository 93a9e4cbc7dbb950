package dev.nimbo.cli;

import com.sun.net.httpserver.HttpServer;
import dev.nimbo.client.xmlrpc.XmlRpcCodec;
import dev.nimbo.client.xmlrpc.XmlRpcRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A tiny OpenNebula XML-RPC endpoint for command tests: answers each method with a canned envelope
 * and records every request, so tests check both what the CLI printed and what it sent.
 */
final class FakeOne implements AutoCloseable {
    private final HttpServer server;
    private final Map<String, Function<List<Object>, List<Object>>> handlers = new ConcurrentHashMap<>();
    private final List<XmlRpcRequest> calls = new ArrayList<>();

    private FakeOne() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/RPC2", exchange -> {
            byte[] body;
            try {
                XmlRpcRequest req = XmlRpcCodec.decodeRequest(exchange.getRequestBody().readAllBytes(),
                        XmlRpcCodec.DEFAULT_MAX_BYTES);
                synchronized (calls) {
                    calls.add(req);
                }
                var handler = handlers.get(req.methodName());
                List<Object> envelope = handler == null
                        ? List.of(false, "[" + req.methodName() + "] not supported by the fake", 0x1000)
                        : handler.apply(req.params());
                body = XmlRpcCodec.encodeResponse(envelope);
            } catch (RuntimeException e) {
                body = XmlRpcCodec.encodeFault(1, String.valueOf(e));
            }
            exchange.getResponseHeaders().set("Content-Type", "text/xml");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    static FakeOne start() {
        try {
            return new FakeOne();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/RPC2");
    }

    /** Success with {@code value} for every call of {@code method}. */
    FakeOne ok(String method, Object value) {
        handlers.put(method, params -> List.of(true, value, 0));
        return this;
    }

    /** Failure with OpenNebula error {@code code} and {@code message}. */
    FakeOne fail(String method, int code, String message) {
        handlers.put(method, params -> List.of(false, message, code));
        return this;
    }

    FakeOne on(String method, Function<List<Object>, List<Object>> handler) {
        handlers.put(method, handler);
        return this;
    }

    List<XmlRpcRequest> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    /** Parameters of the last call of {@code method}, session included. */
    List<Object> last(String method) {
        List<XmlRpcRequest> all = calls();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).methodName().equals(method)) {
                return all.get(i).params();
            }
        }
        throw new AssertionError("no call of " + method + "; calls: " + all.stream().map(XmlRpcRequest::methodName).toList());
    }

    List<String> methods() {
        return calls().stream().map(XmlRpcRequest::methodName).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
