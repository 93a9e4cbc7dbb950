package dev.nimbo.server.agent;

import java.time.Duration;

/**
 * Where the agent listener listens and how often it checks on agents. From system properties
 * ({@code nimbo.agent.port}, set by {@code nimbod --agent-port}) or the environment:
 * <pre>
 * NIMBO_AGENT_PORT      = 4124   0 for any free port (written to DATA/agent-port), -1 for no listener
 * NIMBO_AGENT_BIND      = the XML-RPC bind address
 * NIMBO_AGENT_HEARTBEAT = 5      seconds between heartbeats; three missed ones drop the session
 * NIMBO_AGENT_TOKEN_LIFETIME = 86400  seconds an enrolment token can be used after it is made
 * NIMBO_AGENT_CA        = DATA/agent-ca   the CA's directory; the replicas of an HA zone need the same CA
 * </pre>
 * Immutable.
 */
public record AgentSettings(int port, String bind, Duration heartbeat, Duration tokenLifetime) {
    public static final int DEFAULT_PORT = 4124;

    public static AgentSettings fromEnvironment(String defaultBind) {
        int port = integer("nimbo.agent.port", "NIMBO_AGENT_PORT", DEFAULT_PORT);
        String bind = setting("nimbo.agent.bind", "NIMBO_AGENT_BIND");
        int beat = integer("nimbo.agent.heartbeat", "NIMBO_AGENT_HEARTBEAT", 5);
        int lifetime = integer("nimbo.agent.tokenLifetime", "NIMBO_AGENT_TOKEN_LIFETIME", 86_400);
        if (lifetime < 1) {
            throw new IllegalArgumentException("NIMBO_AGENT_TOKEN_LIFETIME must be at least 1 second, got " + lifetime);
        }
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException("NIMBO_AGENT_PORT must be -1 (off), 0 (any) or a port, got " + port);
        }
        return new AgentSettings(port, bind == null || bind.isBlank() ? defaultBind : bind.strip(),
                Duration.ofSeconds(Math.max(1, beat)), Duration.ofSeconds(lifetime));
    }

    /**
     * Where the agents' CA lives ({@code nimbo.agent.ca} or NIMBO_AGENT_CA, else DATA/agent-ca). Every replica of
     * a replicated front-end must hold the same CA, so that the certificates agents got from one leader open
     * sessions with the next.
     */
    public static java.nio.file.Path caDir(java.nio.file.Path dataDir) {
        String v = setting("nimbo.agent.ca", "NIMBO_AGENT_CA");
        return v == null || v.isBlank() ? dataDir.resolve("agent-ca") : java.nio.file.Path.of(v.strip()).toAbsolutePath();
    }

    private static String setting(String property, String env) {
        String v = System.getProperty(property);
        return v != null ? v : System.getenv(env);
    }

    private static int integer(String property, String env, int dflt) {
        String v = setting(property, env);
        if (v == null || v.isBlank()) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(env + " must be a number, got '" + v + "'");
        }
    }
}
