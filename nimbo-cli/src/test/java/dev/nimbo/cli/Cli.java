package dev.nimbo.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;

/** Runs {@link Nimbo} in-process with a given environment and stdin, capturing exit code and output. */
final class Cli {
    static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");

    record Result(int exit, String out, String err) {}

    final Map<String, String> env = new HashMap<>();
    String stdin = "";

    /** Environment pointing at {@code fake} with credentials {@code oneadmin:secret} in a temp ONE_AUTH file. */
    static Cli against(FakeOne fake, Path home) {
        Cli cli = new Cli();
        try {
            Path auth = home.resolve("auth");
            Files.writeString(auth, "oneadmin:secret\n");
            cli.env.put("ONE_AUTH", auth.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (fake != null) {
            cli.env.put("ONE_XMLRPC", fake.endpoint().toString());
        }
        cli.env.put("HOME", home.toString());
        cli.env.put("COLUMNS", "200");
        return cli;
    }

    Cli env(String key, String value) {
        env.put(key, value);
        return this;
    }

    Cli stdin(String text) {
        stdin = text;
        return this;
    }

    Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Io io = new Io(env, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), new PrintWriter(out),
                new PrintWriter(err), null, false, Clock.fixed(NOW, ZoneOffset.UTC));
        int rc = Nimbo.run(io, args);
        return new Result(rc, out.toString(), err.toString());
    }
}
