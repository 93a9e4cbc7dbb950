package dev.nimbo.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Pings a guest every 100 ms from a network namespace (busybox ping, util-linux script) and keeps when each answer came: the longest
 * silence between two answers is a guest's downtime as its network peers see it (live migration). Thread-safe.
 */
public final class PingWatch implements AutoCloseable {
    private final Process ping;
    private final Thread reader;
    private long lastAnswer;
    private long longestGap;
    private long answers;

    private PingWatch(Process ping) {
        this.ping = ping;
        this.reader = Thread.ofVirtual().name("ping-watch").start(this::read);
    }

    /** Starts pinging ip from inside netns. */
    public static PingWatch start(String netns, String ip) {
        try {
            // through a pseudo-terminal (script): ping's output is then line-buffered, each answer seen when it comes
            return new PingWatch(new ProcessBuilder(List.of("script", "-q", "-c", "ip netns exec " + netns
                    + " busybox ping -i 0.1 -W 1 " + ip, "/dev/null")).redirectErrorStream(true).start());
        } catch (IOException e) {
            throw new IllegalStateException("cannot run ping: " + e.getMessage(), e);
        }
    }

    private void read() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(ping.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.contains("bytes from")) {
                    answered(System.nanoTime());
                }
            }
        } catch (IOException e) {
            // the process ended
        }
    }

    private synchronized void answered(long now) {
        if (lastAnswer != 0) {
            longestGap = Math.max(longestGap, now - lastAnswer);
        }
        lastAnswer = now;
        answers++;
    }

    /** Forgets the gaps so far (call once the guest answers, before the event to measure). */
    public synchronized void resetGap() {
        longestGap = 0;
    }

    public synchronized long answers() {
        return answers;
    }

    /** Time since the last answer (forever when none came yet). */
    public synchronized long silenceMillis() {
        return lastAnswer == 0 ? Long.MAX_VALUE : (System.nanoTime() - lastAnswer) / 1_000_000;
    }

    /** The longest time between two answers since start or {@link #resetGap}, including the current silence. */
    public synchronized long longestGapMillis() {
        long current = lastAnswer == 0 ? 0 : System.nanoTime() - lastAnswer;
        return Math.max(longestGap, current) / 1_000_000;
    }

    @Override
    public void close() throws InterruptedException {
        ping.descendants().forEach(ProcessHandle::destroy);
        ping.destroy();
        reader.join(5000);
    }
}
