package dev.nimbo.drivers.kvm;

import dev.nimbo.drivers.agent.Frame;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The front-end's side of the agent channel as the {@code kvm} drivers see it: send one request to a host's agent
 * and get its RESPONSE. A host whose agent is not connected fails the future at once with an
 * {@link AgentUnavailableException}. Implementations are thread-safe.
 */
public interface AgentLink {

    CompletableFuture<Frame> request(int hostId, String op, Map<String, String> attrs, byte[] body);

    boolean connected(int hostId);

    /** The host's agent is not connected (never enrolled, or its connection dropped). */
    final class AgentUnavailableException extends RuntimeException {
        public AgentUnavailableException(String message) {
            super(message, null, false, false);
        }
    }
}
