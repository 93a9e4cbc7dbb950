package dev.nimbo.agent.link;

import dev.nimbo.agent.store.HostStore;
import dev.nimbo.drivers.agent.AgentPki;
import dev.nimbo.drivers.agent.Frame;
import dev.nimbo.drivers.agent.FrameIO;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The per-cluster image cache between hosts of a site: each agent serves its image cache ({@code cache/} files
 * only, read-only) to the other hosts of the front-end's CA, over TLS with both sides' host certificates, and fetches
 * an image from such a peer when the front-end tells it one has it (instead of receiving it over the WAN). A fetch
 * resumes a partial copy and the last chunk's SHA-256 check is the one of a front-end transfer. The server runs one
 * virtual thread per connection; {@link #fetch} may run on any thread.
 */
public final class PeerCache implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PeerCache.class);
    static final int CHUNK = 4 * 1024 * 1024;

    private final HostStore store;
    private final Identity identity;
    private final SSLContext tls;
    private SSLServerSocket server;
    private volatile boolean closed;

    public PeerCache(HostStore store, Identity identity) {
        this.store = store;
        this.identity = identity;
        this.tls = AgentPki.context(identity.key(), new X509Certificate[] {identity.cert(), identity.ca()},
                identity.ca(), null);
    }

    /** Serves this host's cache on address:port (0: any free port); returns the port. */
    public int listen(String address, int port) throws IOException {
        SSLServerSocket s = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getByName(address), port), 16);
        s.setEnabledProtocols(new String[] {"TLSv1.3"});
        s.setNeedClientAuth(true); // only hosts of the same front-end's CA
        server = s;
        Thread.ofPlatform().daemon().name("peer-cache-accept").start(this::acceptLoop);
        log.info("serving the image cache to peers on {}:{}", address, s.getLocalPort());
        return s.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SSLSocket s = (SSLSocket) server.accept();
                Thread.ofVirtual().name("peer-cache-conn").start(() -> serve(s));
            } catch (IOException e) {
                if (!closed) {
                    log.warn("peer cache: accept failed: {}", e.getMessage());
                }
            }
        }
    }

    private void serve(SSLSocket s) {
        try (s) {
            s.setSoTimeout(30_000);
            s.startHandshake();
            FrameIO io = new FrameIO(s.getInputStream(), s.getOutputStream());
            while (true) {
                Frame f = io.read();
                String path = f.attr("path", "");
                Frame answer;
                if (!path.startsWith("cache/") || path.endsWith(".part")) {
                    answer = f.failed("only complete cache files are served to peers");
                } else {
                    try {
                        HostStore.Chunk c = store.read(path, f.longAttr("offset", 0), CHUNK);
                        answer = f.ok(Map.of("eof", c.eof() ? "yes" : "no"), c.data());
                    } catch (IOException | RuntimeException e) {
                        answer = f.failed("cannot read " + path + ": " + e.getMessage());
                    }
                }
                io.write(answer);
            }
        } catch (IOException e) {
            // the peer is done (or gone)
        }
    }

    /**
     * Fetches {@code cache/KEY} from peer host {@code peerId} at endpoint HOST:PORT into this host's cache,
     * continuing a partial copy; the whole file is checked against size and SHA-256 before it takes its name.
     */
    public void fetch(String key, String endpoint, int peerId, long size, String sha256) throws IOException {
        int colon = endpoint.lastIndexOf(':');
        if (colon <= 0 || !key.matches("[0-9a-f]{16,64}")) {
            throw new IllegalArgumentException("bad peer fetch: cache key '" + key + "' from '" + endpoint + "'");
        }
        String path = "cache/" + key;
        long offset = store.stat(path).partial();
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress(endpoint.substring(0, colon),
                    Integer.parseInt(endpoint.substring(colon + 1))), 10_000);
            s.setSoTimeout(30_000);
            s.setEnabledProtocols(new String[] {"TLSv1.3"});
            s.startHandshake();
            String cn = AgentPki.commonName((X509Certificate) s.getSession().getPeerCertificates()[0]);
            if (!cn.equals("host-" + peerId)) {
                throw new IOException("peer at " + endpoint + " is " + cn + ", not host-" + peerId);
            }
            FrameIO io = new FrameIO(s.getInputStream(), s.getOutputStream());
            long id = 0;
            while (true) {
                io.write(new Frame(++id, Frame.REQUEST, Map.of("op", "file.read", "path", path,
                        "offset", Long.toString(offset)), null));
                Frame r = io.read();
                if (!r.succeeded()) {
                    throw new IOException("peer host " + peerId + ": " + r.attr("message", "read failed"));
                }
                boolean last = "yes".equals(r.attr("eof")) || r.body().length == 0;
                store.write(path, offset, r.body(), last, sha256, size);
                offset += r.body().length;
                if (last) {
                    return;
                }
            }
        }
    }

    /** The port peers fetch from, -1 before {@link #listen}. */
    public int port() {
        return server == null ? -1 : server.getLocalPort();
    }

    @Override
    public void close() {
        closed = true;
        if (server != null) {
            try {
                server.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }
}
