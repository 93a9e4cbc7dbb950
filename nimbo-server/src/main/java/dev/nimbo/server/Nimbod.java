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

    public static void main(String[] args) {
        System.exit(new CommandLine(new Nimbod()).execute(args));
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
        ServerConfig config = new ServerConfig(dataDir, bind, port, db, 0, maxRequestBytes, iterations);
        NimboServer server;
        try {
            server = NimboServer.start(config);
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
}
