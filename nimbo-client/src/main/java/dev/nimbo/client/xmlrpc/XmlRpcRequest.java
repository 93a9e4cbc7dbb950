package dev.nimbo.client.xmlrpc;

import java.util.List;
import java.util.Objects;

/** A decoded methodCall. {@code params} is the decoder's own list (mutable, may hold nulls for nil). */
public record XmlRpcRequest(String methodName, List<Object> params) {
    public XmlRpcRequest {
        Objects.requireNonNull(methodName, "methodName");
        Objects.requireNonNull(params, "params");
    }
}
