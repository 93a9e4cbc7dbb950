package dev.nimbo.bench;

import dev.nimbo.client.xmlrpc.XmlRpcCodec;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One keep-alive HTTP/1.1 connection that posts pre-encoded XML-RPC calls. Much lighter than a general HTTP
 * client, so on a 2-core machine the load generator takes less CPU away from the daemon it measures. Checks
 * each answer is a success envelope. Not thread-safe: one per client thread.
 */
final class RawRpcConnection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] header;

    RawRpcConnection(URI endpoint) throws IOException {
        socket = new Socket(endpoint.getHost(), endpoint.getPort());
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 64 * 1024);
        header = ("POST " + endpoint.getPath() + " HTTP/1.1\r\nHost: " + endpoint.getHost() + ":" + endpoint.getPort()
                + "\r\nContent-Type: text/xml\r\nContent-Length: ").getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] encode(String method, List<?> params) {
        return XmlRpcCodec.encodeRequest(method, params);
    }

    /** Posts the call and returns the response body; fails unless the envelope says success. */
    byte[] call(byte[] body) throws IOException {
        int length = post(body);
        byte[] response = in.readNBytes(length);
        // The envelope's first value: <boolean>1</boolean> on success.
        if (indexOf(response, OK, response.length) < 0) {
            throw new IOException("call failed: " + new String(response, StandardCharsets.UTF_8));
        }
        return response;
    }

    /**
     * As {@link #call} but the body is read into a reused buffer and dropped, so a client of multi-megabyte
     * answers takes little CPU from the daemon it measures; returns the body's length.
     */
    int callAndDiscard(byte[] body) throws IOException {
        int length = post(body);
        if (scratch == null) {
            scratch = new byte[256 * 1024];
        }
        int head = in.readNBytes(scratch, 0, Math.min(length, scratch.length));
        if (head < Math.min(length, scratch.length)) {
            throw new IOException("connection closed");
        }
        if (indexOf(scratch, OK, head) < 0) {
            byte[] all = new byte[length];
            System.arraycopy(scratch, 0, all, 0, head);
            in.readNBytes(all, head, length - head);
            throw new IOException("call failed: " + new String(all, StandardCharsets.UTF_8));
        }
        for (int left = length - head; left > 0; ) {
            int n = in.read(scratch, 0, Math.min(left, scratch.length));
            if (n < 0) {
                throw new IOException("connection closed");
            }
            left -= n;
        }
        return length;
    }

    private byte[] scratch;

    /** Sends the call and reads the answer's headers; returns the body's Content-Length. */
    private int post(byte[] body) throws IOException {
        out.write(header);
        out.write((body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
        int length = -1;
        String line;
        while (!(line = readLine()).isEmpty()) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase("Content-Length")) {
                length = Integer.parseInt(line.substring(colon + 1).strip());
            }
        }
        if (length < 0) {
            throw new IOException("response without Content-Length");
        }
        return length;
    }

    private static final byte[] OK = "<boolean>1</boolean>".getBytes(StandardCharsets.US_ASCII);

    /** Where needle starts within the first 512 bytes of hay[0, size), or -1. */
    private static int indexOf(byte[] hay, byte[] needle, int size) {
        outer:
        for (int i = 0, n = Math.min(size - needle.length, 512); i <= n; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private String readLine() throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int len = sb.length();
                return len > 0 && sb.charAt(len - 1) == '\r' ? sb.substring(0, len - 1) : sb.toString();
            }
            sb.append((char) c);
        }
        throw new IOException("connection closed");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
