package dev.nimbo.agent.link;

import dev.nimbo.drivers.agent.AgentPki;
import dev.nimbo.drivers.agent.EnrolmentToken;
import dev.nimbo.drivers.agent.Frame;
import dev.nimbo.drivers.agent.FrameIO;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's one connection to the front-end. It dials out (the front-end never dials a host; in a replicated
 * zone it dials the leader among the {@link FrontendEndpoints}: only the leader listens, and a session that drops
 * sends the agent on to the next one): first, when the
 * data directory has no identity, an enrolment (token + certificate request over TLS with the token's CA pinned,
 * the certificate comes back); then a session with mutual TLS, kept alive with heartbeats both ways and
 * re-established with exponential back-off (1 s doubling to 10 s, with jitter) whenever it drops. Requests from
 * the front-end run each on a virtual thread through the handler, except those marked {@code ordered=yes} (a
 * file's chunks sent without waiting for each answer), which run one after another in arrival order; answers are
 * written one frame at a time.
 * A refusal of the enrolment (bad token) stops the agent: retrying would not help.
 *
 * <p>{@link #run} blocks until {@link #close}; thread-safe.
 */
public final class AgentConnection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AgentConnection.class);
    /** Longest wait between attempts: bounds how long a site stays unseen after its link returns. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);

    private final FrontendEndpoints endpoints;
    private final String token;
    private final Path data;
    private final Duration heartbeat;
    private final Function<Frame, Frame> handler;
    private final java.util.function.Supplier<String> sampler;
    private final Duration sampleEvery;
    private final AtomicLong sessions = new AtomicLong();
    /** Monitoring records taken while no session was open, oldest first; guarded by itself. */
    private final java.util.ArrayDeque<Frame> buffered = new java.util.ArrayDeque<>();
    private volatile boolean online;
    private volatile boolean closed;
    private volatile SSLSocket socket;
    private volatile int hostId = -1;

    /** Most records kept while cut off: 12 hours at the default 60 s. */
    static final int MAX_BUFFERED = 720;

    public AgentConnection(String host, int port, String token, Path data, Duration heartbeat,
                           Function<Frame, Frame> handler) {
        this(host, port, token, data, heartbeat, handler, null, null);
    }

    /**
     * @param sampler     the host's monitoring record now (MONITORING XML), taken every sampleEvery while no
     *                    session is open and sent when one opens again, so the front-end's history has no gap
     */
    public AgentConnection(String host, int port, String token, Path data, Duration heartbeat,
                           Function<Frame, Frame> handler, java.util.function.Supplier<String> sampler,
                           Duration sampleEvery) {
        this(new FrontendEndpoints(List.of(new FrontendEndpoints.Endpoint(host, port))), token, data, heartbeat,
                handler, sampler, sampleEvery);
    }

    /** As above, with every front-end of a replicated zone: the agent finds the leader among them and follows it. */
    public AgentConnection(FrontendEndpoints endpoints, String token, Path data, Duration heartbeat,
                           Function<Frame, Frame> handler, java.util.function.Supplier<String> sampler,
                           Duration sampleEvery) {
        this.endpoints = endpoints;
        this.token = token;
        this.data = data;
        this.heartbeat = heartbeat;
        this.handler = handler;
        this.sampler = sampler;
        this.sampleEvery = sampleEvery;
    }

    /** Records waiting for the front-end (tests). */
    public int buffered() {
        synchronized (buffered) {
            return buffered.size();
        }
    }

    private void sampleWhileCutOff() {
        while (!closed) {
            try {
                Thread.sleep(sampleEvery.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            if (online || closed) {
                continue; // the front-end monitors the host itself while connected
            }
            try {
                Frame f = new Frame(0, Frame.SAMPLE, Map.of("kind", "host"),
                        sampler.get().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                synchronized (buffered) {
                    if (buffered.size() >= MAX_BUFFERED) {
                        buffered.removeFirst();
                    }
                    buffered.addLast(f);
                }
            } catch (RuntimeException e) {
                log.warn("monitoring while cut off failed: {}", e.getMessage());
            }
        }
    }

    /** Enrols if needed, then keeps a session up until closed. Throws when enrolment is refused. */
    public void run() throws IOException, InterruptedException {
        Identity id = Identity.load(data);
        if (id == null) {
            id = enrol();
        }
        hostId = id.hostId();
        Thread sampling = sampler == null ? null
                : Thread.ofVirtual().name("agent-sampler").start(this::sampleWhileCutOff);
        try {
            keepConnected(id);
        } finally {
            if (sampling != null) {
                sampling.interrupt();
            }
        }
    }

    private void keepConnected(Identity id) throws InterruptedException {
        long backoffMs = 1000;
        while (!closed) {
            long started = System.nanoTime();
            FrontendEndpoints.Endpoint at = endpoints.current();
            try {
                session(id, at);
            } catch (RefusedException e) {
                if (closed) {
                    return;
                }
                log.warn("front-end {} refused the session: {}", at, e.getMessage());
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                log.info("connection to {} lost or failed: {}", at, e.getMessage());
            }
            if (System.nanoTime() - started > Duration.ofSeconds(60).toNanos()) {
                backoffMs = 1000; // the session had been up a while: start over
            }
            if (!endpoints.failed()) {
                continue; // another front-end may lead now: try it at once, wait only after a whole round
            }
            long sleep = backoffMs / 2 + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1);
            Thread.sleep(sleep);
            backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF.toMillis());
        }
    }

    /** Sessions opened so far (tests). */
    public long sessions() {
        return sessions.get();
    }

    public int hostId() {
        return hostId;
    }

    // ------------------------------------------------------------------ enrolment

    private Identity enrol() throws IOException {
        if (token == null || token.isBlank()) {
            throw new RefusedException("this host has not enrolled yet: start the agent with --token");
        }
        EnrolmentToken t;
        try {
            t = EnrolmentToken.parse(token);
        } catch (IllegalArgumentException e) {
            throw new RefusedException(e.getMessage());
        }
        KeyPair key = AgentPki.newKeyPair();
        byte[] csr = AgentPki.certificateRequest(key, "host-" + t.hostId());
        // Only the leader of a replicated zone listens: one round over the front-ends, the first that answers.
        for (int tried = 1; ; tried++) {
            FrontendEndpoints.Endpoint at = endpoints.current();
            try {
                return enrol(t, key, csr, at);
            } catch (RefusedException e) {
                throw e;
            } catch (IOException e) {
                if (tried >= endpoints.all().size()) {
                    throw e;
                }
                log.info("enrolment: cannot reach {} ({}), trying the next front-end", at, e.getMessage());
                endpoints.failed();
            }
        }
    }

    private Identity enrol(EnrolmentToken t, KeyPair key, byte[] csr, FrontendEndpoints.Endpoint at) throws IOException {
        try (SSLSocket s = open(AgentPki.context(null, null, null, t.caFingerprint()), at)) {
            FrameIO io = new FrameIO(s.getInputStream(), s.getOutputStream());
            io.write(new Frame(1, Frame.ENROL, Map.of("token", t.text(),
                    "hostname", localName()), csr));
            Frame answer = io.read();
            if (!Frame.ENROLLED.equals(answer.type())) {
                throw new RefusedException("enrolment refused: " + answer.attr("message", answer.type()));
            }
            X509Certificate cert = AgentPki.readCertificate(answer.attr("cert"));
            X509Certificate ca = AgentPki.readCertificate(answer.attr("ca"));
            if (!AgentPki.fingerprint(ca).equals(t.caFingerprint())) {
                throw new RefusedException("enrolment: the CA sent is not the one the token names");
            }
            Identity id = new Identity(key, cert, ca);
            id.save(data);
            log.info("enrolled as host {} ({})", answer.attr("host_id"), answer.attr("host_name"));
            return id;
        } catch (javax.net.ssl.SSLException e) {
            throw new RefusedException("enrolment: TLS failed (is the token for this front-end?): " + e.getMessage());
        } catch (EOFException e) {
            throw new RefusedException("enrolment: the front-end closed the connection");
        }
    }

    // ------------------------------------------------------------------ session

    private void session(Identity id, FrontendEndpoints.Endpoint at) throws IOException {
        SSLSocket s = open(AgentPki.context(id.key(), new X509Certificate[] {id.cert(), id.ca()}, id.ca(), null), at);
        socket = s;
        try (s) {
            FrameIO io = new FrameIO(s.getInputStream(), s.getOutputStream());
            Object writeLock = new Object();
            io.write(new Frame(0, Frame.HELLO, Map.of("hostname", localName(), "version", version()), null));
            Frame welcome = io.read();
            if (!Frame.WELCOME.equals(welcome.type())) {
                throw new RefusedException(welcome.attr("message", "session refused (" + welcome.type() + ")"));
            }
            sessions.incrementAndGet();
            endpoints.succeeded();
            log.info("session open with {} as host {}", at, welcome.attr("host_id"));
            online = true;
            List<Frame> backlog;
            synchronized (buffered) {
                backlog = new java.util.ArrayList<>(buffered);
                buffered.clear();
            }
            if (!backlog.isEmpty()) {
                log.info("sending {} monitoring records taken while cut off", backlog.size());
            }
            for (int i = 0; i < backlog.size(); i++) {
                try {
                    synchronized (writeLock) {
                        io.write(backlog.get(i));
                    }
                } catch (IOException e) {
                    synchronized (buffered) { // not delivered: keep them for the next session
                        for (int j = backlog.size() - 1; j >= i; j--) {
                            buffered.addFirst(backlog.get(j));
                        }
                    }
                    throw e;
                }
            }
            s.setSoTimeout((int) heartbeat.multipliedBy(3).toMillis());
            java.util.concurrent.ExecutorService ordered = java.util.concurrent.Executors.newSingleThreadExecutor(
                    Thread.ofVirtual().name("agent-ordered-ops").factory());
            Thread beat = Thread.ofVirtual().name("agent-heartbeat").start(() -> {
                try {
                    while (!s.isClosed()) {
                        Thread.sleep(heartbeat.toMillis());
                        synchronized (writeLock) {
                            io.write(new Frame(0, Frame.PING, Map.of(), null));
                        }
                    }
                } catch (IOException | InterruptedException e) {
                    closeQuietly(s);
                }
            });
            try {
                while (!closed) {
                    Frame f = io.read(); // a silence of three heartbeats times out
                    switch (f.type()) {
                        case Frame.PING -> {
                            synchronized (writeLock) {
                                io.write(new Frame(f.id(), Frame.PONG, Map.of(), null));
                            }
                        }
                        case Frame.PONG -> {
                            // the read itself reset the timeout
                        }
                        case Frame.REQUEST -> {
                            Runnable op = () -> answer(f, io, writeLock, s);
                            if ("yes".equals(f.attr("ordered"))) {
                                ordered.execute(op); // e.g. a file's chunks: written in the order sent
                            } else {
                                Thread.ofVirtual().name("agent-op-" + f.id()).start(op);
                            }
                        }
                        case Frame.ERROR -> throw new RefusedException(f.attr("message", "closed by the front-end"));
                        default -> log.warn("ignoring unexpected {} frame", f.type());
                    }
                }
            } finally {
                beat.interrupt();
                ordered.shutdownNow();
            }
        } finally {
            online = false;
            socket = null;
        }
    }

    /** Runs one request through the handler and writes its answer (a failure becomes a failed RESPONSE). */
    private void answer(Frame f, FrameIO io, Object writeLock, SSLSocket s) {
        Frame answer;
        try {
            answer = handler.apply(f);
        } catch (RuntimeException e) {
            log.warn("request {} failed: {}", f.attr("op"), e.toString());
            answer = f.failed(e.getMessage() == null ? e.toString() : e.getMessage());
        }
        try {
            synchronized (writeLock) {
                io.write(answer);
            }
        } catch (IOException e) {
            closeQuietly(s);
        }
    }

    private SSLSocket open(javax.net.ssl.SSLContext ctx, FrontendEndpoints.Endpoint at) throws IOException {
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket();
        try {
            s.connect(new InetSocketAddress(at.host(), at.port()), 10_000);
            s.setSoTimeout(30_000);
            s.setTcpNoDelay(true);
            s.setEnabledProtocols(new String[] {"TLSv1.3"});
            s.startHandshake();
            return s;
        } catch (IOException e) {
            closeQuietly(s);
            throw e;
        }
    }

    private static String localName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    private static String version() {
        String v = AgentConnection.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        SSLSocket s = socket;
        if (s != null) {
            closeQuietly(s);
        }
    }

    /** The front-end said no (token, certificate): a reason worth showing as it is. */
    public static final class RefusedException extends IOException {
        public RefusedException(String message) {
            super(message);
        }
    }
}
