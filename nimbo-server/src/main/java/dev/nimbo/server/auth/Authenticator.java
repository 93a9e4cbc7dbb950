package dev.nimbo.server.auth;

import dev.nimbo.core.auth.Subject;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.user.LoginToken;
import dev.nimbo.core.user.PasswordHasher;
import dev.nimbo.core.user.User;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a session string into a {@link Subject}. Forms: {@code user:password} (core driver),
 * {@code user:token} (a login token from one.user.login, possibly scoped to one group), and
 * {@code serveradmin:target_user:secret} where a server_cipher user (serveradmin) proxies for target_user
 * by presenting its own password or token. Thread-safe, lock-free on the hot path: a successful KDF check
 * is cached under a SHA-256 of the secret and stays valid while the user's stored password is unchanged.
 */
public final class Authenticator {
    private static final int MAX_CACHE = 100_000;

    private final ObjectsView view;
    private final PasswordHasher hasher;
    private final Clock clock;
    /** key: uid + NUL + sha256(secret) → the stored password string it was verified against. */
    private final ConcurrentHashMap<String, String> verified = new ConcurrentHashMap<>();

    public Authenticator(ObjectsView view, PasswordHasher hasher, Clock clock) {
        this.view = view;
        this.hasher = hasher;
        this.clock = clock;
    }

    public Subject authenticate(String session) {
        if (session == null) {
            throw failed();
        }
        int colon = session.indexOf(':');
        if (colon <= 0) {
            throw failed();
        }
        User user = (User) view.byName(ObjectType.USER, -1, session.substring(0, colon));
        if (user == null || !user.enabled()) {
            throw failed();
        }
        String secret = session.substring(colon + 1);
        if (User.SERVER_CIPHER_DRIVER.equals(user.authDriver())) {
            int next = secret.indexOf(':');
            if (next > 0) {
                return proxied(user, secret.substring(0, next), secret.substring(next + 1));
            }
        }
        return check(user, secret);
    }

    /** serveradmin acting for another user: its own credentials must be right, the target must be enabled. */
    private Subject proxied(User server, String targetName, String secret) {
        check(server, secret);
        User target = (User) view.byName(ObjectType.USER, -1, targetName);
        if (target == null || !target.enabled()) {
            throw failed();
        }
        return subjectOf(target, -1);
    }

    private Subject check(User user, String secret) {
        if (secret.isEmpty()) {
            throw failed();
        }
        String digest = PasswordHasher.sha256Hex(secret);
        long now = clock.millis() / 1000;
        for (LoginToken t : user.tokens()) {
            if (t.digest().equals(digest) && !t.expiredAt(now)) {
                return subjectOf(user, t.egid());
            }
        }
        if (!User.CORE_DRIVER.equals(user.authDriver()) && !User.SERVER_CIPHER_DRIVER.equals(user.authDriver())) {
            // External drivers (LDAP, SSH, X.509) are not configured in this daemon: only tokens work for them.
            throw failed();
        }
        String key = user.id() + "\u0000" + digest;
        String stored = user.password();
        if (stored.equals(verified.get(key))) {
            return subjectOf(user, -1);
        }
        if (!hasher.verify(secret, stored)) {
            throw failed();
        }
        if (verified.size() >= MAX_CACHE) {
            verified.clear();
        }
        verified.put(key, stored);
        return subjectOf(user, -1);
    }

    private Subject subjectOf(User u, int egid) {
        if (egid >= 0 && u.groups().contains(egid)) {
            String gname = view.get(ObjectType.GROUP, egid) == null ? "" : view.get(ObjectType.GROUP, egid).name();
            return new Subject(u.id(), egid, Set.of(egid), u.name(), gname);
        }
        return new Subject(u.id(), u.gid(), u.groups(), u.name(), u.gname());
    }

    private static ApiException failed() {
        return ApiException.authentication("User couldn't be authenticated, aborting call.");
    }
}
