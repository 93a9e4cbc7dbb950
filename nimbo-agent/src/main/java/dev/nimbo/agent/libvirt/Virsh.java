package dev.nimbo.agent.libvirt;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code virsh -c URI ...} and {@code qemu-img}: the agent talks to libvirt through its own command-line
 * client (no native binding to load, and every command is one an operator can replay). Thread-safe.
 */
public final class Virsh {
    private final String uri;

    public Virsh(String uri) {
        this.uri = uri;
    }

    public String uri() {
        return uri;
    }

    /** virsh's output; a {@link CommandException} with its message when it fails. */
    public String run(String... args) {
        return runLong(120, args);
    }

    /** {@link #run} for commands that may take long (a migration): up to timeoutSeconds. */
    public String runLong(int timeoutSeconds, String... args) {
        List<String> cmd = new ArrayList<>(List.of("virsh", "-q", "-c", uri));
        cmd.addAll(List.of(args));
        return exec(cmd, timeoutSeconds);
    }

    /** Like {@link #run} but a failure is an answer, not an exception. */
    public Result tryRun(String... args) {
        try {
            return new Result(true, run(args));
        } catch (CommandException e) {
            return new Result(false, e.getMessage());
        }
    }

    public record Result(boolean ok, String output) {
    }

    public static String exec(List<String> cmd, int timeoutSeconds) {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new CommandException(cmd.get(0) + ": cannot run (" + e.getMessage() + "); is it installed?");
        }
        try {
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new CommandException(String.join(" ", cmd) + ": timed out after " + timeoutSeconds + " s");
            }
            String text = new String(out, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                throw new CommandException(text.isEmpty() ? cmd.get(0) + " " + cmd.get(cmd.size() > 4 ? 4 : 1)
                        + " failed (exit " + p.exitValue() + ")" : text.replaceFirst("^error: ", ""));
            }
            return text;
        } catch (IOException e) {
            throw new CommandException(cmd.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CommandException(cmd.get(0) + ": interrupted");
        }
    }

    /** A command failed; the message is its own error output. */
    public static final class CommandException extends RuntimeException {
        public CommandException(String message) {
            super(message, null, false, false);
        }
    }
}
