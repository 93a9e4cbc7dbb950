package dev.nimbo.drivers.kvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.agent.store.HostStore;
import dev.nimbo.core.vm.DriverException;
import dev.nimbo.drivers.agent.Frame;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Chunked transfers keep a window of chunks in flight (not one per round trip) and still arrive whole and in
 * order: a link that answers each request after 30 ms through a real {@link HostStore}, ordered requests on one
 * thread as the agent runs them.
 */
class HostFileTransferTest {
    @TempDir
    Path dir;
    final ExecutorService ordered = Executors.newSingleThreadExecutor();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger mostInFlight = new AtomicInteger();

    @AfterEach
    void stop() {
        ordered.shutdownNow();
    }

    AgentLink slowLink(HostStore store) {
        return new AgentLink() {
            @Override
            public CompletableFuture<Frame> request(int hostId, String op, Map<String, String> attrs, byte[] body) {
                mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
                Map<String, String> a = new TreeMap<>(attrs);
                a.put("op", op);
                Frame f = new Frame(1, Frame.REQUEST, a, body);
                CompletableFuture<Frame> out = new CompletableFuture<>();
                Runnable run = () -> {
                    Frame answer;
                    try {
                        Thread.sleep(30); // the link's latency
                        answer = answer(store, f);
                    } catch (Exception e) {
                        answer = f.failed(e.getMessage());
                    }
                    // counted out before the answer is seen: the sender may send its next chunk at once
                    inFlight.decrementAndGet();
                    out.complete(answer);
                };
                if ("yes".equals(attrs.get("ordered"))) {
                    ordered.execute(run);
                } else {
                    Thread.ofVirtual().start(run);
                }
                return out;
            }

            @Override
            public boolean connected(int hostId) {
                return true;
            }
        };
    }

    static Frame answer(HostStore store, Frame f) throws Exception {
        return switch (f.attr("op")) {
            case Ops.FILE_STAT -> {
                HostStore.Stat s = store.stat(f.attr("path"));
                yield f.ok(Map.of("complete", s.complete() ? "yes" : "no", "size", Long.toString(s.size()),
                        "partial", Long.toString(s.partial())), null);
            }
            case Ops.FILE_WRITE -> {
                store.write(f.attr("path"), f.longAttr("offset", 0), f.body(), "yes".equals(f.attr("last")),
                        f.attr("sha256", ""), f.longAttr("size", -1));
                yield f.ok(Map.of(), null);
            }
            case Ops.FILE_READ -> {
                HostStore.Chunk c = store.read(f.attr("path"), f.longAttr("offset", 0),
                        (int) f.longAttr("length", 0));
                yield f.ok(Map.of("eof", c.eof() ? "yes" : "no"), c.data());
            }
            default -> f.failed("unexpected " + f.attr("op"));
        };
    }

    @Test
    void uploadsAndDownloadsWithSeveralChunksInFlight() throws Exception {
        HostStore store = new HostStore(dir.resolve("host"));
        Files.createDirectories(store.root());
        byte[] data = new byte[HostFileTransfer.CHUNK * 5 + 12345];
        new Random(7).nextBytes(data);
        Path file = dir.resolve("image.raw");
        Files.write(file, data);
        HostFileTransfer t = new HostFileTransfer(slowLink(store), 4);

        t.upload(1, file, "cache/abc", KvmTm.sha256(file));
        assertThat(Files.readAllBytes(store.resolve("cache/abc"))).isEqualTo(data);
        assertThat(mostInFlight.get()).as("a window, not stop-and-wait").isBetween(2, 4);

        mostInFlight.set(0);
        Path back = dir.resolve("back.raw");
        t.download(1, "cache/abc", back, "copy-back");
        assertThat(Files.readAllBytes(back)).isEqualTo(data);
        assertThat(mostInFlight.get()).isBetween(2, 4);
    }

    @Test
    void aCorruptUploadFailsAndLeavesNothingUnderTheName() throws Exception {
        HostStore store = new HostStore(dir.resolve("host"));
        Files.createDirectories(store.root());
        Path file = dir.resolve("image.raw");
        Files.write(file, new byte[HostFileTransfer.CHUNK + 1]);
        HostFileTransfer t = new HostFileTransfer(slowLink(store), 8);
        assertThatThrownBy(() -> t.upload(1, file, "cache/bad", "00".repeat(32)))
                .isInstanceOf(DriverException.class).hasMessageContaining("corrupt");
        assertThat(store.resolve("cache/bad")).doesNotExist();
        assertThatThrownBy(() -> t.download(1, "cache/missing", dir.resolve("x"), "copy-back"))
                .isInstanceOf(DriverException.class).hasMessageContaining("not on host");
    }
}
