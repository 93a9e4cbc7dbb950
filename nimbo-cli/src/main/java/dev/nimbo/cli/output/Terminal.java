package dev.nimbo.cli.output;

import java.io.Console;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Terminal facts: whether stdout is a terminal and how wide it is ({@code COLUMNS}, then {@code stty size}). */
public final class Terminal {
    private Terminal() {}

    /** Width for tables: COLUMNS if set, else the tty's width when on a terminal, else 0 (no limit). */
    public static int width(Map<String, String> env, boolean terminal) {
        String cols = env.get("COLUMNS");
        if (cols != null) {
            try {
                int w = Integer.parseInt(cols.trim());
                if (w > 0) {
                    return w;
                }
            } catch (NumberFormatException ignored) {
                // fall through to stty
            }
        }
        return terminal ? sttyWidth() : 0;
    }

    /** True when the JVM is attached to a terminal (Console.isTerminal on 22+, console presence before). */
    public static boolean isTerminal() {
        Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            Method m = Console.class.getMethod("isTerminal"); // JDK 22+: console exists even when redirected
            return (Boolean) m.invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    private static int sttyWidth() {
        try {
            Process p = new ProcessBuilder("sh", "-c", "stty size < /dev/tty").redirectErrorStream(true).start();
            if (!p.waitFor(2, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return 0;
            }
            String[] parts = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+");
            return parts.length == 2 ? Integer.parseInt(parts[1]) : 0;
        } catch (IOException | NumberFormatException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}
