package dev.nimbo.agent.link;

import java.util.ArrayList;
import java.util.List;

/**
 * The front-ends an agent may dial, in order, and which one it tries now. A replicated zone's agent channel runs on
 * its leader only (followers do not listen), so the agent keeps to the endpoint that last gave it a session and,
 * when that one fails, moves straight on to the next; it waits (backs off) only once every endpoint failed in a
 * row. A single endpoint behaves as before: fail, wait, retry. Not thread-safe: the connection's loop owns it.
 */
public final class FrontendEndpoints {
    public static final int DEFAULT_PORT = 4124;

    /** One front-end agent endpoint. */
    public record Endpoint(String host, int port) {
        @Override
        public String toString() {
            return host + ":" + port;
        }
    }

    private final List<Endpoint> endpoints;
    private int current;
    private int failedInARow;

    public FrontendEndpoints(List<Endpoint> endpoints) {
        if (endpoints.isEmpty()) {
            throw new IllegalArgumentException("no front-end endpoint");
        }
        this.endpoints = List.copyOf(endpoints);
    }

    /**
     * Parses {@code HOST[:PORT],HOST[:PORT],...} (port 4124 by default; an IPv6 address in brackets).
     *
     * @throws IllegalArgumentException naming the bad entry
     */
    public static FrontendEndpoints parse(String spec) {
        List<Endpoint> out = new ArrayList<>();
        for (String raw : spec == null ? new String[0] : spec.split(",")) {
            String e = raw.strip();
            if (e.isEmpty()) {
                continue;
            }
            int colon = e.lastIndexOf(':');
            boolean hasPort = colon >= 0 && (e.indexOf(':') == colon || e.charAt(colon - 1) == ']');
            String host = hasPort ? e.substring(0, colon) : e;
            int port = DEFAULT_PORT;
            if (hasPort) {
                try {
                    port = Integer.parseInt(e.substring(colon + 1));
                } catch (NumberFormatException x) {
                    port = -1;
                }
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("front-end '" + e + "': the port must be 1-65535");
                }
            }
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            if (host.isBlank()) {
                throw new IllegalArgumentException("front-end '" + e + "' has no host");
            }
            out.add(new Endpoint(host, port));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no front-end given (HOST:PORT,HOST:PORT,...)");
        }
        return new FrontendEndpoints(out);
    }

    public List<Endpoint> all() {
        return endpoints;
    }

    /** The endpoint to dial now. */
    public Endpoint current() {
        return endpoints.get(current);
    }

    /** A session opened with the current endpoint: stay with it. */
    public void succeeded() {
        failedInARow = 0;
    }

    /**
     * The current endpoint failed (could not connect, refused, or the session dropped): move to the next one.
     *
     * @return true when every endpoint has now failed in a row, time to wait before the next round
     */
    public boolean failed() {
        current = (current + 1) % endpoints.size();
        failedInARow++;
        if (failedInARow >= endpoints.size()) {
            failedInARow = 0;
            return true;
        }
        return false;
    }

    @Override
    public String toString() {
        return endpoints.toString();
    }
}
