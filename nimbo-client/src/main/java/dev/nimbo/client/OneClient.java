package dev.nimbo.client;

import dev.nimbo.client.xmlrpc.XmlRpcCodec;
import dev.nimbo.client.xmlrpc.XmlRpcException;
import dev.nimbo.client.xmlrpc.XmlRpcFaultException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * XML-RPC client for an OpenNebula-compatible endpoint (e.g. {@code http://127.0.0.1:2633/RPC2}).
 * Thread-safe: one JDK HttpClient (HTTP/1.1, pooled keep-alive connections) shared by all calls.
 */
public final class OneClient implements AutoCloseable {
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** Front-ends of one zone (HA); calls go to the last one that answered, the next one when it is unreachable. */
    private final List<URI> endpoints;
    private volatile int current;
    private final String session;
    private final Duration timeout;
    private final HttpClient http;
    private volatile int lastStatus;

    public OneClient(URI endpoint, String session) {
        this(endpoint, session, DEFAULT_TIMEOUT);
    }

    /** {@code timeout} bounds connecting and each whole request. */
    public OneClient(URI endpoint, String session, Duration timeout) {
        this(endpoint, session, timeout, null);
    }

    /**
     * For https endpoints: {@code tls} says which CAs to trust and which client certificate to present
     * (see {@link dev.nimbo.client.tls.PemFiles#clientContext}); null means the JVM's defaults.
     */
    public OneClient(URI endpoint, String session, Duration timeout, javax.net.ssl.SSLContext tls) {
        this(List.of(Objects.requireNonNull(endpoint, "endpoint")), session, timeout, tls);
    }

    /**
     * Several front-ends of one replicated zone: a call that cannot connect to one (nothing was sent) is tried on
     * the next; any replica forwards writes to the leader. A call that reached a front-end is never sent again.
     */
    public OneClient(List<URI> endpoints, String session, Duration timeout, javax.net.ssl.SSLContext tls) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no endpoint");
        }
        this.endpoints = List.copyOf(endpoints);
        this.session = Objects.requireNonNull(session, "session");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        HttpClient.Builder b = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // the XML-RPC servers we talk to speak 1.1 only
                .connectTimeout(timeout);
        if (tls != null) {
            b.sslContext(tls);
        }
        this.http = b.build();
    }

    public String session() {
        return session;
    }

    /** The front-end calls go to now. */
    public URI endpoint() {
        return endpoints.get(current);
    }

    /**
     * Calls {@code method} with the session string prepended and reads the OpenNebula envelope. A failed
     * call ({@code ok == false}) is returned, not thrown.
     *
     * @throws OneClientException on transport errors, non-200 status, faults or a response that is not an
     *     envelope
     */
    public OneResponse call(String method, Object... paramsAfterSession) {
        List<Object> params = new ArrayList<>(paramsAfterSession.length + 1);
        params.add(session);
        params.addAll(Arrays.asList(paramsAfterSession));
        return OneResponse.of(rawCall(method, params));
    }

    /** Calls {@code method} with exactly {@code allParams} and returns the decoded value. */
    public Object rawCall(String method, List<?> allParams) {
        byte[] request;
        try {
            request = XmlRpcCodec.encodeRequest(method, allParams);
        } catch (IllegalArgumentException e) {
            throw new OneClientException(method + ": cannot encode parameters: " + e.getMessage(), e);
        }
        HttpResponse<byte[]> response = send(request);
        if (response.statusCode() != 200) {
            throw new OneClientException(method + ": HTTP " + response.statusCode() + " from " + endpoint()
                    + snippet(response.body()));
        }
        try {
            return XmlRpcCodec.decodeResponse(response.body());
        } catch (XmlRpcFaultException e) {
            throw new OneClientException(method + ": fault " + e.code() + ": " + e.getMessage(), e);
        } catch (XmlRpcException e) {
            throw new OneClientException(method + ": invalid response from " + endpoint() + ": " + e.getMessage(), e);
        }
    }

    /** Raw POST of {@code body}; returns the response body whatever the status (see {@link #lastStatus()}). */
    public byte[] post(byte[] body) {
        return send(body).body();
    }

    /** Status of the most recent response on any thread (a convenience for tests, not per-call accurate). */
    public int lastStatus() {
        return lastStatus;
    }

    @Override
    public void close() {
        http.close();
    }

    private HttpResponse<byte[]> send(byte[] body) {
        int first = current;
        List<String> unreachable = new ArrayList<>();
        IOException lastFailure = null;
        for (int i = 0; i < endpoints.size(); i++) {
            int index = (first + i) % endpoints.size();
            URI endpoint = endpoints.get(index);
            HttpRequest request = HttpRequest.newBuilder(endpoint)
                    .timeout(timeout)
                    .header("Content-Type", "text/xml") // bare: some servers compare it exactly; the XML declares UTF-8
                    .header("User-Agent", "nimbo-client")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build();
            try {
                HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
                lastStatus = response.statusCode();
                current = index;
                return response;
            } catch (java.net.ConnectException | java.net.http.HttpConnectTimeoutException e) {
                // Not connected, so nothing was sent: trying the next front-end cannot make the change twice.
                unreachable.add(endpoint + ": " + describe(e));
                lastFailure = e;
            } catch (HttpTimeoutException e) {
                throw new OneClientException("timed out after " + timeout.toMillis() + " ms talking to " + endpoint, e);
            } catch (IOException e) {
                throw new OneClientException("cannot reach " + endpoint + ": " + describe(e), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new OneClientException("interrupted while calling " + endpoint, e);
            }
        }
        throw new OneClientException("cannot reach " + String.join("; ", unreachable), lastFailure);
    }

    private static String describe(IOException e) {
        String msg = e.getMessage();
        if (msg == null || msg.isBlank()) {
            // e.g. ConnectException from the JDK client carries no message, its cause does
            Throwable cause = e.getCause();
            msg = cause != null && cause.getMessage() != null ? cause.getMessage() : e.getClass().getSimpleName();
        }
        return msg.replaceAll("\\s+", " ");
    }

    private static String snippet(byte[] body) {
        if (body == null || body.length == 0) {
            return "";
        }
        String s = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
        return s.isEmpty() ? "" : ": " + s;
    }
}
