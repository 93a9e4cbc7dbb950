package dev.nimbo.testing;

import dev.nimbo.client.OneClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A real nimbod in a child JVM for integration tests: own data directory, a free port, oneadmin's password
 * from an ONE_AUTH file, and a fast KDF setting so tests do not spend seconds hashing. Uses the test JVM's
 * class path, so it runs exactly the code under test.
 */
public final class NimbodProcess implements AutoCloseable {
    public static final String ADMIN_PASSWORD = "test-admin-secret";

    private final Path dataDir;
    private final String dbUrl;
    private int port;
    private final Map<String, String> extraEnv;
    private final List<String> extraArgs;
    private Process process;
    private int logOffset;
    /** Network namespace the daemon runs in (null: this one), and the address it binds and tests dial. */
    private String netns;
    private String bindAddress = "127.0.0.1";
    private String clientHost = "127.0.0.1";

    private NimbodProcess(Path dataDir, String dbUrl, int port, Map<String, String> extraEnv, List<String> extraArgs) {
        this.dataDir = dataDir;
        this.dbUrl = dbUrl;
        this.port = port;
        this.extraEnv = Map.copyOf(extraEnv);
        this.extraArgs = List.copyOf(extraArgs);
    }

    /**
     * Starts a daemon on SQLite in dataDir on a port the caller chose (e.g. one HA replica, whose port the other
     * replicas' {@code --ha-peers} name), with extra arguments and environment, and waits until it answers.
     */
    public static NimbodProcess start(Path dataDir, int port, Map<String, String> env, List<String> args) throws IOException {
        NimbodProcess p = new NimbodProcess(dataDir, null, port, env, args);
        p.launch();
        return p;
    }

    /**
     * As {@link #start(Path, int, Map, List)} inside network namespace netns ({@code ip netns exec}, needs root),
     * with {@code --bind bindAddress}; the test reaches its API at clientHost (an address of that namespace
     * routed from here).
     */
    public static NimbodProcess startInNamespace(Path dataDir, int port, Map<String, String> env, List<String> args,
            String netns, String bindAddress, String clientHost) throws IOException {
        NimbodProcess p = new NimbodProcess(dataDir, null, port, env, args);
        p.netns = netns;
        p.bindAddress = bindAddress;
        p.clientHost = clientHost;
        p.launch();
        return p;
    }

    /**
     * Starts a daemon on SQLite in dataDir (dbUrl null) or on the given database, and waits until it answers. Its
     * placement scheduler is off (NIMBO_SCHED_INTERVAL=0) unless the extra environment turns it on.
     */
    public static NimbodProcess start(Path dataDir, String dbUrl) throws IOException {
        return start(dataDir, dbUrl, Map.of());
    }

    /** As {@link #start(Path, String)} with extra environment for the daemon (e.g. NIMBO_HOST_MONITOR_INTERVAL). */
    public static NimbodProcess start(Path dataDir, String dbUrl, Map<String, String> env) throws IOException {
        NimbodProcess p = new NimbodProcess(dataDir, dbUrl, freePort(), env, List.of());
        // Other test JVMs on this machine pick free ports too: on a clash, take another port and retry.
        for (int attempt = 1; ; attempt++) {
            try {
                p.launch();
                return p;
            } catch (PortTakenException e) {
                if (attempt == 3) {
                    throw e;
                }
                p.port = freePort();
            }
        }
    }

    /** The daemon refused to start because its port was taken meanwhile. */
    static final class PortTakenException extends IOException {
        PortTakenException(String message) {
            super(message);
        }
    }

