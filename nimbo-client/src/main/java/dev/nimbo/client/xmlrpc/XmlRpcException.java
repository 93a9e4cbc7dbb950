package dev.nimbo.client.xmlrpc;

/**
 * Thrown for anything that is not a valid XML-RPC request/response. The message is one line and safe
 * to show to a client (no stack traces, no internal paths, input quoted only in short sanitized pieces).
 */
public final class XmlRpcException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public XmlRpcException(String msg) {
        super(msg);
    }
}
