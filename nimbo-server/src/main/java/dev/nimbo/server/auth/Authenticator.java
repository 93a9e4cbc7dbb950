package dev.nimbo.server.auth;

import dev.nimbo.core.auth.Subject;
import dev.nimbo.core.error.ApiException;
import dev.nimbo.core.obj.ObjectType;
import dev.nimbo.core.state.Controller;
import dev.nimbo.core.state.ObjectsView;
import dev.nimbo.core.user.LoginToken;
import dev.nimbo.core.user.PasswordHasher;
import dev.nimbo.core.user.User;
import dev.nimbo.server.api.user.UserWrites;
import dev.nimbo.server.auth.core.PasswordBackend;
import dev.nimbo.server.auth.throttle.LoginThrottle;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a session string into a {@link Subject}: the authentication stage of the request pipeline. Forms:
 * {@code user:secret}, where the secret is checked by the driver named by the user's AUTH_DRIVER (if this
 * daemon accepts it), or is a login token from one.user.login (any driver); and
 * {@code serveradmin:target_user:secret}, where a server_cipher user proxies for target_user. A login with no
 * user goes to the DEFAULT_AUTH driver, which may vouch for it (LDAP): the user is then created, and a known
 * user's groups are replaced by what its driver says at each check. Every attempt passes the
 * {@link LoginThrottle} first; every failure is logged with the address and reason (never the secret) and
 * answered with one message that does not say whether the user exists.
 * Thread-safe; lock-free on the hot path (token or cached password).
 */
public final class Authenticator {
    private static final Logger log = LoggerFactory.getLogger(Authenticator.class);
    private static final String MESSAGE = "User couldn't be authenticated, aborting call.";

    private final ObjectsView view;
    private final Controller controller;
    private final Map<String, AuthBackend> backends;
    private final AuthConfig config;
    private final LoginThrottle throttle;
    private final Clock clock;
    private final int zoneId;

    public Authenticator(ObjectsView view, Controller controller, List<AuthBackend> backends, AuthConfig config,
                         LoginThrottle throttle, Clock clock, int zoneId) {
        this.view = view;
        this.controller = controller;
        Map<String, AuthBackend> m = new HashMap<>();
        for (AuthBackend b : backends) {
            if (config.authn().contains(b.driver())) {
                m.put(b.driver(), b);
            }
        }
        this.backends = Map.copyOf(m);
        this.config = config;
        this.throttle = throttle;
        this.clock = clock;
        this.zoneId = zoneId;
    }

    /** Passwords and tokens only, no throttle: for tests and tools that run the pipeline in-process. */
    public Authenticator(ObjectsView view, PasswordHasher hasher, Clock clock) {
        this(view, null, List.of(new PasswordBackend(User.CORE_DRIVER, hasher, 4),
                new PasswordBackend(User.SERVER_CIPHER_DRIVER, hasher, 4)), AuthConfig.defaults(),
                new LoginThrottle(new LoginThrottle.Settings(Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE,
                        Integer.MAX_VALUE, java.time.Duration.ZERO, java.time.Duration.ZERO, java.time.Duration.ZERO,
                        Set.of()), clock),
                clock, 0);
    }

    /** The backend for a driver, if this daemon accepts that driver. */
    public Optional<AuthBackend> backend(String driver) {
        return Optional.ofNullable(backends.get(driver));
    }

    public Subject authenticate(String session) {
        return authenticate(session, "-", List.of());
    }

