package dev.nimbo.drivers.kvm;

import dev.nimbo.core.vm.DriverException;
import dev.nimbo.drivers.agent.Frame;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Moves files between the front-end and a host's agent in chunks, with a window of chunks in flight rather than
 * one request per round trip: over a 200 ms link a stop-and-wait copy of 4 MiB chunks would idle the wire most of
 * the time (at 1 Gbit/s, 34 ms of sending per 200 ms of waiting). Uploads are marked {@code ordered}, so the agent
 * writes their chunks in the order they were sent; the last chunk carries the whole file's size and SHA-256,
 * checked on the host. Downloads read several offsets at once and write them here in order.
 *
 * <p>Window: {@code nimbo.kvm.transferWindow} chunks (default 8 x 4 MiB = 32 MiB, above the bandwidth-delay
 * product of 1 Gbit/s x 200 ms). Stateless and thread-safe; each call blocks its (virtual) thread.
 */
final class HostFileTransfer {
    static final int CHUNK = 4 * 1024 * 1024;

    private final AgentLink link;
    private final int window;

    /** The window from {@code nimbo.kvm.transferWindow}, read at each transfer. */
    HostFileTransfer(AgentLink link) {
        this(link, 0);
    }

    HostFileTransfer(AgentLink link, int window) {
        this.link = link;
        this.window = window;
    }

    private int window() {
        return window > 0 ? window : Math.max(1, Integer.getInteger("nimbo.kvm.transferWindow", 8));
    }

    /** Streams a front-end file to a host path, resuming a partial copy there; the host checks the sha. */
    void upload(int hostId, Path file, String path, String sha) throws IOException {
        long size = Files.size(file);
        Frame stat = call(hostId, Ops.FILE_STAT, Map.of("path", path), null, "lookup of " + path);
        stream(hostId, file, path, sha, size, Math.min(stat.longAttr("partial", 0), size));
    }

    /** Sends the file from {@code offset} on (what the host already has), a window of chunks in flight. */
    void stream(int hostId, Path file, String path, String sha, long size, long offset) throws IOException {
        String what = "transfer of " + file;
        ArrayDeque<CompletableFuture<Frame>> inFlight = new ArrayDeque<>();
        try (InputStream in = Files.newInputStream(file)) {
            in.skipNBytes(offset);
            boolean last = false;
            while (!last) {
                byte[] buf = in.readNBytes(CHUNK);
                last = offset + buf.length >= size;
                Map<String, String> a = new TreeMap<>(Map.of("path", path, "offset", Long.toString(offset),
                        "last", last ? "yes" : "no", "ordered", "yes"));
                if (last) {
                    a.put("sha256", sha);
                    a.put("size", Long.toString(size));
                }
                if (inFlight.size() >= window()) {
                    check(inFlight.removeFirst(), what);
                }
                inFlight.addLast(link.request(hostId, Ops.FILE_WRITE, a, buf));
                offset += buf.length;
            }
            while (!inFlight.isEmpty()) {
                check(inFlight.removeFirst(), what);
            }
        } finally {
            inFlight.forEach(f -> f.cancel(false));
        }
    }

    /** Copies a host file to a front-end path (through a temporary file, moved in place when complete). */
    void download(int hostId, String path, Path target, String what) throws IOException {
        Frame stat = call(hostId, Ops.FILE_STAT, Map.of("path", path), null, what);
        if (!"yes".equals(stat.attr("complete"))) {
            throw new DriverException(what + ": " + path + " is not on host " + hostId);
        }
        long size = stat.longAttr("size", 0);
        Path tmp = target.resolveSibling(target.getFileName() + ".copyback");
        ArrayDeque<CompletableFuture<Frame>> inFlight = new ArrayDeque<>();
        try (OutputStream out = Files.newOutputStream(tmp)) {
            fetchInto(out, hostId, path, size, what, inFlight);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp); // a failed copy leaves nothing (the next one starts over)
            throw e;
        } finally {
            inFlight.forEach(f -> f.cancel(false));
        }
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Reads the host file's {@code size} bytes in order, a window of chunk reads in flight. */
    private void fetchInto(OutputStream out, int hostId, String path, long size, String what,
                           ArrayDeque<CompletableFuture<Frame>> inFlight) throws IOException {
        long asked = 0;
        long written = 0;
        do {
            while (inFlight.size() < window() && asked < size) {
                inFlight.addLast(link.request(hostId, Ops.FILE_READ, Map.of("path", path, "offset",
                        Long.toString(asked), "length", Integer.toString(CHUNK)), null));
                asked += CHUNK;
            }
            if (inFlight.isEmpty()) {
                break; // an empty file
            }
            byte[] b = check(inFlight.removeFirst(), what).body();
            if (b.length == 0) {
                throw new DriverException(what + ": " + path + " shrank on host " + hostId + " while copied");
            }
            out.write(b);
            written += b.length;
        } while (written < size);
    }

    Frame call(int hostId, String op, Map<String, String> attrs, byte[] body, String what) {
        return check(link.request(hostId, op, attrs, body), what);
    }

    private static Frame check(CompletableFuture<Frame> pending, String what) {
        try {
            Frame f = pending.get();
            if (!f.succeeded()) {
                throw new DriverException(what + ": " + f.attr("message", f.attr("op", "request") + " failed"));
            }
            return f;
        } catch (ExecutionException e) {
            throw new DriverException(what + ": " + AgentLinks.reason(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException(what + ": interrupted", e);
        }
    }
}
