package dev.nimbo.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An emulated WAN link in front of one TCP service, for tests, benchmarks and demos on a kernel without
 * {@code tc netem}: it listens on an address of its own and relays every connection to the target, delaying each
 * direction by a one-way delay plus jitter and limiting each direction's rate (shared by all connections, as one
 * link's bandwidth is). Bytes never reorder (a TCP stream cannot): jitter only stretches the gaps.
 *
 * <p>{@link #cut()} blackholes the link: open connections carry nothing more (what was in flight or arrives is
 * dropped, no FIN or RST reaches either end, so both sides find out by their own time-outs, as over a real WAN)
 * and new connections are refused. {@link #restore()} lets new connections through and resets the ones that
 * lived through the cut (they lost bytes; a real middlebox would have lost their state too).
 *
 * <p>Only the relay's buffer stands for the link's queue: at most the bandwidth-delay product plus a 100 ms
 * queue is in flight per direction and connection, so a sender is held back like by a full path. The end points'
 * own TCP windows are not emulated (both legs are local).
 *
 * <p>Thread-safe; one virtual thread per direction and connection, plus the accept thread. {@link #main} runs one
 * relay with a control port for scripts ({@code cut}, {@code restore}, {@code shape ...}, {@code stats}).
 */
public final class WanRelay implements AutoCloseable {

    /** One direction's behaviour: one-way delay, uniform jitter (+/-), rate in bits per second (0: unlimited). */
    public record Shape(Duration delay, Duration jitter, long bitsPerSecond) {
        public static final Shape NONE = new Shape(Duration.ZERO, Duration.ZERO, 0);

        public Shape {
            if (delay.isNegative() || jitter.isNegative() || bitsPerSecond < 0) {
                throw new IllegalArgumentException("delay, jitter and rate must not be negative");
            }
        }

        /** Half of rtt each way, the given jitter and rate in Mbit/s (0: unlimited). */
        public static Shape wan(Duration rtt, Duration jitter, long mbps) {
            return new Shape(rtt.dividedBy(2), jitter, mbps * 1_000_000L);
        }

        /** Bytes a direction may hold: the bandwidth-delay product plus 100 ms of queue (16 MiB when unlimited). */
        int bufferBytes() {
            if (bitsPerSecond == 0) {
                return 16 << 20;
            }
            long ms = delay.plus(jitter).toMillis() + 100;
            return (int) Math.max(256 << 10, Math.min(256L << 20, bitsPerSecond / 8 * ms / 1000));
        }
    }

    private static final int CHUNK = 64 * 1024;

    private final ServerSocket server;
    private final InetSocketAddress target;
    private final Direction up = new Direction();
    private final Direction down = new Direction();
    private final Set<Relayed> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong refused = new AtomicLong();
    private volatile boolean cut;
    private volatile boolean closed;

    private WanRelay(ServerSocket server, InetSocketAddress target, Shape upShape, Shape downShape) {
        this.server = server;
        this.target = target;
        up.shape = upShape;
        down.shape = downShape;
    }

    /**
     * Starts a relay listening on listen (port 0: any) to target; up is the direction towards the target (the
     * connecting side's sending), down the way back.
     */
    public static WanRelay start(InetSocketAddress listen, InetSocketAddress target, Shape up, Shape down)
            throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(listen, 128);
        WanRelay r = new WanRelay(s, target, up, down);
        Thread.ofVirtual().name("wan-relay-accept-" + s.getLocalPort()).start(r::acceptLoop);
        return r;
    }

    /** A relay on 127.0.0.1 (any free port) with the same shape both ways. */
    public static WanRelay loopback(int targetPort, Shape both) throws IOException {
        return start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), both, both);
    }

    public int port() {
        return server.getLocalPort();
    }

    public String endpoint() {
        return server.getInetAddress().getHostAddress() + ":" + port();
    }

    /** Changes both directions' shapes; applies to bytes read from now on. */
    public void shape(Shape upShape, Shape downShape) {
        up.shape = upShape;
        down.shape = downShape;
    }

    /** Blackholes the link (see the class comment). */
    public void cut() {
        cut = true;
        for (Relayed r : open) {
            r.severed = true;
        }
    }

    /** Ends a cut: connections that lived through it are reset, new ones go through. */
    public void restore() {
        for (Relayed r : open) {
            if (r.severed) {
                r.close();
            }
        }
        cut = false;
    }

    public boolean isCut() {
        return cut;
    }

    /** Connections open now. */
    public int connections() {
        return open.size();
    }

    /** Connections refused while cut. */
    public long refused() {
        return refused.get();
    }

    /** Bytes delivered towards the target so far. */
    public long bytesUp() {
        return up.delivered.get();
    }

    /** Bytes delivered back from the target so far. */
    public long bytesDown() {
        return down.delivered.get();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            if (cut) {
                refused.incrementAndGet();
                quietly(client);
                continue;
            }
            Thread.ofVirtual().name("wan-relay-conn").start(() -> connect(client));
        }
    }

    private void connect(Socket client) {
        Socket far = new Socket();
        try {
            client.setTcpNoDelay(true);
            far.setTcpNoDelay(true);
            far.connect(target, 10_000);
        } catch (IOException e) {
            quietly(client); // the target is down: the client sees its connection close, as a refusal
            quietly(far);
            return;
        }
        Relayed r = new Relayed(client, far);
        open.add(r);
        if (cut) {
            r.severed = true;
        }
        Thread.ofVirtual().name("wan-relay-up").start(() -> r.pump(client, far, up));
        Thread.ofVirtual().name("wan-relay-down").start(() -> r.pump(far, client, down));
    }

    /** One direction of the link: its shape and when its wire is free again (rate limit shared by connections). */
    private static final class Direction {
        volatile Shape shape;
        final AtomicLong delivered = new AtomicLong();
        private long wireFreeNanos;

        /** When a chunk of n bytes read now has crossed the wire (serialisation at the link's rate). */
        synchronized long sent(int n, long now) {
            long rate = shape.bitsPerSecond();
            if (rate == 0) {
                return now;
            }
            long start = Math.max(now, wireFreeNanos);
            wireFreeNanos = start + n * 8L * 1_000_000_000L / rate;
            return wireFreeNanos;
        }
    }

    private record Chunk(byte[] data, int length, long deliverAtNanos) {
    }

    /** Bytes one direction of a connection holds, bounded by the direction's current shape (it may change). */
    private static final class Room {
        private final Direction dir;
        private long held;

        Room(Direction dir) {
            this.dir = dir;
        }

        synchronized void acquire(int n) throws InterruptedException {
            while (held > 0 && held + n > dir.shape.bufferBytes()) {
                wait(50);
            }
            held += n;
        }

        synchronized void release(int n) {
            held -= n;
            notifyAll();
        }
    }

    private static final Chunk EOF = new Chunk(new byte[0], -1, 0);

    /** One relayed connection: two sockets, two pumps. */
    private final class Relayed {
        final Socket a;
        final Socket b;
        volatile boolean severed;
        private volatile boolean done;
        private int halfClosed;

        Relayed(Socket a, Socket b) {
            this.a = a;
            this.b = b;
        }

        /** Reads from one side and lets a writer deliver to the other when each chunk is due. */
        void pump(Socket from, Socket to, Direction dir) {
            Room room = new Room(dir);
            LinkedBlockingQueue<Chunk> line = new LinkedBlockingQueue<>();
            Thread writer = Thread.ofVirtual().name("wan-relay-deliver").start(() -> deliver(line, room, to, dir));
            long lastDue = 0;
            try {
                InputStream in = from.getInputStream();
                byte[] buf = new byte[CHUNK];
                while (true) {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    if (severed) {
                        continue; // blackholed: dropped
                    }
                    room.acquire(n);
                    Shape s = dir.shape;
                    long now = System.nanoTime();
                    long jitter = s.jitter().isZero() ? 0
                            : ThreadLocalRandom.current().nextLong(-s.jitter().toNanos(), s.jitter().toNanos() + 1);
                    long due = Math.max(lastDue, dir.sent(n, now) + Math.max(0, s.delay().toNanos() + jitter));
                    lastDue = due;
                    line.add(new Chunk(java.util.Arrays.copyOf(buf, n), n, due));
                }
            } catch (IOException | InterruptedException e) {
                if (!severed) {
                    close(); // reset or broken: the other side learns at once
                }
            }
            if (!severed && !done) {
                line.add(EOF); // a clean close travels like data, after what was sent before it
            }
            try {
                writer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private void deliver(LinkedBlockingQueue<Chunk> line, Room room, Socket to, Direction dir) {
            try {
                OutputStream out = to.getOutputStream();
                while (!done) {
                    Chunk c = line.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS);
                    if (c == null) {
                        continue;
                    }
                    if (c == EOF) {
                        halfClose(to);
                        return;
                    }
                    long wait = c.deliverAtNanos() - System.nanoTime();
                    if (wait > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    room.release(c.length());
                    if (severed) {
                        continue; // blackholed: dropped
                    }
                    out.write(c.data(), 0, c.length());
                    dir.delivered.addAndGet(c.length());
                }
            } catch (IOException | InterruptedException e) {
                close();
            }
        }

        private void halfClose(Socket to) {
            try {
                to.shutdownOutput();
            } catch (IOException e) {
                close();
                return;
            }
            synchronized (this) {
                if (++halfClosed == 2) {
                    close();
                }
            }
        }

        void close() {
            done = true;
            open.remove(this);
            reset(a);
            reset(b);
        }
    }

    /** Closes with RST (linger 0): the peer learns at once that the connection is gone. */
    private static void reset(Socket s) {
        try {
            s.setSoLinger(true, 0);
        } catch (IOException e) {
            // closing anyway
        }
        quietly(s);
    }

    private static void quietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closed = true;
        quietly(server);
        for (Relayed r : open) {
            r.close();
        }
    }

    // ------------------------------------------------------------------ command line

    /**
     * {@code WanRelay LISTEN_HOST:PORT TARGET_HOST:PORT CONTROL_PORT [DELAY_MS JITTER_MS MBIT]}: one relay, the
     * same shape both ways (delay one way), controlled by lines sent to 127.0.0.1:CONTROL_PORT: {@code cut},
     * {@code restore}, {@code shape DELAY_MS JITTER_MS MBIT}, {@code stats}; each gets one line back. Prints
     * {@code ready PORT} when listening. Runs until killed.
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 3 && args.length != 6) {
            System.err.println("usage: WanRelay LISTEN_HOST:PORT TARGET_HOST:PORT CONTROL_PORT [DELAY_MS JITTER_MS MBIT]");
            System.exit(2);
        }
        Shape shape = args.length == 6 ? parseShape(args[3], args[4], args[5]) : Shape.NONE;
        WanRelay relay = start(address(args[0]), address(args[1]), shape, shape);
        try (ServerSocket control = new ServerSocket(Integer.parseInt(args[2]), 16, InetAddress.getLoopbackAddress())) {
            System.out.println("ready " + relay.port());
            System.out.flush();
            while (true) {
                try (Socket c = control.accept()) {
                    c.setSoTimeout(5000);
                    String line = new String(c.getInputStream().readNBytes(256), StandardCharsets.UTF_8).strip();
                    String answer;
                    try {
                        answer = relay.command(line);
                    } catch (RuntimeException e) {
                        answer = "error " + e.getMessage();
                    }
                    c.getOutputStream().write((answer + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // one bad control client: keep serving
                }
            }
        }
    }

    /** Runs one control command (see {@link #main}) and says what it did. */
    public String command(String line) {
        String[] w = line.split("\\s+");
        return switch (w[0]) {
            case "cut" -> {
                cut();
                yield "cut";
            }
            case "restore" -> {
                restore();
                yield "restored";
            }
            case "shape" -> {
                if (w.length != 4) {
                    throw new IllegalArgumentException("shape DELAY_MS JITTER_MS MBIT");
                }
                Shape s = parseShape(w[1], w[2], w[3]);
                shape(s, s);
                yield "shaped " + s;
            }
            case "stats" -> "cut=" + cut + " connections=" + connections() + " refused=" + refused()
                    + " up=" + bytesUp() + " down=" + bytesDown();
            default -> throw new IllegalArgumentException("unknown command '" + w[0] + "'");
        };
    }

    private static Shape parseShape(String delayMs, String jitterMs, String mbit) {
        return new Shape(Duration.ofMillis(Long.parseLong(delayMs)), Duration.ofMillis(Long.parseLong(jitterMs)),
                Long.parseLong(mbit) * 1_000_000L);
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("expected HOST:PORT, got " + hostPort);
        }
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
