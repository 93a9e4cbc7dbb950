package dev.nimbo.cli;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/**
 * Everything the CLI takes from its process: environment, standard streams, the console (for
 * password prompts) and the clock. Passed in so tests run {@link Nimbo} in-process with their own.
 */
public final class Io {
    private final Map<String, String> env;
    private final BufferedReader in;
    private final PrintWriter out;
    private final PrintWriter err;
    private final Console console;
    private final boolean terminal;
    private final Clock clock;

    public Io(Map<String, String> env, InputStream in, PrintWriter out, PrintWriter err, Console console,
            boolean terminal, Clock clock) {
        this.env = Map.copyOf(env);
        this.in = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        this.out = out;
        this.err = err;
        this.console = console;
        this.terminal = terminal;
        this.clock = clock;
    }

    public Map<String, String> env() {
        return env;
    }

    public PrintWriter out() {
        return out;
    }

    public PrintWriter err() {
        return err;
    }

    public boolean terminal() {
        return terminal;
    }

    public Clock clock() {
        return clock;
    }

    /** HOME, falling back to the JVM's idea of it. */
    public Path home() {
        String h = env.get("HOME");
        return Path.of(h == null || h.isBlank() ? System.getProperty("user.home") : h);
    }

    /** Reads a secret: without echo on a console, else a line of standard input (pipes, tests). */
    public String readSecret(String prompt) {
        if (console != null) {
            char[] pw = console.readPassword("%s", prompt);
            if (pw == null) {
                throw CliException.usage("no password given");
            }
            return new String(pw);
        }
        try {
            String line = in.readLine();
            if (line == null) {
                throw CliException.usage("no password given (standard input is empty)");
            }
            return line;
        } catch (IOException e) {
            throw CliException.usage("cannot read password: " + e.getMessage());
        }
    }

    /** All of standard input (for {@code -} as a file name). */
    public String readAllInput() {
        try {
            StringBuilder b = new StringBuilder();
            char[] buf = new char[8192];
            for (int n; (n = in.read(buf)) > 0; ) {
                b.append(buf, 0, n);
            }
            return b.toString();
        } catch (IOException e) {
            throw CliException.usage("cannot read standard input: " + e.getMessage());
        }
    }
}
