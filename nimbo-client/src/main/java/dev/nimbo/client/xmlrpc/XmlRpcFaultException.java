package dev.nimbo.client.xmlrpc;

/** A well-formed methodResponse carrying a {@code <fault>}: the peer's faultCode and faultString. */
public final class XmlRpcFaultException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;

    public XmlRpcFaultException(int code, String message) {
        super(message);
        this.code = code;
    }

    public int code() {
        return code;
    }
}
