package dev.nimbo.server.bootstrap;

import dev.nimbo.server.StartupException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The administrator's credentials at first start, the OpenNebula way: from the file named by ONE_AUTH
 * ({@code user:password}) when set; otherwise a generated password written to {@code DIR/one_auth} (mode 0600)
 * and printed once.
 */
public record OneadminCredentials(String user, String password, boolean generated, Path file) {

    public static OneadminCredentials resolve(Path dataDir) {
        String oneAuth = System.getenv("ONE_AUTH");
        if (oneAuth != null && !oneAuth.isBlank()) {
            Path f = Path.of(oneAuth);
            try {
                String line = Files.readAllLines(f, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank())
                        .findFirst().orElse("").strip();
                int colon = line.indexOf(':');
                if (colon <= 0 || colon == line.length() - 1) {
                    throw new StartupException("ONE_AUTH file " + f + " must hold user:password");
                }
                return new OneadminCredentials(line.substring(0, colon), line.substring(colon + 1), false, f);
            } catch (IOException e) {
                throw new StartupException("cannot read ONE_AUTH file " + f + ": " + e.getMessage(), e);
            }
        }
        Path f = dataDir.resolve("one_auth");
        String password = Bootstrap.randomSecret();
        writePrivate(f, "oneadmin:" + password + "\n");
        return new OneadminCredentials("oneadmin", password, true, f);
    }

    /** Prints a generated password once, so the operator can log in; never logged to the log file. */
    public void announce() {
        if (generated) {
            System.out.println("oneadmin password generated and saved in " + file.toAbsolutePath() + " (mode 0600): " + password);
        }
    }

    /** serveradmin's credentials, for proxies (a web UI) that act for other users. */
    public static void writeServeradmin(Path dataDir, String password) {
        writePrivate(dataDir.resolve("serveradmin_auth"), "serveradmin:" + password + "\n");
    }

    static void writePrivate(Path f, String content) {
        try {
            Files.deleteIfExists(f);
            Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(f, content, StandardCharsets.UTF_8, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new StartupException("cannot write " + f + ": " + e.getMessage(), e);
        }
    }
}
