package dev.nimbo.cli;

import dev.nimbo.cli.xml.Xml;
import dev.nimbo.cli.xml.XmlNode;
import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneClientException;
import dev.nimbo.client.OneResponse;
import java.io.IOException;
import java.util.function.Supplier;

/**
 * The CLI's view of the XML-RPC API: one call, result or {@link CliException} with the exit code the
 * failure deserves (auth 3, connection 4, anything else the server said 1). The client is created on
 * first use so {@code --help} and usage errors never need credentials. Single-threaded.
 */
public final class Api {
    static final int AUTHENTICATION = 0x100;
    static final int AUTHORIZATION = 0x200;

    private final Supplier<OneClient> factory;
    private OneClient client;

    public Api(Supplier<OneClient> factory) {
        this.factory = factory;
    }

    /** Calls {@code method} (the session is prepended) and returns the result value. */
    public Object call(String method, Object... params) {
        OneResponse r;
        try {
            r = client().call(method, params);
        } catch (OneClientException e) {
            throw transportFailure(e);
        }
        if (!r.ok()) {
            int code = r.errorCode();
            String msg = r.message() == null ? "error " + code : r.message().strip();
            throw new CliException(code == AUTHENTICATION || code == AUTHORIZATION ? ExitCodes.AUTH : ExitCodes.SERVER, msg);
        }
        return r.value();
    }

    /** A call whose result is an XML document. */
    public XmlNode xml(String method, Object... params) {
        Object v = call(method, params);
        try {
            return Xml.parse(String.valueOf(v));
        } catch (IllegalArgumentException e) {
            throw CliException.server(method + ": " + e.getMessage());
        }
    }

    /** A call whose result is an object id. */
    public int id(String method, Object... params) {
        Object v = call(method, params);
        if (v instanceof Number n) {
            return n.intValue();
        }
        try {
            return Integer.parseInt(String.valueOf(v).trim());
        } catch (NumberFormatException e) {
            throw CliException.server(method + ": expected an id, got '" + v + "'");
        }
    }

    private OneClient client() {
        if (client == null) {
            client = factory.get();
        }
        return client;
    }

    /** Transport errors: unreachable/timeouts/HTTP errors are "cannot connect"; garbage replies are server errors. */
    static CliException transportFailure(OneClientException e) {
        Throwable cause = e.getCause();
        String msg = e.getMessage();
        boolean connect = cause instanceof IOException || cause instanceof InterruptedException
                || (cause == null && msg != null && msg.matches("(?s).*: HTTP \\d+ from .*"));
        return new CliException(connect ? ExitCodes.CONNECT : ExitCodes.SERVER, msg, e);
    }

    void close() {
        if (client != null) {
            client.close();
        }
    }
}
