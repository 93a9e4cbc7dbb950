package dev.nimbo.server.rpc;

import dev.nimbo.client.xmlrpc.XmlRpcCodec;
import dev.nimbo.client.xmlrpc.XmlRpcException;
import dev.nimbo.client.xmlrpc.XmlRpcRequest;
import dev.nimbo.core.auth.Subject;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.server.api.ApiContext;
import dev.nimbo.server.api.ApiMethod;
import dev.nimbo.server.api.ApiRegistry;
import dev.nimbo.server.api.Call;
import dev.nimbo.server.api.Params;
import dev.nimbo.server.auth.Authenticator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole request pipeline in one place: decode → find method → authenticate → invoke → encode, with a
 * {@link CallListener} observing each authenticated call's parameters and outcome (API hooks).
 * Every failure becomes OpenNebula's error envelope {@code [false, message, code, objectId, 0]}; a body that
 * is not XML-RPC at all gets an XML-RPC fault. Thread-safe; called concurrently from request threads.
 */
public final class RpcPipeline {
    private static final Logger log = LoggerFactory.getLogger(RpcPipeline.class);

    private final ApiRegistry registry;
    private final Authenticator authenticator;
    private final ApiContext ctx;
    private final CallListener listener;

    public RpcPipeline(ApiRegistry registry, Authenticator authenticator, ApiContext ctx) {
        this(registry, authenticator, ctx, CallListener.NONE);
    }

    /** With a listener that observes every authenticated call (API hooks). */
    public RpcPipeline(ApiRegistry registry, Authenticator authenticator, ApiContext ctx, CallListener listener) {
        this.registry = registry;
        this.authenticator = authenticator;
        this.ctx = ctx;
        this.listener = listener;
    }

    public byte[] handle(byte[] body) {
        return handle(body, "-", List.of());
    }

    /**
     * One request from {@code remoteAddress} (for the login throttle and the log); {@code peerChain} is the
     * client certificate chain of an HTTPS connection (X.509 authentication), empty otherwise.
     */
    public byte[] handle(byte[] body, String remoteAddress, List<java.security.cert.X509Certificate> peerChain) {
        List<byte[]> segments = handleInSegments(body, remoteAddress, peerChain);
        if (segments.size() == 1) {
            return segments.get(0);
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        segments.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /**
     * As {@link #handle(byte[], String, List)}, the answer as consecutive segments (see
     * {@link XmlRpcCodec#encodeResponseSegments}): the endpoint writes them one after another, so a pool answer's
     * cached parts go to the socket without being copied into one large array.
     */
    public List<byte[]> handleInSegments(byte[] body, String remoteAddress,
                                         List<java.security.cert.X509Certificate> peerChain) {
        XmlRpcRequest request;
        try {
            request = XmlRpcCodec.decodeRequest(body, ctx.config().maxRequestBytes());
        } catch (XmlRpcException e) {
            return List.of(XmlRpcCodec.encodeFault(ErrorCode.XML_RPC_API.code(), e.getMessage()));
        }
        String method = request.methodName();
        CallListener.Observation observed = null;
        try {
            ApiMethod m = registry.find(method);
            if (m == null) {
                throw ApiException.api("Method " + method + " not found.");
            }
            List<Object> params = request.params();
            if (params.isEmpty() || !(params.get(0) instanceof String session)) {
                throw ApiException.api("The first parameter must be the session string.");
            }
            Subject subject = authenticator.authenticate(session, remoteAddress, peerChain);
            observed = begin(method, params);
            Object value = m.invoke(new Call(method, subject, new Params(method, params.subList(1, params.size())), ctx));
            CallListener.Observation done = observed;
            observed = null; // reported once, even if encoding fails below
            end(done, true, value, 0, -1);
            return XmlRpcCodec.encodeResponseSegments(Arrays.asList(Boolean.TRUE, value, 0));
        } catch (ApiException e) {
            return List.of(error(observed, method, e.code(), e.getMessage(), e.objectId()));
        } catch (RuntimeException e) {
            log.error("internal error in {}", method, e);
            return List.of(error(observed, method, ErrorCode.INTERNAL, "Internal error: "
                    + e.getClass().getSimpleName(), -1));
        }
    }

    private CallListener.Observation begin(String method, List<Object> params) {
        try {
            return listener.begin(method, params);
        } catch (RuntimeException e) {
            log.error("call listener failed on {}", method, e);
            return null;
        }
    }

    private static void end(CallListener.Observation observed, boolean ok, Object value, int code, int objectId) {
        if (observed == null) {
            return;
        }
        try {
            observed.end(ok, value, code, objectId);
        } catch (RuntimeException e) {
            log.error("call listener failed", e);
        }
    }

    private static byte[] error(CallListener.Observation observed, String method, ErrorCode code, String message,
                                int objectId) {
        String text = message.startsWith("[") ? message : "[" + method + "] " + message;
        end(observed, false, text, code.code(), objectId);
        List<Object> envelope = new ArrayList<>(5);
        envelope.add(Boolean.FALSE);
        envelope.add(text);
        envelope.add(code.code());
        envelope.add(objectId);
        envelope.add(0L);
        return XmlRpcCodec.encodeResponse(envelope);
    }
}
