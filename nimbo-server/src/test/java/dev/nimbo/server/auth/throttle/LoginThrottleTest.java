package dev.nimbo.server.auth.throttle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.OneResponse;
import dev.nimbo.server.auth.InProcessNimbod;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** Brute-force limits: per user name and per address, slowed then refused for the lockout, then allowed again. */
class LoginThrottleTest {
    static final String YAML = """
            auth:
              throttle:
                user_soft: 2
                user_hard: 4
                address_soft: 6
                address_hard: 8
                window: 60
                lockout: 2
                max_delay: 0.3
                address_exempt: []
            """;

    @Test
    void userIsSlowedThenLockedOutEvenWithTheRightPasswordThenAllowedAgain() throws Exception {
        try (InProcessNimbod n = new InProcessNimbod(Files.createTempDirectory("nimbo-throttle-"), YAML)) {
            ok(n.admin("one.user.allocate", "victim", "right-pw-42", "core", new Object[0]));
            ok(n.as("victim:right-pw-42", "one.user.info", -1));
            fail(n.as("victim:guess-1", "one.user.info", -1));
            fail(n.as("victim:guess-2", "one.user.info", -1));
            long t0 = System.nanoTime();
            fail(n.as("victim:guess-3", "one.user.info", -1)); // over the soft limit: waits before it is checked
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
            fail(n.as("victim:guess-4", "one.user.info", -1)); // hard limit reached: locked out
            fail(n.as("victim:right-pw-42", "one.user.info", -1));
            // other users are not affected
            ok(n.admin("one.user.info", 0));
            Thread.sleep(2200);
            ok(n.as("victim:right-pw-42", "one.user.info", -1));
        }
    }

    @Test
    void addressTryingManyNamesIsLockedOut() throws Exception {
        try (InProcessNimbod n = new InProcessNimbod(Files.createTempDirectory("nimbo-throttle-"), YAML)) {
            for (int i = 0; i < 8; i++) {
                fail(n.as("nobody" + i + ":pw", "one.user.info", -1));
            }
            // the whole address is refused now, oneadmin's right password included
            fail(n.as(n.adminSession, "one.user.info", -1));
            Thread.sleep(2200);
            ok(n.admin("one.user.info", 0));
        }
    }

    @Test
    void verdictsFollowTheCounts() {
        MutableClock clock = new MutableClock();
        LoginThrottle t = new LoginThrottle(new LoginThrottle.Settings(1, 3, 100, 100, Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofSeconds(1), java.util.Set.of()), clock);
        assertThat(t.check("u", "a")).isInstanceOf(LoginThrottle.Verdict.Allow.class);
        t.failed("u", "a");
        assertThat(t.check("u", "a")).isInstanceOf(LoginThrottle.Verdict.Delay.class);
        t.failed("u", "a");
        assertThat(t.failed("u", "a")).isTrue();
        assertThat(t.check("u", "a")).isInstanceOf(LoginThrottle.Verdict.Refuse.class);
        assertThat(t.check("other", "a")).isInstanceOf(LoginThrottle.Verdict.Allow.class);
        clock.now = clock.now.plusSeconds(11);
        assertThat(t.check("u", "a")).isInstanceOf(LoginThrottle.Verdict.Allow.class);
        t.failed("u", "a");
        t.succeeded("u");
        assertThat(t.check("u", "a")).isInstanceOf(LoginThrottle.Verdict.Allow.class);
    }

    @Test
    void exemptAddressesAreNotCountedButTheirUsersAre() {
        LoginThrottle t = new LoginThrottle(new LoginThrottle.Settings(1, 2, 1, 2, Duration.ofSeconds(10),
                Duration.ofSeconds(5), Duration.ofSeconds(1), java.util.Set.of("127.0.0.1")), new MutableClock());
        for (int i = 0; i < 5; i++) {
            t.failed("name" + i, "127.0.0.1");
        }
        assertThat(t.check("fresh", "127.0.0.1")).isInstanceOf(LoginThrottle.Verdict.Allow.class);
        t.failed("u", "127.0.0.1");
        t.failed("u", "127.0.0.1");
        assertThat(t.check("u", "127.0.0.1")).isInstanceOf(LoginThrottle.Verdict.Refuse.class);
    }

    static final class MutableClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    static void ok(OneResponse r) {
        assertThat(r.ok()).as("call failed: %s", r.ok() ? "" : r.message()).isTrue();
    }

    static void fail(OneResponse r) {
        assertThat(r.ok()).isFalse();
        assertThat(r.errorCode()).isEqualTo(0x100);
        assertThat(r.message()).contains("User couldn't be authenticated, aborting call.");
    }
}
