package dev.nimbo.server.auth;

import dev.nimbo.core.user.User;
import java.util.List;
import java.util.Optional;

/**
 * One authentication driver (OpenNebula's AUTH_MAD drivers: core, ssh, x509, ldap, server_cipher): checks the
 * secret of users whose AUTH_DRIVER is {@link #driver()}. Implementations are thread-safe and called
 * concurrently from request threads; they never write state themselves, they return what should change.
 */
public interface AuthBackend {

    String driver();

    /**
     * Checks {@code c} for the existing, enabled {@code user}.
     *
     * @return what the driver wants changed on the user (e.g. LDAP group membership), or {@link Outcome#NONE}
     * @throws AuthFailure when the credentials are wrong
     */
    Outcome verify(User user, Credentials c);

    /**
     * For users Nimbo does not know yet, when this is the DEFAULT_AUTH driver: authenticates the login against
     * the external source and says under which name and groups the user should exist. Drivers that cannot
     * create users return empty.
     *
     * @throws AuthFailure when the source knows the login but the credentials are wrong
     */
    default Optional<Identity> discover(Credentials c) {
        return Optional.empty();
    }

    /**
     * What a successful check changes: the user's whole group set (null: unchanged) and the groups among them
     * it administers (null: the driver does not manage group admins).
     */
    record Outcome(List<Integer> groups, List<Integer> adminOf) {
        public static final Outcome NONE = new Outcome(null, null);
    }

    /**
     * A user an external source vouches for: its Nimbo name, the PASSWORD to store (e.g. its DN), its groups and
     * the groups it administers (null: not managed by the driver).
     */
    record Identity(String name, String storedSecret, List<Integer> groups, List<Integer> adminOf) {
        public Identity {
            groups = List.copyOf(groups);
            adminOf = adminOf == null ? null : List.copyOf(adminOf);
        }
    }
}
