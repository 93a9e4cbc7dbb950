package dev.nimbo.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Opens {@code $EDITOR} (then {@code $VISUAL}, then {@code vi}) on a temporary file, as OpenNebula's
 * CLI does for {@code update} without a file. The editor runs through {@code sh} so values such as
 * {@code "code -w"} work; it inherits the terminal.
 */
final class Editor {
    private Editor() {}

    static String edit(Io io, String initial) {
        String editor = firstSet(io.env().get("EDITOR"), io.env().get("VISUAL"), "vi");
        Path file = null;
        try {
            file = Files.createTempFile("nimbo-", ".tmpl"); // owner-only permissions on POSIX
            Files.writeString(file, initial, StandardCharsets.UTF_8);
            Process p = new ProcessBuilder("sh", "-c", editor + " \"$1\"", "sh", file.toString())
                    .inheritIO()
                    .start();
            int rc = p.waitFor();
            if (rc != 0) {
                throw CliException.server("editor '" + editor + "' exited with status " + rc + "; nothing sent");
            }
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CliException.server("cannot run editor '" + editor + "': " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.server("interrupted while editing");
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    private static String firstSet(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return "vi";
    }
}