    public Subject authenticate(String session, String remoteAddress, List<java.security.cert.X509Certificate> peerChain) {
        if (session == null) {
            throw ApiException.authentication(MESSAGE);
        }
        int colon = session.indexOf(':');
        if (colon < 0) {
            // no user:secret split: the whole string may be a secret, so it is neither logged nor counted
            log.warn("authentication failed from {}: session string is not user:secret", remoteAddress);
            throw ApiException.authentication(MESSAGE);
        }
        String name = session.substring(0, colon);
        Credentials c = new Credentials(name, session.substring(colon + 1), remoteAddress, peerChain);
        LoginThrottle.Verdict verdict = throttle.check(name, c.remoteAddress());
        if (verdict instanceof LoginThrottle.Verdict.Refuse r) {
            log.warn("authentication refused for user '{}' from {}: {}", printable(name), c.remoteAddress(), r.reason());
            throw ApiException.authentication(MESSAGE);
        }
        if (verdict instanceof LoginThrottle.Verdict.Delay d) {
            pause(d.pause().toMillis());
        }
        long started = System.nanoTime();
        try {
            if (name.isEmpty()) {
                throw new AuthFailure("no user name in the session string");
            }
            Subject s = check(c);
            throttle.succeeded(name);
            return s;
        } catch (AuthFailure f) {
            padToKdfTime(started);
            boolean locked = f.counted() && throttle.failed(name, c.remoteAddress());
            log.warn("authentication failed for user '{}' from {}: {}{}", printable(name), c.remoteAddress(),
                    f.getMessage(), locked ? " (now locked out for " + throttle.settings().lockout().toSeconds() + " s)" : "");
            throw ApiException.authentication(f.reply() == null ? MESSAGE : MESSAGE + " " + f.reply());
        }
    }

    private Subject check(Credentials c) {
        User user = (User) view.byName(ObjectType.USER, -1, c.userName());
        if (user == null && view.list(ObjectType.USER).isEmpty()) {
            // A replica whose zone has not made its first objects yet (no oneadmin): clients that poll it until it
            // answers must not lock themselves out.
            throw AuthFailure.unavailable("this front-end has no users yet (its zone is still starting)");
        }
        if (user == null) {
            return discover(c);
        }
        if (!user.enabled()) {
            throw new AuthFailure("user is disabled");
        }
        String secret = c.secret();
        if (User.SERVER_CIPHER_DRIVER.equals(user.authDriver())) {
            int next = secret.indexOf(':');
            if (next > 0) {
                return proxied(user, c, secret.substring(0, next), secret.substring(next + 1));
            }
        }
        Subject byToken = token(user, secret);
        if (byToken != null) {
            return byToken;
        }
        return verify(user, c);
    }

    /** A login token from one.user.login: valid for users of every driver. */
    private Subject token(User user, String secret) {
        if (secret.isEmpty() || user.tokens().isEmpty()) {
            return null;
        }
        String digest = PasswordHasher.sha256Hex(secret);
        long now = clock.millis() / 1000;
        for (LoginToken t : user.tokens()) {
            if (t.digest().equals(digest)) {
                if (t.expiredAt(now)) {
                    throw new AuthFailure("login token expired", "The login token has expired.");
                }
                return subjectOf(user, t.egid());
            }
        }
        return null;
    }

    private Subject verify(User user, Credentials c) {
        AuthBackend backend = backends.get(user.authDriver());
        if (backend == null) {
            throw new AuthFailure("auth driver '" + user.authDriver() + "' is not enabled in this daemon");
        }
        AuthBackend.Outcome outcome = backend.verify(user, c);
        boolean groupsChange = outcome.groups() != null && !outcome.groups().isEmpty()
                && !Set.copyOf(outcome.groups()).equals(user.groups());
        if ((groupsChange || adminsChange(user, outcome.adminOf())) && controller != null) {
            int uid = user.id();
            controller.execute(tx -> {
                if (outcome.groups() != null && !outcome.groups().isEmpty()) {
                    UserWrites.replaceGroups(tx, uid, outcome.groups());
                }
                if (outcome.adminOf() != null) {
                    UserWrites.setAdmins(tx, uid, outcome.adminOf(), zoneId);
                }
                return null;
            });
            user = (User) view.get(ObjectType.USER, uid);
            log.info("user '{}' groups set by driver {}: {}{}", user.name(), user.authDriver(), user.groups(),
                    outcome.adminOf() == null ? "" : ", administers " + outcome.adminOf());
        }
        return subjectOf(user, -1);
    }

    /** Whether the user's admin status in its groups differs from what the driver says (null: not managed). */
    private boolean adminsChange(User user, List<Integer> adminOf) {
        if (adminOf == null) {
            return false;
        }
        for (int gid : user.groups()) {
            var g = (dev.nimbo.core.group.Group) view.get(ObjectType.GROUP, gid);
            if (g != null && g.admins().contains(user.id()) != adminOf.contains(gid)) {
                return true;
            }
        }
        return false;
    }

