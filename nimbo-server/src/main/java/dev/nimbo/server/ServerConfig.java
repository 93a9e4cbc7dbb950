package dev.nimbo.server;

import dev.nimbo.server.auth.AuthConfig;
import dev.nimbo.server.tls.TlsConfig;
import java.nio.file.Path;

/**
 * How one nimbod runs: where its data lives, where it listens, which database it uses, which authentication
 * drivers it accepts, whether it serves HTTPS ({@code tls} null: plain HTTP). Immutable. {@code dbUrl} null means the embedded SQLite database {@code dataDir/nimbo.db}.
 */
public record ServerConfig(Path dataDir, String bindAddress, int port, String dbUrl, int zoneId, int maxRequestBytes,
                           int passwordIterations, AuthConfig auth, TlsConfig tls) {

    /** With the default authentication set-up (core, server_cipher, ssh). */
    public ServerConfig(Path dataDir, String bindAddress, int port, String dbUrl, int zoneId, int maxRequestBytes,
                        int passwordIterations) {
        this(dataDir, bindAddress, port, dbUrl, zoneId, maxRequestBytes, passwordIterations, AuthConfig.defaults(), null);
    }

    public static final String VERSION = "7.0.0";
    public static final int DEFAULT_PORT = 2633;
    public static final int DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024;

    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig(dataDir, "127.0.0.1", DEFAULT_PORT, null, 0, DEFAULT_MAX_REQUEST_BYTES, 600_000);
    }

    public String effectiveDbUrl() {
        return dbUrl != null ? dbUrl : "jdbc:sqlite:" + dataDir.resolve("nimbo.db").toAbsolutePath();
    }

    /** The endpoint clients use, as advertised in the zone's ENDPOINT. */
    public String endpoint() {
        String host = bindAddress.equals("0.0.0.0") || bindAddress.equals("::") ? "localhost" : bindAddress;
        return (tls != null ? "https://" : "http://") + host + ":" + port + "/RPC2";
    }

    public ServerConfig withPort(int p) {
        return new ServerConfig(dataDir, bindAddress, p, dbUrl, zoneId, maxRequestBytes, passwordIterations, auth, tls);
    }
}
