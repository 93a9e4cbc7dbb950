package dev.nimbo.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A nimbod in its own JVM, as an operator runs it, so that what the benchmark reports of it (start-up time, heap,
 * resident memory, database size) is the daemon's alone and not mixed with the load generator's. It runs from
 * this JVM's class path, logs to its data directory, and is stopped with SIGTERM (a clean shutdown).
 */
final class BenchDaemon implements AutoCloseable {
    private static final String PASSWORD = "bench-admin-secret";

    private final Path dataDir;
    private final String dbUrl;
    private final Map<String, String> env;
    private final int port;
    private final List<String> args;
    private Process process;

    private BenchDaemon(Path dataDir, String dbUrl, Map<String, String> env, int port, List<String> args) {
        this.dataDir = dataDir;
        this.dbUrl = dbUrl;
        this.env = env;
        this.port = port;
        this.args = List.copyOf(args);
    }

    /** Starts a daemon on a free loopback port; {@code dbUrl} null means the embedded SQLite of {@code dataDir}. */
    static BenchDaemon start(Path dataDir, String dbUrl, Map<String, String> env) throws IOException {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        BenchDaemon d = new BenchDaemon(dataDir, dbUrl, env, port, List.of());
        d.launch();
        return d;
    }

    /**
     * A daemon on SQLite in dataDir on the given port with extra arguments (an HA replica), not yet launched: an HA
     * replica answers only once a majority is up, so replicas are launched from parallel threads.
     */
    static BenchDaemon prepare(Path dataDir, Map<String, String> env, int port, List<String> args) {
        return new BenchDaemon(dataDir, null, env, port, args);
    }

    /** Milliseconds from launching the JVM until the daemon answered its first call. */
    long launch() throws IOException {
        Files.createDirectories(dataDir);
        Path auth = dataDir.resolve("bench_one_auth");
        Files.writeString(auth, "oneadmin:" + PASSWORD + "\n");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        // e.g. -Xmx1g, or -XX:StartFlightRecording=... to profile the daemon under the benchmark's load
        String javaOpts = System.getenv().getOrDefault("NIMBOD_JAVA_OPTS", "").strip();
        if (!javaOpts.isEmpty()) {
            cmd.addAll(List.of(javaOpts.split("\\s+")));
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.nimbo.server.Nimbod");
        cmd.addAll(List.of("--data", dataDir.toString(), "--port", String.valueOf(port)));
        if (dbUrl != null) {
            cmd.addAll(List.of("--db", dbUrl));
        }
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("stdout.log").toFile()));
        pb.environment().put("ONE_AUTH", auth.toString());
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        process = pb.start();
        byte[] version = RawRpcConnection.encode("one.system.version", List.of(session()));
        long deadline = t0 + TimeUnit.SECONDS.toNanos(300);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("nimbod exited with " + process.exitValue() + "; see " + dataDir.resolve("stdout.log"));
            }
            try (RawRpcConnection c = new RawRpcConnection(endpoint())) {
                c.call(version);
                return (System.nanoTime() - t0) / 1_000_000;
            } catch (IOException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("nimbod did not answer within 300 s", notYet);
                }
                sleep(Duration.ofMillis(20));
            }
        }
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port + "/RPC2");
    }

    String session() {
        return "oneadmin:" + PASSWORD;
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL and wait: the crash an HA zone must survive. */
    void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Stops the daemon with SIGTERM and waits for it; returns its exit code. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        return process.exitValue();
    }

    /** The daemon's resident memory (VmRSS of /proc), in KiB; -1 where /proc does not tell. */
    long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    /**
     * The daemon's Java heap in use after a full collection, in KiB (jcmd GC.run then GC.heap_info: the live set,
     * not garbage waiting for the next cycle); -1 when jcmd is not there.
     */
    long liveHeapKb() {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        if (!Files.isExecutable(jcmd)) {
            return -1;
        }
        try {
            run(jcmd.toString(), String.valueOf(pid()), "GC.run");
            String info = run(jcmd.toString(), String.valueOf(pid()), "GC.heap_info");
            Matcher m = HEAP_USED.matcher(info);
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        } catch (IOException e) {
            return -1;
        }
    }

    private static String run(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(60, TimeUnit.SECONDS);
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** Bytes of the embedded database (its file and write-ahead log); -1 for an external database. */
    long databaseBytes() throws IOException {
        if (dbUrl != null) {
            return -1;
        }
        try (Stream<Path> files = Files.list(dataDir)) {
            return files.filter(f -> f.getFileName().toString().matches(".*\\.(db|db-wal|db-shm)$"))
                    .mapToLong(f -> f.toFile().length()).sum();
        }
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
        }
    }
}
