package dev.nimbo.server.hook;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs one hook command as a child process, without a shell: the command line is split on white space (the
 * first word is the program, absolute or relative to the hooks directory), the arguments are given as
 * argv or on standard input. Standard output and error are captured up to a cap each; a timeout kills the
 * process and its descendants. Failures to start or a timeout give code 255 and the reason on standard error,
 * as OpenNebula's hook execution manager reports them. Stateless; safe to call from many (virtual) threads.
 */
final class HookRunner {
    /** Bytes of standard output and of standard error kept per execution (the log is stored with the hook). */
    static final int MAX_OUTPUT = 16 * 1024;
    static final int FAILED = 255;

    record Result(String command, int code, byte[] stdout, byte[] stderr) {
    }

    private HookRunner() {
    }

    /** The program path: absolute as given, else inside the hooks directory. */
    static String resolve(String command, Path hooksDir) {
        String c = command.strip();
        return c.startsWith("/") ? c : hooksDir.toAbsolutePath() + "/" + c;
    }

    /**
     * Runs {@code command} (already resolved) with {@code arguments}: appended to the command line, or written to
     * standard input when {@code stdin} is set. {@code timeoutSeconds} 0 means no limit.
     */
    static Result run(String command, String arguments, boolean stdin, int timeoutSeconds, Path workDir) {
        String line = stdin || arguments.isEmpty() ? command : command + " " + arguments;
        List<String> argv = words(line);
        ProcessBuilder pb = new ProcessBuilder(argv);
        if (workDir != null && Files.isDirectory(workDir)) {
            pb.directory(workDir.toFile());
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException | RuntimeException e) {
            return new Result(line, FAILED, new byte[0], ("Internal error " + e.getMessage()).getBytes(StandardCharsets.UTF_8));
        }
        Capture out = new Capture(p.getInputStream());
        Capture err = new Capture(p.getErrorStream());
        Thread outReader = Thread.ofVirtual().name("hook-stdout").start(out);
        Thread errReader = Thread.ofVirtual().name("hook-stderr").start(err);
        Thread writer = Thread.ofVirtual().name("hook-stdin").start(() -> feed(p.getOutputStream(), stdin ? arguments : ""));
        boolean timedOut = false;
        try {
            if (timeoutSeconds > 0) {
                timedOut = !p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            } else {
                p.waitFor();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            timedOut = true;
        }
        if (timedOut) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        join(outReader);
        join(errReader);
        join(writer);
        if (timedOut) {
            return new Result(line, FAILED, out.bytes(), ("Timeout executing " + line).getBytes(StandardCharsets.UTF_8));
        }
        return new Result(line, p.exitValue(), out.bytes(), err.bytes());
    }

    /** White-space separated words; empty words (from empty placeholders) vanish, as a shell would drop them. */
    static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        for (String w : line.strip().split("\\s+")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    private static void feed(OutputStream in, String text) {
        try (in) {
            in.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the command did not read its input (or exited): nothing to do
        }
    }

    private static void join(Thread t) {
        try {
            t.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Drains a stream, keeping the first {@link #MAX_OUTPUT} bytes and counting the rest. */
    private static final class Capture implements Runnable {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long dropped;

        Capture(InputStream in) {
            this.in = in;
        }

        @Override
        public void run() {
            byte[] buf = new byte[8192];
            try (in) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    int room = MAX_OUTPUT - kept.size();
                    int take = Math.max(0, Math.min(room, n));
                    kept.write(buf, 0, take);
                    dropped += n - take;
                }
            } catch (IOException e) {
                // the process went away: keep what was read
            }
        }

        synchronized byte[] bytes() {
            if (dropped == 0) {
                return kept.toByteArray();
            }
            byte[] note = ("\n[nimbo: output truncated, " + dropped + " more bytes]\n").getBytes(StandardCharsets.UTF_8);
            byte[] head = kept.toByteArray();
            byte[] all = new byte[head.length + note.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(note, 0, all, head.length, note.length);
            return all;
        }
    }
}
