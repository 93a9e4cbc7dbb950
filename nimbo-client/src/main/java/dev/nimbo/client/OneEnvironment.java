package dev.nimbo.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Endpoint and credentials resolved the way OpenNebula's CLI does. The environment is a parameter so
 * callers pass {@code System.getenv()} and tests pass a map.
 */
public final class OneEnvironment {
    public static final String DEFAULT_ENDPOINT = "http://localhost:2633/RPC2";

    private OneEnvironment() {}

    /** {@code ONE_XMLRPC} if set and not blank, else {@value #DEFAULT_ENDPOINT}. */
    public static URI endpoint(Map<String, String> env) {
        String v = env.get("ONE_XMLRPC");
        if (v == null || v.isBlank()) {
            return URI.create(DEFAULT_ENDPOINT);
        }
        try {
            return URI.create(v.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ONE_XMLRPC is not a valid URI: " + v.trim(), e);
        }
    }

    /**
     * The first line, trimmed, of the file named by {@code ONE_AUTH}, else of {@code $HOME/.one/one_auth}
     * ({@code user.home} when HOME is unset): {@code user:password}.
     *
     * @throws IOException if the file is missing, unreadable or its first line is empty
     */
    public static String session(Map<String, String> env) throws IOException {
        Path file = authFile(env);
        String line;
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            line = in.readLine();
        } catch (IOException e) {
            throw new IOException("cannot read credentials from " + file + " (" + e.getClass().getSimpleName()
                    + "); set ONE_AUTH or create ~/.one/one_auth with user:password", e);
        }
        if (line == null || line.isBlank()) {
            throw new IOException("credentials file " + file + " is empty; expected user:password");
        }
        return line.trim();
    }

    static Path authFile(Map<String, String> env) {
        String auth = env.get("ONE_AUTH");
        if (auth != null && !auth.isBlank()) {
            return Path.of(auth.trim());
        }
        String home = env.get("HOME");
        if (home == null || home.isBlank()) {
            home = System.getProperty("user.home");
        }
        return Path.of(home, ".one", "one_auth");
    }
}
