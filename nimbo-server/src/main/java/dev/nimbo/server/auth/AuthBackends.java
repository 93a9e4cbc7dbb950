package dev.nimbo.server.auth;

import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.user.PasswordHasher;
import dev.nimbo.core.user.User;
import dev.nimbo.server.auth.core.PasswordBackend;
import dev.nimbo.server.StartupException;
import dev.nimbo.server.auth.ldap.LdapBackend;
import dev.nimbo.server.auth.x509.X509Backend;
import dev.nimbo.server.auth.throttle.LoginThrottle;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/** Builds the daemon's {@link Authenticator} with one backend per driver its configuration accepts. */
public final class AuthBackends {
    private AuthBackends() {
    }

    public static Authenticator authenticator(AuthConfig config, ObjectsView view, Controller controller,
                                              PasswordHasher hasher, Clock clock, int zoneId) {
        // half the cores for password KDFs at most: a flood of bad passwords must not starve everything else
        int kdf = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        List<AuthBackend> list = new ArrayList<>();
        list.add(new PasswordBackend(User.CORE_DRIVER, hasher, kdf));
        list.add(new PasswordBackend(User.SERVER_CIPHER_DRIVER, hasher, kdf));
        list.add(new dev.nimbo.server.auth.ssh.SshBackend(clock, config.sshMaxValidity()));
        if (config.x509Ca() != null) {
            try {
                list.add(new X509Backend(config.x509Ca(), config.x509Crl(), clock));
            } catch (java.io.IOException | IllegalArgumentException e) {
                throw new StartupException("x509 driver: " + e.getMessage(), e);
            }
        }
        if (config.ldap() != null) {
            list.add(new LdapBackend(config.ldap(), view, clock));
        }
        return new Authenticator(view, controller, list, config, new LoginThrottle(config.throttle(), clock), clock,
                zoneId);
    }
}
