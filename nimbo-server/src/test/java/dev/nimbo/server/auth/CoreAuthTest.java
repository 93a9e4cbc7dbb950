package dev.nimbo.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nimbo.client.OneResponse;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The core driver through the pluggable authenticator: password and token success, and the same
 * AUTHENTICATION answer for a wrong password, an unknown user, a disabled user, an expired token and a user
 * of a driver this daemon does not accept.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CoreAuthTest {
    static final String GENERIC = "User couldn't be authenticated, aborting call.";
    InProcessNimbod nimbod;

    @BeforeAll
    void start() throws Exception {
        nimbod = new InProcessNimbod(Files.createTempDirectory("nimbo-core-auth-"), "auth:\n  authn: [core, server_cipher]\n");
    }

    @AfterAll
    void stop() {
        nimbod.close();
    }

    int user(String name, String pw, String driver) {
        OneResponse r = nimbod.admin("one.user.allocate", name, pw, driver, new Object[0]);
        assertThat(r.ok()).as("allocate: %s", r.ok() ? "" : r.message()).isTrue();
        return ((Number) r.value()).intValue();
    }

    @Test
    void passwordAndTokenWork() {
        user("coreok", "pw-ok-1", "core");
        ok(nimbod.as("coreok:pw-ok-1", "one.user.info", -1));
        String token = (String) ok(nimbod.as("coreok:pw-ok-1", "one.user.login", "coreok", "", 60, -1)).value();
        ok(nimbod.as("coreok:" + token, "one.user.info", -1));
    }

    @Test
    void wrongUnknownDisabledExpiredAndNotAcceptedDriverAllLookTheSame() throws Exception {
        int uid = user("corebad", "pw-bad-1", "core");
        String token = (String) ok(nimbod.as("corebad:pw-bad-1", "one.user.login", "corebad", "", 1, -1)).value();
        List<OneResponse> refused = new java.util.ArrayList<>();
        refused.add(nimbod.as("corebad:wrong", "one.user.info", -1));
        refused.add(nimbod.as("nosuchuser:pw-bad-1", "one.user.info", -1));
        refused.add(nimbod.as("", "one.user.info", -1));
        Thread.sleep(2100);
        refused.add(nimbod.as("corebad:" + token, "one.user.info", -1));
        ok(nimbod.admin("one.user.enable", uid, false));
        refused.add(nimbod.as("corebad:pw-bad-1", "one.user.info", -1));
        // ssh is not in this daemon's authn: its users cannot log in with anything but a token
        user("coressh", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb8v1pGk1mJ0r3oXgJ3l0kq0QZ4m4V5o4r1F0pE5wqz", "ssh");
        refused.add(nimbod.as("coressh:anything", "one.user.info", -1));
        for (OneResponse r : refused) {
            assertThat(r.ok()).isFalse();
            assertThat(r.errorCode()).isEqualTo(0x100);
            assertThat(r.message()).startsWith("[one.user.info] " + GENERIC);
        }
        assertThat(refused.get(3).message()).contains("expired");
        assertThat(refused.get(0).message()).isEqualTo(refused.get(1).message()).isEqualTo(refused.get(4).message());
    }

    @Test
    void unknownAndDisabledUsersTakeAsLongAsAWrongPassword() throws Exception {
        // a KDF slow enough to measure; the daemon pads fast failures to its typical duration
        try (InProcessNimbod slow = new InProcessNimbod(Files.createTempDirectory("nimbo-core-timing-"),
                "auth:\n  authn: [core, server_cipher]\n", null, 300_000)) {
            OneResponse r = slow.admin("one.user.allocate", "timed", "pw-timed-1", "core", new Object[0]);
            assertThat(r.ok()).isTrue();
            long wrong = 0;
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                assertThat(slow.as("timed:wrong-" + i, "one.user.info", -1).ok()).isFalse();
                wrong = System.nanoTime() - t0;
            }
            long t0 = System.nanoTime();
            assertThat(slow.as("no-such-user-xyz:whatever", "one.user.info", -1).ok()).isFalse();
            long unknown = System.nanoTime() - t0;
            assertThat(unknown).as("unknown %d ms vs wrong password %d ms", unknown / 1_000_000, wrong / 1_000_000)
                    .isGreaterThan(wrong / 2);
        }
    }

    static OneResponse ok(OneResponse r) {
        assertThat(r.ok()).as("call failed: %s", r.ok() ? "" : r.message()).isTrue();
        return r;
    }
}
