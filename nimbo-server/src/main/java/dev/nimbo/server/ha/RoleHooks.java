package dev.nimbo.server.ha;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's commands for role changes, as OpenNebula's RAFT_LEADER_HOOK and RAFT_FOLLOWER_HOOK: one runs
 * when this replica becomes leader (e.g. take the floating IP), the other when it starts as a follower and
 * whenever it stops leading (give the IP up). Each is a shell command line run in the data directory, one at a
 * time and in the order the role changed, so "follower" never overtakes the "leader" before it. Thread-safe.
 */
public final class RoleHooks implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RoleHooks.class);
    private static final long TIMEOUT_SECONDS = 120;

    private final String leaderCommand;
    private final String followerCommand;
    private final Path workDir;
    private final ExecutorService runner = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().name("nimbo-ha-hooks").daemon(true).factory());

    /** Either command may be null or blank: nothing runs for that change. */
    public RoleHooks(String leaderCommand, String followerCommand, Path workDir) {
        this.leaderCommand = blankToNull(leaderCommand);
        this.followerCommand = blankToNull(followerCommand);
        this.workDir = workDir;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    public void leader() {
        run("leader", leaderCommand);
    }

    public void follower() {
        run("follower", followerCommand);
    }

    private void run(String role, String command) {
        if (command == null) {
            return;
        }
        runner.execute(() -> {
            try {
                Process p = new ProcessBuilder("/bin/sh", "-c", command).directory(workDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(workDir.resolve("ha-hook.log").toFile()))
                        .start();
                if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    log.error("{} hook did not finish within {} s and was killed: {}", role, TIMEOUT_SECONDS, command);
                } else if (p.exitValue() != 0) {
                    log.error("{} hook exited with {}: {} (output in ha-hook.log)", role, p.exitValue(), command);
                } else {
                    log.info("{} hook done: {}", role, command);
                }
            } catch (IOException e) {
                log.error("{} hook could not start: {}: {}", role, command, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** Lets a running hook finish (a stopping leader's follower hook releases the floating IP). */
    @Override
    public void close() {
        runner.shutdown();
        try {
            runner.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
