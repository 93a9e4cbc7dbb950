package dev.nimbo.server.auth;

import dev.nimbo.client.OneClient;
import dev.nimbo.client.OneResponse;
import dev.nimbo.server.NimboServer;
import dev.nimbo.server.ServerConfig;
import dev.nimbo.server.config.Section;
import dev.nimbo.server.config.YamlLite;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** A daemon in the test JVM with an auth configuration given as YAML text: fast to start, real HTTP. */
public final class InProcessNimbod implements AutoCloseable {
    public final Path dir;
    public final NimboServer server;
    public final String adminSession;

    private final javax.net.ssl.SSLContext clientTls;

    public InProcessNimbod(Path dir, String authYaml) throws Exception {
        this(dir, authYaml, null);
    }

    /** With a tls section in the YAML, {@code clientTls} is what the test's clients trust and present. */
    public InProcessNimbod(Path dir, String yaml, javax.net.ssl.SSLContext clientTls) throws Exception {
        this(dir, yaml, clientTls, 1000);
    }

    /** With {@code kdfIterations} for the password hash (tests keep it low unless they measure its cost). */
    public InProcessNimbod(Path dir, String yaml, javax.net.ssl.SSLContext clientTls, int kdfIterations) throws Exception {
        this.dir = dir;
        this.clientTls = clientTls;
        Section root = Section.of(YamlLite.parse(yaml));
        AuthConfig auth = AuthConfig.from(root.section("auth"), dir);
        server = NimboServer.start(new ServerConfig(dir, "127.0.0.1", 0, null, 0, ServerConfig.DEFAULT_MAX_REQUEST_BYTES,
                kdfIterations, auth, dev.nimbo.server.tls.TlsConfig.from(root.section("tls"), dir)));
        adminSession = Files.readString(System.getenv("ONE_AUTH") != null ? Path.of(System.getenv("ONE_AUTH"))
                : dir.resolve("one_auth")).strip();
    }

    public URI endpoint() {
        return URI.create((clientTls != null ? "https" : "http") + "://127.0.0.1:" + server.port() + "/RPC2");
    }

    public OneClient client(String session) {
        return new OneClient(endpoint(), session, Duration.ofSeconds(30), clientTls);
    }

    public OneResponse admin(String method, Object... params) {
        try (OneClient c = client(adminSession)) {
            return c.call(method, params);
        }
    }

    public OneResponse as(String session, String method, Object... params) {
        try (OneClient c = client(session)) {
            return c.call(method, params);
        }
    }

    @Override
    public void close() {
        server.close();
    }
}
