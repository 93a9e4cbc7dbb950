package dev.nimbo.server.ha;

import dev.nimbo.client.xmlrpc.XmlRpcCodec;
import dev.nimbo.core.error.ErrorCode;
import dev.nimbo.core.state.Controller;
import dev.nimbo.server.rpc.RequestRouter;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a request is answered on a replicated front-end. Reads are answered by any replica from its own
 * replicated state. Everything else goes to the leader: the leader answers it itself; a follower forwards the
 * raw request to the leader's endpoint and, before answering, waits until it has applied what the leader had
 * applied, so a client reading from this replica next sees its own change. Thread-safe.
 */
public final class LeaderRouter implements RequestRouter {
    private static final Logger log = LoggerFactory.getLogger(LeaderRouter.class);
    /** Read-only by name: every info/pool info variant. Monitoring lives on the leader, so it is not listed. */
    private static final Pattern READ = Pattern.compile("^one\\.[a-z]+\\.info(extended|set)?$");
    private static final Set<String> READ_NAMES = Set.of("one.system.version", "one.system.config",
            "one.zone.raftstatus", "one.vmpool.accounting", "one.vmpool.showback");
    private static final Duration FIND_LEADER = Duration.ofSeconds(20);
    private static final Duration CATCH_UP = Duration.ofSeconds(10);

    private final RaftStore store;
    private final Controller controller;
    private final int maxRequestBytes;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();

    public LeaderRouter(RaftStore store, Controller controller, int maxRequestBytes) {
        this.store = store;
        this.controller = controller;
        this.maxRequestBytes = maxRequestBytes;
    }

    /** Whether any replica may answer this method from its own state. */
    public static boolean readOnly(String method) {
        return READ_NAMES.contains(method) || READ.matcher(method).matches();
    }

    @Override
    public long appliedIndex() {
        return store.appliedIndex();
    }

    @Override
    public byte[] route(byte[] body, boolean forwarded) {
        if (controller.acceptsWrites()) {
            return null;
        }
        String method;
        try {
            method = XmlRpcCodec.decodeRequest(body, maxRequestBytes).methodName();
        } catch (RuntimeException e) {
            return null; // the pipeline answers with the decoding error
        }
        if (readOnly(method)) {
            return null;
        }
        long deadline = System.nanoTime() + FIND_LEADER.toNanos();
        if (forwarded) {
            // Sent here because another replica saw this one as leader: answer here (an error if not leading).
            while (!controller.acceptsWrites() && System.nanoTime() < deadline && store.leaderId() == store.config().selfId()) {
                sleep(20);
            }
            return null;
        }
        while (System.nanoTime() < deadline) {
            if (controller.acceptsWrites()) {
                return null;
            }
            int leader = store.leaderId();
            HaConfig.Peer peer = leader < 0 || leader == store.config().selfId() ? null : store.currentPeer(leader);
            if (peer == null) {
                sleep(50);
                continue;
            }
            try {
                HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create(peer.endpoint()))
                        .timeout(Duration.ofSeconds(120))
                        .header("Content-Type", "text/xml")
                        .header(FORWARDED_HEADER, String.valueOf(store.config().selfId()))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
                awaitPublished(answer.headers().firstValueAsLong(APPLIED_HEADER).orElse(0));
                return answer.body();
            } catch (ConnectException | HttpConnectTimeoutException e) {
                // Nothing was sent: the leader is gone or not yet known to be gone. Try whoever leads next.
                sleep(100);
            } catch (IOException e) {
                log.warn("forwarding {} to leader {} failed: {}", method, leader, e.toString());
                return error(method, "The leader (server " + leader + ") did not answer (" + e.getClass().getSimpleName()
                        + "): the change may or may not have been made");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return error(method, "Interrupted while forwarding to the leader");
            }
        }
        return error(method, "No leader of the zone's front-ends is reachable");
    }

    private void awaitPublished(long index) {
        long deadline = System.nanoTime() + CATCH_UP.toNanos();
        while (store.publishedIndex() < index && System.nanoTime() < deadline) {
            sleep(5);
        }
        if (store.publishedIndex() < index) {
            log.warn("answering before this replica applied index {} (at {})", index, store.publishedIndex());
        }
    }

    private static byte[] error(String method, String message) {
        return XmlRpcCodec.encodeResponse(Arrays.asList(Boolean.FALSE, "[" + method + "] " + message,
                ErrorCode.INTERNAL.code(), -1, 0L));
    }

    private static void sleep(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
