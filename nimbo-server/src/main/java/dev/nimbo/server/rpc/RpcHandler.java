package dev.nimbo.server.rpc;

import dev.nimbo.client.xmlrpc.XmlRpcCodec;
import dev.nimbo.core.error.ErrorCode;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
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
    private final RequestRouter router;

    public RpcHandler(RpcPipeline pipeline, int maxBytes) {
        this(pipeline, maxBytes, null);
    }

    /** With a router that may answer requests elsewhere (HA followers); null answers everything here. */
    public RpcHandler(RpcPipeline pipeline, int maxBytes, RequestRouter router) {
        this.pipeline = pipeline;
        this.maxBytes = maxBytes;
        this.router = router;
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
        List<byte[]> out;
        long declared = request.getLength();
        if (declared > maxBytes) {
            out = List.of(XmlRpcCodec.encodeFault(ErrorCode.XML_RPC_API.code(),
                    "Request body of " + declared + " bytes exceeds the limit of " + maxBytes + " bytes"));
        } else {
            byte[] body;
            try (InputStream in = Content.Source.asInputStream(request)) {
                body = read(in, declared);
            }
            if (body.length > maxBytes) {
                out = List.of(XmlRpcCodec.encodeFault(ErrorCode.XML_RPC_API.code(), "Request body exceeds the limit of "
                        + maxBytes + " bytes"));
            } else {
                byte[] routed = router == null ? null
                        : router.route(body, request.getHeaders().get(RequestRouter.FORWARDED_HEADER) != null);
                if (routed == null && isListing(body) && answerListing(body, request, response, callback)) {
                    return true;
                }
                out = routed != null ? List.of(routed)
                        : pipeline.handleInSegments(body, remoteAddress(request), peerChain(request));
            }
        }
        send(response, callback, out);
        return true;
    }

    /**
     * Pool listings (one.vmpool.info of 20,000 VMs: ~100 ms of CPU) are built on platform threads of their own.
     * A virtual thread is never preempted: two listings on the two carrier threads of a 2-core machine would make
     * every small call (host.info, vm.info) wait for them to finish. The OS time-slices platform threads, so small
     * calls keep their share of the CPU while listings are built.
     */
    private final java.util.concurrent.ExecutorService listings = java.util.concurrent.Executors.newFixedThreadPool(
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            Thread.ofPlatform().name("rpc-listing-", 0).daemon(true).factory());

    /** True when the call's method name (read from the start of the body) names a pool method. */
    static boolean isListing(byte[] body) {
        int n = Math.min(body.length, 512);
        String head = new String(body, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = head.indexOf("<methodName>");
        if (at < 0) {
            return false;
        }
        int end = head.indexOf('<', at + 12);
        String method = end < 0 ? head.substring(at + 12) : head.substring(at + 12, end);
        return method.strip().contains("pool.");
    }

    /** Builds the answer on a listing thread and sends it from a virtual thread; false if the pool is shut down. */
    private boolean answerListing(byte[] body, Request request, Response response, Callback callback) {
        String remote = remoteAddress(request);
        List<java.security.cert.X509Certificate> chain = peerChain(request);
        try {
            listings.execute(() -> {
                List<byte[]> out;
                try {
                    out = pipeline.handleInSegments(body, remote, chain);
                } catch (RuntimeException | Error e) {
                    callback.failed(e);
                    return;
                }
                // writing may block on a slow client for long: not on one of the few listing threads
                Thread.ofVirtual().name("rpc-listing-write").start(() -> send(response, callback, out));
            });
            return true;
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            return false;
        }
    }

    @Override
    protected void doStop() throws Exception {
        listings.shutdown();
        super.doStop();
    }

    private void send(Response response, Callback callback, List<byte[]> out) {
        if (router != null) {
            response.getHeaders().put(RequestRouter.APPLIED_HEADER, String.valueOf(router.appliedIndex()));
        }
        long length = 0;
        for (byte[] segment : out) {
            length += segment.length;
        }
        response.setStatus(HttpStatus.OK_200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/xml; charset=utf-8");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
        write(response, out, callback);
    }

    /**
     * The request body: exactly its declared length in one array when the client sent Content-Length (the usual
     * case: readNBytes with a large bound would grow and copy buffers for every call), else up to one byte more
     * than the limit, so an oversized chunked body is recognised.
     */
    private byte[] read(InputStream in, long declared) throws java.io.IOException {
        if (declared < 0 || declared > 1024 * 1024) {
            // unknown, or large: grown as bytes really arrive, so a false Content-Length reserves no memory
            return in.readNBytes(declared < 0 ? maxBytes + 1 : (int) declared);
        }
        byte[] body = new byte[(int) declared];
        int n = in.readNBytes(body, 0, body.length);
        return n == body.length ? body : java.util.Arrays.copyOf(body, n);
    }

    /** Bytes gathered per socket write when an answer comes in many segments (a pool document). */
    private static final int CHUNK = 64 * 1024;

    /**
     * Writes the answer's segments in order. A pool answer is thousands of cached parts: they are gathered into
     * one reused 64 KiB chunk per write (blocking is fine on the request's virtual thread), never copied into
     * one array of the whole answer, which for 20,000 VMs would be a 20 MB allocation per call.
     */
    private static void write(Response response, List<byte[]> segments, Callback callback) {
        if (segments.size() == 1) {
            response.write(true, ByteBuffer.wrap(segments.get(0)), callback);
            return;
        }
        try {
            long total = 0;
            for (byte[] segment : segments) {
                total += segment.length;
            }
            // an info answer is a few cached parts of a few KB: no 64 KiB buffer for it
            byte[] chunk = new byte[(int) Math.min(total, CHUNK)];
            int size = chunk.length;
            int fill = 0;
            long left = total;
            for (byte[] segment : segments) {
                for (int at = 0; at < segment.length; ) {
                    int n = Math.min(segment.length - at, size - fill);
                    System.arraycopy(segment, at, chunk, fill, n);
                    fill += n;
                    at += n;
                    left -= n;
                    if (fill == size && left > 0) { // the last piece goes below, with the end of the answer
                        Callback.Completable sent = new Callback.Completable();
                        response.write(false, ByteBuffer.wrap(chunk, 0, fill), sent);
                        sent.get();
                        fill = 0;
                    }
                }
            }
            response.write(true, ByteBuffer.wrap(chunk, 0, fill), callback);
        } catch (Exception e) {
            callback.failed(e);
        }
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
