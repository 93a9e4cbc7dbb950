package dev.nimbo.server.rpc;

import dev.nimbo.client.xmlrpc.XmlRpcCodec;
import dev.nimbo.core.error.ErrorCode;
import java.io.InputStream;
import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** HTTP edge of the XML-RPC endpoint: POST /RPC2 with a bounded body; everything else is refused. */
public final class RpcHandler extends Handler.Abstract {
    private final RpcPipeline pipeline;
    private final int maxBytes;

    public RpcHandler(RpcPipeline pipeline, int maxBytes) {
        this.pipeline = pipeline;
        this.maxBytes = maxBytes;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (!path.equals("/RPC2") && !path.equals("/")) {
            Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404, "Not found: use POST /RPC2");
            return true;
        }
        if (!"POST".equals(request.getMethod())) {
            response.getHeaders().put(HttpHeader.ALLOW, "POST");
            Response.writeError(request, response, callback, HttpStatus.METHOD_NOT_ALLOWED_405, "XML-RPC needs POST");
            return true;
        }
        byte[] out;
        long declared = request.getLength();
        if (declared > maxBytes) {
            out = XmlRpcCodec.encodeFault(ErrorCode.XML_RPC_API.code(),
                    "Request body of " + declared + " bytes exceeds the limit of " + maxBytes + " bytes");
        } else {
            byte[] body;
            try (InputStream in = Content.Source.asInputStream(request)) {
                body = in.readNBytes(maxBytes + 1);
            }
            out = body.length > maxBytes
                    ? XmlRpcCodec.encodeFault(ErrorCode.XML_RPC_API.code(), "Request body exceeds the limit of " + maxBytes + " bytes")
                    : pipeline.handle(body, remoteAddress(request), peerChain(request));
        }
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/xml; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, out.length);
        response.write(true, ByteBuffer.wrap(out), callback);
        return true;
    }

    private static String remoteAddress(Request request) {
        java.net.SocketAddress a = request.getConnectionMetaData().getRemoteSocketAddress();
        if (a instanceof java.net.InetSocketAddress i && i.getAddress() != null) {
            return i.getAddress().getHostAddress();
        }
        return a == null ? "-" : a.toString();
    }

    /** The client certificates of an HTTPS request (Jetty's SecureRequestCustomizer sets this attribute). */
    private static java.util.List<java.security.cert.X509Certificate> peerChain(Request request) {
        if (request.getAttribute(org.eclipse.jetty.io.EndPoint.SslSessionData.ATTRIBUTE)
                instanceof org.eclipse.jetty.io.EndPoint.SslSessionData ssl && ssl.peerCertificates() != null) {
            return java.util.List.of(ssl.peerCertificates());
        }
        return java.util.List.of();
    }
}
