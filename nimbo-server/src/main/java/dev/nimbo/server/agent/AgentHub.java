package dev.nimbo.server.agent;

import dev.nimbo.core.cluster.Cluster;
import dev.nimbo.core.host.Host;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.Controller;
import dev.nimbo.drivers.agent.AgentPki;
import dev.nimbo.drivers.agent.EnrolmentToken;
import dev.nimbo.drivers.agent.Frame;
import dev.nimbo.drivers.agent.FrameIO;
import dev.nimbo.drivers.kvm.AgentLink;
import dev.nimbo.server.api.ApiContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front-end's end of the agent channel: the CA, the TLS listener on port 4124 that agents dial, enrolment
 * (a host's one-time token, kept as AGENT_TOKEN in its template and refused after AGENT_TOKEN_EXPIRES, buys a
 * certificate; the token is then replaced by the certificate's fingerprint AGENT_CERT_SHA256, so only that
 * certificate opens sessions), and the open
 * sessions by host ID, through which the {@code kvm} drivers reach hosts ({@link AgentLink}). A session that
 * drops makes the host's next monitoring fail (the host goes to ERROR); its VMs are left alone.
 *
 * <p>One per daemon, found by its controller ({@link #of}). Thread-safe: one accept thread, one virtual thread
 * per connection.
 */
public final class AgentHub implements AgentLink, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentHub.class);
    private static final Map<Controller, AgentHub> RUNNING = new ConcurrentHashMap<>();

    /** The host template attribute holding the enrolment token until it is used. */
    public static final String TOKEN = "AGENT_TOKEN";
    /** The host template attribute with the time (epoch seconds) after which the token is refused. */
    public static final String TOKEN_EXPIRES = "AGENT_TOKEN_EXPIRES";
    /** The host template attribute naming the certificate the host's agent must present. */
    public static final String CERT = "AGENT_CERT_SHA256";
    public static final String KVM = "kvm";

    private final ApiContext ctx;
    private final AgentCa ca;
    private final AgentSettings settings;
    private final Map<Integer, AgentSession> sessions = new ConcurrentHashMap<>();
    private SSLServerSocket server;
    private volatile boolean closed;
    private volatile java.util.function.IntConsumer onDisconnect = id -> { };
    private volatile java.util.function.IntConsumer onConnect = id -> { };
    private volatile java.util.function.BiConsumer<Integer, byte[]> onSample = (id, xml) -> { };

    private AgentHub(ApiContext ctx, AgentCa ca, AgentSettings settings) {
        this.ctx = ctx;
        this.ca = ca;
        this.settings = settings;
    }

    /** Starts the daemon's hub: loads or makes the CA, then listens unless the port is -1. */
    public static AgentHub start(ApiContext ctx) {
        return RUNNING.computeIfAbsent(ctx.controller(), c -> {
            try {
                AgentHub h = new AgentHub(ctx, AgentCa.loadOrCreate(AgentSettings.caDir(ctx.config().dataDir())),
                        AgentSettings.fromEnvironment(ctx.config().bindAddress()));
                h.listen();
                return h;
            } catch (IOException e) {
                throw new IllegalStateException("agent CA in " + AgentSettings.caDir(ctx.config().dataDir())
                        + ": " + e.getMessage(), e);
            }
        });
    }

    public static AgentHub of(ApiContext ctx) {
        AgentHub h = RUNNING.get(ctx.controller());
        return h != null ? h : start(ctx);
    }

    /**
     * The daemon's agent channel as drivers use it: the hub running for this daemon when a request is made (none
     * running: every kvm host is unreachable). Starts nothing.
     */
    public static AgentLink linkOf(ApiContext ctx) {
        Controller c = ctx.controller();
        return new AgentLink() {
            @Override
            public CompletableFuture<Frame> request(int hostId, String op, Map<String, String> attrs, byte[] body) {
                AgentHub h = RUNNING.get(c);
                return h != null ? h.request(hostId, op, attrs, body) : CompletableFuture.failedFuture(
                        new AgentUnavailableException("this nimbod has no agent listener running"));
            }

            @Override
            public boolean connected(int hostId) {
                AgentHub h = RUNNING.get(c);
                return h != null && h.connected(hostId);
            }
        };
    }

    public static void stop(Controller controller) {
        AgentHub h = RUNNING.remove(controller);
        if (h != null) {
            h.close();
        }
    }

    /** A new enrolment token for a host (to put in its template as {@link #TOKEN}). */
    public String newToken(int hostId) {
        return EnrolmentToken.create(hostId, ca.fingerprint()).text();
    }

    /**
     * The host template with a new enrolment token ({@link #TOKEN}) usable until {@code now} plus the configured
     * lifetime ({@link #TOKEN_EXPIRES}, epoch seconds).
     */
    public dev.nimbo.core.template.Template withNewToken(dev.nimbo.core.template.Template t, int hostId, long now) {
        return t.with(TOKEN, newToken(hostId)).with(TOKEN_EXPIRES,
                Long.toString(now + settings.tokenLifetime().toSeconds()));
    }

    /** When a token that expires at {@code expires} (epoch seconds, as the template holds it) is refused: null if not. */
    static String expiredProblem(int hostId, String expires, long now) {
        if (expires == null || expires.isBlank()) {
            return null; // made before tokens expired: valid until used
        }
        long at;
        try {
            at = Long.parseLong(expires.strip());
        } catch (NumberFormatException e) {
            at = 0; // garbled by hand: refused rather than valid forever
        }
        if (now <= at) {
            return null;
        }
        return "the enrolment token of host " + hostId + " expired at "
                + java.time.Instant.ofEpochSecond(at) + ": make a new one with 'nimbo host token " + hostId + "'";
    }

    /** Called with a host ID when its session drops (the host monitor checks it at once). */
    public void onDisconnect(java.util.function.IntConsumer callback) {
        onDisconnect = callback;
    }

    /** Called with a host ID when its agent opened a session (first time or back after a drop). */
    public void onConnect(java.util.function.IntConsumer callback) {
        onConnect = callback;
    }

    /** Called with a host ID and a MONITORING record its agent took while it was cut off. */
    public void onSample(java.util.function.BiConsumer<Integer, byte[]> callback) {
        onSample = callback;
    }

    /** The port agents dial, -1 when not listening. */
    public int port() {
        return server == null ? -1 : server.getLocalPort();
    }

    // ------------------------------------------------------------------ AgentLink

    @Override
    public CompletableFuture<Frame> request(int hostId, String op, Map<String, String> attrs, byte[] body) {
        AgentSession s = sessions.get(hostId);
        if (s == null) {
            return CompletableFuture.failedFuture(new AgentUnavailableException(
                    "the agent of host " + hostId + " is not connected"));
        }
        return s.request(op, attrs, body);
    }

    @Override
    public boolean connected(int hostId) {
        return sessions.containsKey(hostId);
    }

    // ------------------------------------------------------------------ listener

    private void listen() throws IOException {
        if (settings.port() < 0) {
            log.info("agent listener off (NIMBO_AGENT_PORT=-1)");
            return;
        }
        try {
            SSLServerSocket s = (SSLServerSocket) ca.serverContext().getServerSocketFactory().createServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(settings.bind()), settings.port()), 64);
            s.setEnabledProtocols(new String[] {"TLSv1.3"});
            s.setWantClientAuth(true); // enrolment comes without a certificate; sessions need one
            server = s;
        } catch (IOException e) {
            // Not fatal: the XML-RPC front-end works without agents; kvm hosts will show why they are in ERROR.
            log.error("agent listener: cannot listen on {}:{}: {} (kvm hosts cannot connect)", settings.bind(),
                    settings.port(), e.getMessage());
            return;
        }
        Files.writeString(ctx.config().dataDir().resolve("agent-port"), server.getLocalPort() + "\n");
        Thread.ofPlatform().daemon().name("agent-accept").start(this::acceptLoop);
        log.info("agent listener on {}:{} (CA {})", settings.bind(), server.getLocalPort(),
                ca.fingerprint().substring(0, 16));
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                SSLSocket s = (SSLSocket) server.accept();
                Thread.ofVirtual().name("agent-conn").start(() -> serve(s));
            } catch (IOException e) {
                if (!closed) {
                    log.warn("agent listener: accept failed: {}", e.getMessage());
                }
            }
        }
    }

    private void serve(SSLSocket s) {
        String peer = String.valueOf(s.getRemoteSocketAddress());
        try {
            s.setSoTimeout(30_000);
            s.setTcpNoDelay(true);
            s.startHandshake();
            FrameIO io = new FrameIO(s.getInputStream(), s.getOutputStream());
            Frame first = io.read();
            switch (first.type()) {
                case Frame.ENROL -> enrol(s, io, first, peer);
                case Frame.HELLO -> open(s, io, first, peer);
                default -> refuse(s, io, "expected ENROL or HELLO, got " + first.type());
            }
        } catch (IOException e) {
            log.info("agent connection from {} failed: {}", peer, e.getMessage());
            closeQuietly(s);
        } catch (RuntimeException e) {
            log.warn("agent connection from {} failed", peer, e);
            closeQuietly(s);
        }
    }

    private void enrol(SSLSocket s, FrameIO io, Frame f, String peer) throws IOException {
        EnrolmentToken token;
        try {
            token = EnrolmentToken.parse(f.attr("token"));
        } catch (IllegalArgumentException e) {
            refuse(s, io, e.getMessage());
            return;
        }
        Host h = ctx.view().get(ObjectType.HOST, token.hostId()) instanceof Host x ? x : null;
        String expected = h == null ? null : h.template().get(TOKEN);
        if (h == null || expected == null || !constantTimeEquals(expected.strip(), token.text())) {
            log.warn("agent enrolment from {} refused: bad or used token for host {}", peer, token.hostId());
            refuse(s, io, "bad or already used enrolment token for host " + token.hostId());
            return;
        }
        String expired = expiredProblem(h.id(), h.template().get(TOKEN_EXPIRES), ctx.now());
        if (expired != null) {
            log.warn("agent enrolment from {} refused: {}", peer, expired);
            refuse(s, io, expired);
            return;
        }
        X509Certificate cert;
        try {
            cert = ca.issueHost(h.id(), f.body());
        } catch (IllegalArgumentException e) {
            refuse(s, io, e.getMessage());
            return;
        }
        String fp = AgentPki.fingerprint(cert);
        // One-time token: it becomes the fingerprint of the certificate it bought, in one durable step.
        Boolean done = ctx.controller().execute(tx -> {
            if (!(tx.get(ObjectType.HOST, h.id()) instanceof Host cur) || cur.template().get(TOKEN) == null
                    || !constantTimeEquals(cur.template().get(TOKEN).strip(), token.text())) {
                return false;
            }
            Cluster c = tx.get(ObjectType.CLUSTER, cur.clusterId()) instanceof Cluster cl ? cl : null;
            tx.put(cur.withUserTemplate(cur.template().without(TOKEN).without(TOKEN_EXPIRES).with(CERT, fp), c));
            return true;
        });
        if (!Boolean.TRUE.equals(done)) {
            refuse(s, io, "bad or already used enrolment token for host " + token.hostId());
            return;
        }
        io.write(new Frame(f.id(), Frame.ENROLLED, Map.of("cert", AgentPki.pem(cert), "ca", AgentPki.pem(ca.caCert()),
                "host_id", Integer.toString(h.id()), "host_name", h.name()), null));
        log.info("host {} ({}) enrolled from {}", h.id(), h.name(), peer);
        closeQuietly(s);
    }

    private void open(SSLSocket s, FrameIO io, Frame hello, String peer) throws IOException {
        X509Certificate cert;
        try {
            cert = (X509Certificate) s.getSession().getPeerCertificates()[0];
        } catch (SSLPeerUnverifiedException e) {
            refuse(s, io, "a session needs the host certificate issued at enrolment");
            return;
        }
        String cn = AgentPki.commonName(cert);
        int hostId = cn.startsWith("host-") ? parse(cn.substring(5)) : -1;
        Host h = ctx.view().get(ObjectType.HOST, hostId) instanceof Host x ? x : null;
        String fp = AgentPki.fingerprint(cert);
        if (h == null || !fp.equalsIgnoreCase(String.valueOf(h.template().get(CERT)).strip())) {
            log.warn("agent session from {} refused: certificate {} is not the current one of host {}", peer,
                    fp.substring(0, 16), hostId);
            refuse(s, io, "certificate not (or no longer) valid for host " + hostId);
            return;
        }
        AgentSession session = new AgentSession(h.id(), s, io, settings.heartbeat(), this::closed,
                (id, xml) -> onSample.accept(id, xml));
        AgentSession old = sessions.put(h.id(), session);
        if (old != null) {
            old.close(); // the agent reconnected before we noticed the old connection was gone
        }
        if (closed) { // this front-end stopped leading while the agent said hello: it must not drive the host
            sessions.remove(h.id(), session);
            refuse(s, io, "this front-end no longer runs the zone's agents");
            return;
        }
        io.write(new Frame(hello.id(), Frame.WELCOME, Map.of("host_id", Integer.toString(h.id()),
                "host_name", h.name(), "heartbeat", Long.toString(settings.heartbeat().toSeconds())), null));
        log.info("host {} ({}): agent session open from {} (agent {})", h.id(), h.name(), peer,
                hello.attr("version", "?"));
        onConnect.accept(h.id());
        session.run(); // until it drops
    }

    private void closed(AgentSession s) {
        if (sessions.remove(s.hostId(), s)) {
            log.info("host {}: agent session closed", s.hostId());
            if (!closed) {
                onDisconnect.accept(s.hostId());
            }
        }
    }

    private static void refuse(SSLSocket s, FrameIO io, String message) {
        try {
            io.write(Frame.of(Frame.ERROR, Map.of("message", message)));
        } catch (IOException e) {
            // the peer is gone anyway
        }
        closeQuietly(s);
    }

    private static int parse(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        if (server != null) {
            closeQuietly(server);
        }
        for (AgentSession s : sessions.values()) {
            s.close();
        }
        sessions.clear();
    }

    /** The path of the CA's certificate (for operators distributing it). */
    public Path caFile() {
        return AgentSettings.caDir(ctx.config().dataDir()).resolve("ca.pem");
    }

}