    /** A login with no user: DEFAULT_AUTH's driver may vouch for it, creating the user on first success. */
    private Subject discover(Credentials c) {
        AuthBackend backend = backends.get(config.defaultAuth());
        Optional<AuthBackend.Identity> found = backend == null || controller == null ? Optional.empty() : backend.discover(c);
        if (found.isEmpty()) {
            throw new AuthFailure("no such user");
        }
        AuthBackend.Identity id = found.get();
        User existing = (User) view.byName(ObjectType.USER, -1, id.name());
        if (existing != null) {
            // another spelling of a known user (AD UPN, DN): only if that user is this driver's
            if (!existing.authDriver().equals(backend.driver()) || !existing.enabled()) {
                throw new AuthFailure("login maps to user '" + id.name() + "' of driver " + existing.authDriver()
                        + (existing.enabled() ? "" : " (disabled)"));
            }
            return verify(existing, c.withUserName(existing.name()));
        }
        int uid;
        try {
            uid = controller.execute(tx -> {
                User raced = (User) tx.byName(ObjectType.USER, -1, id.name());
                if (raced != null) {
                    return raced.id(); // two first logins at once: the second uses the user the first created
                }
                int created = UserWrites.insert(tx, id.name(), id.storedSecret(), backend.driver(), id.groups());
                if (id.adminOf() != null) {
                    UserWrites.setAdmins(tx, created, id.adminOf(), zoneId);
                }
                return created;
            });
        } catch (ApiException e) {
            // e.g. a mapped group deleted meanwhile: still an authentication failure for the caller
            throw new AuthFailure("cannot create user '" + id.name() + "': " + e.getMessage());
        }
        User created = (User) view.get(ObjectType.USER, uid);
        log.info("user '{}' (id {}) created by driver {} with groups {}", created.name(), uid, backend.driver(),
                created.groups());
        return subjectOf(created, -1);
    }

    /** serveradmin acting for another user: its own credentials must be right, the target must be enabled. */
    private Subject proxied(User server, Credentials c, String targetName, String secret) {
        Credentials own = new Credentials(server.name(), secret, c.remoteAddress(), c.peerChain());
        if (token(server, secret) == null) {
            verify(server, own);
        }
        User target = (User) view.byName(ObjectType.USER, -1, targetName);
        if (target == null || !target.enabled()) {
            throw new AuthFailure("proxied user '" + printable(targetName) + "' does not exist or is disabled");
        }
        return subjectOf(target, -1);
    }

    private Subject subjectOf(User u, int egid) {
        if (egid >= 0 && u.groups().contains(egid)) {
            String gname = view.get(ObjectType.GROUP, egid) == null ? "" : view.get(ObjectType.GROUP, egid).name();
            return new Subject(u.id(), egid, Set.of(egid), u.name(), gname);
        }
        return new Subject(u.id(), u.gid(), u.groups(), u.name(), u.gname());
    }

    /**
     * A wrong password costs a KDF; an unknown or disabled user would be refused at once, and the difference in
     * time would tell which names exist. Every failure therefore takes at least as long as a typical KDF check.
     * It waits rather than hashing: on a virtual thread waiting costs no CPU, so it is no lever for a flood.
     */
    private void padToKdfTime(long startedNanos) {
        AuthBackend core = backends.get(User.CORE_DRIVER);
        if (core instanceof PasswordBackend p) {
            long missing = p.typicalKdf().toNanos() - (System.nanoTime() - startedNanos);
            if (missing > 0) {
                pause(missing / 1_000_000);
            }
        }
    }

    private static void pause(long ms) {
        try {
            Thread.sleep(ms); // request threads are virtual: waiting costs no platform thread
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.authentication(MESSAGE);
        }
    }

    /** A user name as it may appear in a log line: no control characters (log forging), bounded length. */
    static String printable(String s) {
        String t = s.length() > 128 ? s.substring(0, 128) + "…" : s;
        return t.replaceAll("\\p{Cntrl}", "?");
    }
}
