package dev.nimbo.server.auth.throttle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.nimbo.core.state.ObjectTable;
import dev.nimbo.core.user.PasswordHasher;
import dev.nimbo.server.auth.AuthConfig;
import dev.nimbo.server.auth.Authenticator;
import dev.nimbo.server.auth.core.PasswordBackend;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A replica of an HA zone answers before the leader has made oneadmin: clients (and nimbo-bench) that poll it
 * until their login works must not lock oneadmin out on the way.
 */
class NoUsersYetTest {

    @Test
    void loginsBeforeTheFirstUserExistsAreNotCounted() {
        Clock clock = Clock.systemUTC();
        LoginThrottle throttle = new LoginThrottle(new LoginThrottle.Settings(1, 2, 1, 2, Duration.ofMinutes(1),
                Duration.ofMinutes(15), Duration.ZERO, Set.of()), clock);
        PasswordHasher hasher = new PasswordHasher(1000);
        Authenticator auth = new Authenticator(new ObjectTable(), null,
                List.of(new PasswordBackend(dev.nimbo.core.user.User.CORE_DRIVER, hasher, 4)), AuthConfig.defaults(),
                throttle, clock, 0);
        for (int i = 0; i < 5; i++) {
            assertThatThrownBy(() -> auth.authenticate("oneadmin:secret", "10.0.0.1", List.of()))
                    .hasMessageContaining("authenticated");
        }
        assertThat(throttle.check("oneadmin", "10.0.0.1")).isInstanceOf(LoginThrottle.Verdict.Allow.class);
    }
}
