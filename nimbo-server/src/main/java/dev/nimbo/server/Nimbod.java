package dev.nimbo.server;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The nimbod command: parses options, sets up logging, runs the server until SIGTERM/SIGINT. */
@Command(name = "nimbod", mixinStandardHelpOptions = true, version = "nimbod " + ServerConfig.VERSION,
        description = "Nimbo daemon: the OpenNebula-compatible XML-RPC front-end.")
public final class Nimbod implements Callable<Integer> {

    @Option(names = "--data", description = "Data directory (database, logs, credentials). Default: ~/.nimbo")
    Path data = Path.of(System.getProperty("user.home"), ".nimbo");

    @Option(names = "--port", description = "XML-RPC port. Default: ${DEFAULT-VALUE}")
    int port = ServerConfig.DEFAULT_PORT;

    @Option(names = "--bind", description = "Address to listen on. Default: ${DEFAULT-VALUE}")
    String bind = "127.0.0.1";

    @Option(names = "--db", description = "JDBC URL (jdbc:sqlite:FILE or jdbc:postgresql://HOST:PORT/DB?user=U&password=P). "
            + "Default: embedded SQLite in the data directory")
    String db;

    @Option(names = "--agent-port", description = "Port agents of KVM hosts dial (TLS); 0 any free port, -1 none."
            + " Default: 4124 (or NIMBO_AGENT_PORT)")
    Integer agentPort;

    @Option(names = "--max-request-bytes", description = "Largest XML-RPC request accepted. Default: ${DEFAULT-VALUE}")
    int maxRequestBytes = ServerConfig.DEFAULT_MAX_REQUEST_BYTES;

    @Option(names = "--config", description = "Configuration file (YAML: auth drivers, LDAP, TLS; see docs/auth.md). "
            + "Default: $NIMBO_CONFIG, else DATA/nimbod.yaml when it exists")
    Path configFile;

    @Option(names = "--ha-id", description = "This front-end's server ID in a replicated (HA) zone; needs --ha-peers."
            + " The configuration file's ha section (id, peers, leader_hook, follower_hook) may give all four; options win")
    Integer haId;

    @Option(names = "--ha-peers", description = "Every front-end of the zone, this one included: "
            + "ID=HOST:RAFT_PORT[:API_PORT],... (API_PORT defaults to --port). Needs --ha-id")
    String haPeers;

    @Option(names = "--ha-leader-hook", description = "Shell command run (in the data directory) when this front-end "
            + "becomes the leader, e.g. to take a floating IP (OpenNebula's RAFT_LEADER_HOOK)")
    String haLeaderHook;

    @Option(names = "--ha-follower-hook", description = "Shell command run when this front-end starts as a follower "
            + "or stops leading (OpenNebula's RAFT_FOLLOWER_HOOK)")
    String haFollowerHook;

    public static void main(String[] args) {
        int code;
        try {
            code = new CommandLine(new Nimbod()).execute(args);
        } catch (Throwable e) {
            // an Error (e.g. a missing library) escapes picocli: without this exit the already started HTTP
            // threads would keep a half-started daemon alive that accepts calls and never answers them
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            System.err.println("nimbod: --port must be between 0 and 65535");
            return 2;
        }
        if (agentPort != null) {
            System.setProperty("nimbo.agent.port", Integer.toString(agentPort));
        }
        Path dataDir = data.toAbsolutePath();
        // Logback reads this when the first logger is created, so it must be set before any logging.
        System.setProperty("nimbo.log.file", dataDir.resolve("nimbod.log").toString());
        java.nio.file.Files.createDirectories(dataDir);
        int iterations = Integer.parseInt(System.getenv().getOrDefault("NIMBO_KDF_ITERATIONS", "600000"));
        NimboServer server;
        try {
            Path file = configFile(dataDir);
            var root = file == null ? dev.nimbo.server.config.Section.of(java.util.Map.of())
                    : dev.nimbo.server.config.Section.of(dev.nimbo.server.config.ConfigFile.read(file));
            var ha = dev.nimbo.server.ha.HaConfig.resolve(root.section("ha"), haId, haPeers, haLeaderHook, haFollowerHook,
                    port, dataDir);
            Path dir = file == null ? dataDir : file.getParent();
            var config = new ServerConfig(dataDir, bind, port, db, 0, maxRequestBytes, iterations,
                    file == null ? dev.nimbo.server.auth.AuthConfig.defaults()
                            : dev.nimbo.server.auth.AuthConfig.from(root.section("auth"), dir),
                    dev.nimbo.server.tls.TlsConfig.from(root.section("tls"), dir));
            server = NimboServer.start(config, ha);
        } catch (dev.nimbo.server.config.Section.ConfigException e) {
            org.slf4j.LoggerFactory.getLogger(Nimbod.class).error("bad configuration: {}", e.getMessage());
            System.err.println("nimbod: bad configuration: " + e.getMessage());
            return 2;
        } catch (StartupException e) {
            org.slf4j.LoggerFactory.getLogger(Nimbod.class).error("cannot start: {}", e.getMessage());
            System.err.println("nimbod: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopRequested = new CountDownLatch(1);
        // SIGTERM/SIGINT: stop cleanly and exit 0, as service managers expect of a clean stop.
        for (String signal : new String[] {"TERM", "INT"}) {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stopRequested.countDown());
        }
        // Any other JVM exit (System.exit elsewhere, last thread ending) still closes the database.
        Thread fallback = new Thread(server::close, "nimbod-shutdown");
        Runtime.getRuntime().addShutdownHook(fallback);
        stopRequested.await();
        org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Nimbod.class);
        log.info("stopping");
        server.close();
        log.info("stopped");
        Runtime.getRuntime().removeShutdownHook(fallback);
        ((ch.qos.logback.classic.LoggerContext) org.slf4j.LoggerFactory.getILoggerFactory()).stop();
        return 0;
    }

    /** --config, $NIMBO_CONFIG or DATA/nimbod.yaml; null when there is none. */
    private Path configFile(Path dataDir) {
        Path file = configFile;
        if (file == null && System.getenv("NIMBO_CONFIG") != null && !System.getenv("NIMBO_CONFIG").isBlank()) {
            file = Path.of(System.getenv("NIMBO_CONFIG").strip());
        }
        if (file == null && java.nio.file.Files.exists(dataDir.resolve("nimbod.yaml"))) {
            file = dataDir.resolve("nimbod.yaml");
        }
        return file == null ? null : file.toAbsolutePath();
    }
}
