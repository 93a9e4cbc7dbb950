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
 * The whole request pipeline in one place: decode → find method → authenticate → invoke → encode.
 * Every failure becomes OpenNebula's error envelope {@code [false, message, code, objectId, 0]}; a body that
 * is not XML-RPC at all gets an XML-RPC fault. Thread-safe; called concurrently from request threads.
 */
public final class RpcPipeline {
    private static final Logger log = LoggerFactory.getLogger(RpcPipeline.class);

    private final ApiRegistry registry;
    private final Authenticator authenticator;
    private final ApiContext ctx;

    public RpcPipeline(ApiRegistry registry, Authenticator authenticator, ApiContext ctx) {
        this.registry = registry;
        this.authenticator = authenticator;
        this.ctx = ctx;
    }

    public byte[] handle(byte[] body) {
        XmlRpcRequest request;
        try {
            request = XmlRpcCodec.decodeRequest(body, ctx.config().maxRequestBytes());
        } catch (XmlRpcException e) {
            return XmlRpcCodec.encodeFault(ErrorCode.XML_RPC_API.code(), e.getMessage());
        }
        String method = request.methodName();
        try {
            ApiMethod m = registry.find(method);
            if (m == null) {
                throw ApiException.api("Method " + method + " not found.");
            }
            List<Object> params = request.params();
            if (params.isEmpty() || !(params.get(0) instanceof String session)) {
                throw ApiException.api("The first parameter must be the session string.");
            }
            Subject subject = authenticator.authenticate(session);
            Object value = m.invoke(new Call(method, subject, new Params(method, params.subList(1, params.size())), ctx));
            return XmlRpcCodec.encodeResponse(Arrays.asList(Boolean.TRUE, value, 0));
        } catch (ApiException e) {
            return error(method, e.code(), e.getMessage(), e.objectId());
        } catch (RuntimeException e) {
            log.error("internal error in {}", method, e);
            return error(method, ErrorCode.INTERNAL, "Internal error: " + e.getClass().getSimpleName(), -1);
        }
    }

    private static byte[] error(String method, ErrorCode code, String message, int objectId) {
        String text = message.startsWith("[") ? message : "[" + method + "] " + message;
        List<Object> envelope = new ArrayList<>(5);
        envelope.add(Boolean.FALSE);
        envelope.add(text);
        envelope.add(code.code());
        envelope.add(objectId);
        envelope.add(0L);
        return XmlRpcCodec.encodeResponse(envelope);
    }
}
