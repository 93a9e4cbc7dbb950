package dev.nimbo.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server for tests: {@code scripts/test-postgres.sh start} once per JVM (it installs and
 * initialises a throwaway server if needed), or the server in {@code NIMBO_TEST_PG_URL} when set (its user
 * needs CREATEDB). {@link #freshDatabase} gives each test class its own empty database, dropped when the JVM
 * exits unless {@code NIMBO_TEST_PG_KEEP} is set.
 */
public final class PostgresFixture {

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final List<String> CREATED = new ArrayList<>();
    private static String serverUrl;
    private static boolean dropHookAdded;

    private PostgresFixture() {
    }

    /** JDBC URL of the server's default test database ({@code nimbo_test}), starting the server if needed. */
    public static synchronized String jdbcUrl() {
        if (serverUrl == null) {
            String fromEnv = System.getenv("NIMBO_TEST_PG_URL");
            serverUrl = fromEnv != null && !fromEnv.isBlank() ? fromEnv.strip() : startServer();
        }
        return serverUrl;
    }

    /** JDBC URL of a new, empty database named after prefix, e.g. "store_pg_k3x9q2ab". */
    public static synchronized String freshDatabase(String prefix) {
        String base = jdbcUrl();
        String clean = prefix.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (clean.isEmpty() || !Character.isLetter(clean.charAt(0))) {
            clean = "t_" + clean;
        }
        // Random, not a counter: several test JVMs (and earlier, killed runs) share the server.
        String name = (clean.length() > 40 ? clean.substring(0, 40) : clean) + "_" + randomSuffix();
        try (Connection c = DriverManager.getConnection(base); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + " on " + withoutQuery(base)
                    + ": " + e.getMessage(), e);
        }
        CREATED.add(name);
        if (!dropHookAdded && System.getenv("NIMBO_TEST_PG_KEEP") == null) {
            Runtime.getRuntime().addShutdownHook(new Thread(PostgresFixture::dropCreated, "drop-test-databases"));
            dropHookAdded = true;
        }
        return withDatabase(base, name);
    }

    private static String randomSuffix() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            b.append(Character.forDigit(RANDOM.nextInt(36), 36));
        }
        return b.toString();
    }

    /** Same server, user and parameters, another database. */
    static String withDatabase(String url, String database) {
        int hostStart = url.indexOf("//");
        int slash = hostStart < 0 ? -1 : url.indexOf('/', hostStart + 2);
        if (slash < 0) {
            throw new IllegalArgumentException("expected jdbc:postgresql://host:port/db, got " + withoutQuery(url));
        }
        int query = url.indexOf('?', slash);
        return url.substring(0, slash + 1) + database + (query < 0 ? "" : url.substring(query));
    }

    private static String withoutQuery(String url) {
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    private static synchronized void dropCreated() {
        try (Connection c = DriverManager.getConnection(serverUrl); Statement s = c.createStatement()) {
            for (String name : CREATED) {
                try {
                    // FORCE: a store a test forgot to close, or a killed child's backend, may still be connected.
                    s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
                } catch (SQLException e) {
                    System.err.println("PostgresFixture: could not drop " + name + ": " + e.getMessage());
                }
            }
        } catch (SQLException e) {
            System.err.println("PostgresFixture: could not drop test databases: " + e.getMessage());
        }
    }

    private static String startServer() {
        Path root = repoRoot();
        Path script = root.resolve("scripts/test-postgres.sh");
        try {
            Path log = Files.createTempFile("nimbo-test-postgres", ".log");
            Process p = new ProcessBuilder("bash", script.toString(), "start")
                    .directory(root.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            // Generous: the first run on a new machine installs PostgreSQL.
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException(script + " start did not finish in 10 minutes; see " + log);
            }
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            String url = null;
            for (String line : lines) {
                if (line.startsWith("jdbc:postgresql:")) {
                    url = line.strip();
                }
            }
            if (p.exitValue() != 0 || url == null) {
                throw new IllegalStateException(script + " start failed (exit " + p.exitValue() + "):\n"
                        + String.join("\n", lines));
            }
            Files.deleteIfExists(log);
            return url;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + script + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting PostgreSQL", e);
        }
    }

    /** The checkout's root: the first directory upwards from the working directory that has mvnw. */
    static Path repoRoot() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (Path d = dir; d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("mvnw")) && Files.isRegularFile(d.resolve("scripts/test-postgres.sh"))) {
                return d;
            }
        }
        throw new IllegalStateException("no repository root (a directory with mvnw and scripts/test-postgres.sh)"
                + " above " + dir + "; set NIMBO_TEST_PG_URL to use an existing server");
    }
}
