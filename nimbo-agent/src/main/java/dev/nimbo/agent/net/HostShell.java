package dev.nimbo.agent.net;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the host's networking tools (ip, bridge, nft, tc): on the host itself, or inside a network namespace
 * that stands for a host in tests and demos ({@code ip netns exec NS ...}). Thread-safe.
 */
public final class HostShell {
    private final String netns;

    private HostShell(String netns) {
        this.netns = netns;
    }

    /** The agent's own host. */
    public static HostShell host() {
        return new HostShell(null);
    }

    /** A host emulated by network namespace {@code ns}. */
    public static HostShell namespace(String ns) {
        return new HostShell(ns);
    }

    /** The command's output; a {@link NetworkException} with its error output when it fails. */
    public String run(String... args) {
        return exec(null, args);
    }

    /** Runs a command with {@code input} on its standard input (nft -f -). */
    public String runWithInput(String input, String... args) {
        return exec(input, args);
    }

    /** Whether the command succeeds (its output is not wanted). */
    public boolean ok(String... args) {
        try {
            exec(null, args);
            return true;
        } catch (NetworkException e) {
            return false;
        }
    }

    /** Whether the network device exists on this host. */
    public boolean linkExists(String dev) {
        return ok("ip", "link", "show", "dev", dev);
    }

    private String exec(String input, String... args) {
        List<String> cmd = new ArrayList<>();
        if (netns != null) {
            cmd.addAll(List.of("ip", "netns", "exec", netns));
        }
        cmd.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new NetworkException(args[0] + ": cannot run (" + e.getMessage() + "); is it installed?");
        }
        try {
            try (OutputStream in = p.getOutputStream()) {
                if (input != null) {
                    in.write(input.getBytes(StandardCharsets.UTF_8));
                }
            }
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new NetworkException(String.join(" ", args) + ": timed out");
            }
            String text = new String(out, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                throw new NetworkException(String.join(" ", args) + ": "
                        + (text.isEmpty() ? "exit " + p.exitValue() : text));
            }
            return text;
        } catch (IOException e) {
            throw new NetworkException(args[0] + ": " + e.getMessage());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new NetworkException(args[0] + ": interrupted");
        }
    }
}
