package dev.nimbo.drivers.agent;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes {@link Frame}s on a stream: {@code int length} then the frame (id, type, attributes, body),
 * every string as {@code int length + UTF-8}. Bounded: a frame larger than {@link #MAX_FRAME} or with
 * nonsensical lengths is a protocol error, never an allocation the peer chose. Writers must be serialised by the
 * caller (one frame at a time per stream); reading is for one thread.
 */
public final class FrameIO {
    /** Largest frame: a 4 MiB transfer chunk plus headroom for attributes (a VM template). */
    public static final int MAX_FRAME = 8 * 1024 * 1024;
    private static final int MAX_ATTRS = 4096;

    private final DataInputStream in;
    private final DataOutputStream out;

    public FrameIO(InputStream in, OutputStream out) {
        this.in = new DataInputStream(new java.io.BufferedInputStream(in, 64 * 1024));
        this.out = new DataOutputStream(new java.io.BufferedOutputStream(out, 64 * 1024));
    }

    /** The next frame; EOFException when the peer closed cleanly between frames. */
    public Frame read() throws IOException {
        int len = in.readInt();
        if (len < 0 || len > MAX_FRAME) {
            throw new ProtocolException("frame of " + len + " bytes (at most " + MAX_FRAME + ")");
        }
        byte[] buf = new byte[len];
        in.readFully(buf);
        DataInputStream d = new DataInputStream(new java.io.ByteArrayInputStream(buf));
        try {
            long id = d.readLong();
            String type = string(d);
            int n = d.readInt();
            if (n < 0 || n > MAX_ATTRS) {
                throw new ProtocolException("frame with " + n + " attributes");
            }
            Map<String, String> attrs = new TreeMap<>();
            for (int i = 0; i < n; i++) {
                attrs.put(string(d), string(d));
            }
            int bodyLen = d.readInt();
            if (bodyLen < 0 || bodyLen > d.available()) {
                throw new ProtocolException("frame body of " + bodyLen + " bytes in a frame of " + len);
            }
            byte[] body = new byte[bodyLen];
            d.readFully(body);
            return new Frame(id, type, attrs, body);
        } catch (EOFException e) {
            throw new ProtocolException("truncated frame");
        }
    }

    public void write(Frame f) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream(256 + f.body().length);
        DataOutputStream d = new DataOutputStream(b);
        d.writeLong(f.id());
        string(d, f.type());
        d.writeInt(f.attrs().size());
        for (Map.Entry<String, String> e : f.attrs().entrySet()) {
            string(d, e.getKey());
            string(d, e.getValue());
        }
        d.writeInt(f.body().length);
        d.write(f.body());
        if (b.size() > MAX_FRAME) {
            throw new ProtocolException("frame of " + b.size() + " bytes (at most " + MAX_FRAME + ")");
        }
        out.writeInt(b.size());
        b.writeTo(out);
        out.flush();
    }

    private static String string(DataInputStream d) throws IOException {
        int n = d.readInt();
        if (n < 0 || n > d.available()) {
            throw new ProtocolException("string of " + n + " bytes");
        }
        byte[] s = new byte[n];
        d.readFully(s);
        return new String(s, StandardCharsets.UTF_8);
    }

    private static void string(DataOutputStream d, String s) throws IOException {
        byte[] b = (s == null ? "" : s).getBytes(StandardCharsets.UTF_8);
        d.writeInt(b.length);
        d.write(b);
    }

    /** The peer broke the framing: the connection cannot go on. */
    public static final class ProtocolException extends IOException {
        public ProtocolException(String message) {
            super("agent protocol: " + message);
        }
    }
}
