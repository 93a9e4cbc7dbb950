package dev.nimbo.server.agent;

import dev.nimbo.drivers.agent.Frame;
import dev.nimbo.drivers.agent.FrameIO;
import dev.nimbo.drivers.kvm.AgentLink;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.net.ssl.SSLSocket;

/**
 * One open agent connection: requests go out with fresh IDs and complete when their RESPONSE arrives; PINGs are
 * answered and sent every heartbeat; three heartbeats of silence, a broken frame or a closed socket end it and
 * fail every pending request. {@link #run} is the reader (one thread); {@link #request} may be called from any.
 */
final class AgentSession {
    private final int hostId;
    private final SSLSocket socket;
    private final FrameIO io;
    private final Duration heartbeat;
    private final Consumer<AgentSession> onClose;
    private final java.util.function.BiConsumer<Integer, byte[]> onSample;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, CompletableFuture<Frame>> pending = new ConcurrentHashMap<>();
    private volatile boolean closed;

    AgentSession(int hostId, SSLSocket socket, FrameIO io, Duration heartbeat, Consumer<AgentSession> onClose,
                 java.util.function.BiConsumer<Integer, byte[]> onSample) {
        this.onSample = onSample;
        this.hostId = hostId;
        this.socket = socket;
        this.io = io;
        this.heartbeat = heartbeat;
        this.onClose = onClose;
    }

    int hostId() {
        return hostId;
    }

    CompletableFuture<Frame> request(String op, Map<String, String> attrs, byte[] body) {
        long id = ids.incrementAndGet();
        CompletableFuture<Frame> f = new CompletableFuture<>();
        pending.put(id, f);
        TreeMap<String, String> a = new TreeMap<>(attrs);
        a.put("op", op);
        try {
            send(new Frame(id, Frame.REQUEST, a, body));
        } catch (IOException e) {
            pending.remove(id);
            close();
            f.completeExceptionally(new AgentLink.AgentUnavailableException("agent of host " + hostId
                    + ": connection lost: " + e.getMessage()));
        }
        if (closed) {
            fail(f);
        }
        return f;
    }

    private void send(Frame f) throws IOException {
        synchronized (io) {
            io.write(f);
        }
    }

    void run() {
        Thread beat = Thread.ofVirtual().name("agent-beat-" + hostId).start(() -> {
            try {
                while (!closed) {
                    Thread.sleep(heartbeat.toMillis());
                    send(new Frame(0, Frame.PING, Map.of(), null));
                }
            } catch (IOException | InterruptedException e) {
                close();
            }
        });
        try {
            socket.setSoTimeout((int) heartbeat.multipliedBy(3).toMillis());
            while (!closed) {
                Frame f = io.read();
                switch (f.type()) {
                    case Frame.PING -> send(new Frame(f.id(), Frame.PONG, Map.of(), null));
                    case Frame.SAMPLE -> onSample.accept(hostId, f.body());
                    case Frame.RESPONSE -> {
                        CompletableFuture<Frame> p = pending.remove(f.id());
                        if (p != null) {
                            p.complete(f);
                        }
                    }
                    default -> {
                        // PONG and anything newer: the read itself proves the agent is alive
                    }
                }
            }
        } catch (IOException e) {
            // dropped, timed out or closed by us
        } finally {
            beat.interrupt();
            close();
        }
    }

    void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (Long id : pending.keySet()) {
            CompletableFuture<Frame> p = pending.remove(id);
            if (p != null) {
                fail(p);
            }
        }
        onClose.accept(this);
        // last: closing a TLS socket whose peer went silent (a cut link) can block for a whole read time-out
        Thread.ofVirtual().name("agent-close-" + hostId).start(() -> AgentHub.closeQuietly(socket));
    }

    private void fail(CompletableFuture<Frame> f) {
        f.completeExceptionally(new AgentLink.AgentUnavailableException("the agent of host " + hostId
                + " disconnected"));
    }
}