    public static int freePort() throws IOException {
        // Below the kernel's ephemeral range (32768 and up): a port the kernel hands out for bind(0) can be taken
        // by any outgoing connection (Raft, HTTP clients) before the daemon binds it; failed once in CI. Each port
        // is handed out once per JVM.
        for (int attempt = 0; attempt < 500; attempt++) {
            int port = 20_000 + PORTS.nextInt(12_000);
            if (!GIVEN_PORTS.add(port)) {
                continue;
            }
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new java.net.InetSocketAddress(port));
                return port;
            } catch (IOException busy) {
                // in use: another one
            }
        }
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static final java.util.Random PORTS = new java.security.SecureRandom();
    private static final java.util.Set<Integer> GIVEN_PORTS = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Runs nimbod with extra arguments and returns the finished process (for start-up failure tests). */
    public static ProcessResult runToExit(Path dataDir, Duration timeout, String... args) throws Exception {
        List<String> cmd = baseCommand();
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("NIMBO_KDF_ITERATIONS", "1000");
        Process p = pb.start();
        if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("nimbod did not exit within " + timeout);
        }
        return new ProcessResult(p.exitValue(), new String(p.getInputStream().readAllBytes()));
    }

    public record ProcessResult(int exitCode, String output) {
    }

    private static List<String> baseCommand() {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("-Xmx512m");
        // The test class path carries logback-test.xml; the daemon must log with its production configuration.
        cmd.add("-Dlogback.configurationFile=logback.xml");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.nimbo.server.Nimbod");
        return cmd;
    }

    private void launch() throws IOException {
        Files.createDirectories(dataDir);
        Path out = dataDir.resolve("stdout.log");
        logOffset = Files.exists(out) ? Files.readString(out).length() : 0;
        Path auth = dataDir.resolve("test_one_auth");
        Files.writeString(auth, "oneadmin:" + ADMIN_PASSWORD + "\n");
        List<String> cmd = new ArrayList<>();
        if (netns != null) {
            // ip execs the command after entering the namespace: the process's pid is the JVM's own.
            cmd.addAll(List.of("ip", "netns", "exec", netns));
        }
        cmd.addAll(baseCommand());
        cmd.addAll(List.of("--data", dataDir.toString(), "--port", String.valueOf(port)));
        if (netns != null) {
            cmd.addAll(List.of("--bind", bindAddress));
        }
        if (dbUrl != null) {
            cmd.addAll(List.of("--db", dbUrl));
        }
        cmd.addAll(extraArgs);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("stdout.log").toFile()));
        Map<String, String> env = pb.environment();
        env.put("ONE_AUTH", auth.toString());
        env.put("NIMBO_KDF_ITERATIONS", "1000");
        // tests place VMs themselves with one.vm.deploy unless they turn the placement scheduler on
        env.put("NIMBO_SCHED_INTERVAL", "0");
        env.putAll(extraEnv);
        process = pb.start();
        awaitReady(Duration.ofSeconds(60));
    }

    private void awaitReady(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        // Only our daemon's own "listening" line proves that the port answers for it, not for another test's.
        String ready = "listening on " + bindAddress + ":" + port + " ";
        try (OneClient c = client()) {
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) {
                    String out = log();
                    if (out.contains("port " + port + " on 127.0.0.1 is already in use")) {
                        throw new PortTakenException(out);
                    }
                    throw new IOException("nimbod exited with " + process.exitValue() + ":\n" + out);
                }
                try {
                    if (currentRunLog().contains(ready) && c.call("one.system.version").ok()) {
                        return;
                    }
                } catch (RuntimeException notYet) {
                    // not listening yet
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
            }
        }
        process.destroyForcibly();
        throw new IOException("nimbod did not answer within " + timeout + ":\n" + log());
    }

    /** The output of the current run only (stdout.log accumulates across restarts). */
    private String currentRunLog() throws IOException {
        String all = log();
        return all.substring(Math.min(all.length(), logOffset));
    }

    public String log() throws IOException {
        Path out = dataDir.resolve("stdout.log");
        return Files.exists(out) ? Files.readString(out) : "";
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public URI endpoint() {
        return URI.create("http://" + clientHost + ":" + port + "/RPC2");
    }

    public OneClient client() {
        return client("oneadmin:" + ADMIN_PASSWORD);
    }

    public OneClient client(String session) {
        return new OneClient(endpoint(), session, Duration.ofSeconds(30));
    }

    public long pid() {
        return process.pid();
    }

    /** SIGTERM and wait: the graceful path. Returns the exit code. */
    public int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new IllegalStateException("nimbod ignored SIGTERM for 30 s");
        }
        return process.exitValue();
    }

    /** SIGSTOP (frozen: no network, no timers, as if cut off) or SIGCONT (running again). */
    public void signal(String name) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).redirectErrorStream(true).start();
        if (k.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed: " + new String(k.getInputStream().readAllBytes()));
        }
    }

    /** SIGKILL: the crash path. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Starts the daemon again on the same data, database and port. */
    public void restart() throws IOException {
        if (process.isAlive()) {
            throw new IllegalStateException("still running");
        }
        launch();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
