package dev.nimbo.drivers.kvm;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/** Small helpers of the kvm drivers. */
final class AgentLinks {
    private static final System.Logger log = System.getLogger(AgentLinks.class.getName());

    /**
     * How long an operation waits for a host's agent that is not connected (an edge site's link is cut, the agent
     * restarts) before it fails: {@code nimbo.kvm.reconnectWait} seconds, default 240 (below the 300 s driver
     * time-out). The VM stays in its transient state meanwhile, then completes when the host is back.
     */
    static Duration reconnectWait() {
        return Duration.ofSeconds(Long.getLong("nimbo.kvm.reconnectWait", 240));
    }

    private AgentLinks() {
    }

    /** The message of a failure, without the CompletionException / ExecutionException wrappers. */
    static String reason(Throwable e) {
        while ((e instanceof CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** True when the failure (or one of its causes) is the host's agent being unreachable. */
    static boolean unreachable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof AgentLink.AgentUnavailableException) {
                return true;
            }
        }
        return false;
    }

    /** Waits until the host's agent is connected again or {@code deadline} (System.nanoTime) passes; whether it is. */
    static boolean awaitConnected(AgentLink link, int hostId, long deadline) throws InterruptedException {
        while (!link.connected(hostId)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(250);
        }
        return true;
    }

    /**
     * Runs op; when it fails because the host's agent is unreachable (not connected, or the connection dropped
     * with the request in flight), waits for the agent to be back and runs it again, until {@code wait} has passed.
     * Only for operations the agent may safely see twice (its vmm actions and disk preparations are idempotent).
     */
    static <T> CompletableFuture<T> patiently(AgentLink link, int hostId, Duration wait, String what,
                                              Supplier<CompletableFuture<T>> op) {
        CompletableFuture<T> out = new CompletableFuture<>();
        Thread.ofVirtual().name("kvm-patient-" + hostId).start(() -> {
            long deadline = System.nanoTime() + wait.toNanos();
            while (true) {
                try {
                    out.complete(op.get().join());
                    return;
                } catch (CompletionException | CancellationException | AgentLink.AgentUnavailableException e) {
                    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
                    if (!unreachable(cause) || System.nanoTime() > deadline) {
                        out.completeExceptionally(cause);
                        return;
                    }
                    log.log(System.Logger.Level.INFO, "host {0} unreachable during {1}: waiting up to {2} s for"
                            + " its agent", hostId, what, wait.toSeconds());
                    try {
                        awaitConnected(link, hostId, deadline);
                    } catch (InterruptedException ie) {
                        out.completeExceptionally(cause);
                        return;
                    }
                } catch (RuntimeException e) {
                    out.completeExceptionally(e);
                    return;
                }
            }
        });
        return out;
    }
}
