package dev.nimbo.server.auth.throttle;

import dev.nimbo.server.config.Section;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Brute-force protection: counts failed logins per user name and per remote address. Below the soft limit
 * nothing happens; from there each attempt waits (doubling, up to {@code maxDelay}) before it is checked; at the
 * hard limit the name or address is refused outright for {@code lockout}, without looking at the secret (so a
 * locked-out guesser costs no KDF). Failures older than {@code window} are forgotten; a success clears the
 * user's count (not the address's, so one valid account cannot launder an address's guesses).
 * Thread-safe and lock-free: one small record per key in a concurrent map, replaced atomically.
 *
 * <pre>
 * auth:
 *   throttle:
 *     user_soft: 5          # failures per user name before attempts are slowed
 *     user_hard: 10         # failures per user name before it is locked out
 *     address_soft: 20
 *     address_hard: 50
 *     window: 900           # seconds a failure is remembered
 *     lockout: 900          # seconds a locked-out name or address is refused
 *     max_delay: 2          # seconds, longest wait of a slowed attempt
 *     address_exempt: [127.0.0.1, "::1"]   # not counted per address (local proxies such as a web UI
 *                                          # carry every user's logins); per-user limits still apply
 * </pre>
 */
public final class LoginThrottle {
    /** Bounds memory under a flood of random names/addresses; old entries go first when it is reached. */
    private static final int MAX_ENTRIES = 200_000;

    public record Settings(int userSoft, int userHard, int addressSoft, int addressHard, Duration window,
                           Duration lockout, Duration maxDelay, java.util.Set<String> addressExempt) {
        public Settings {
            addressExempt = java.util.Set.copyOf(addressExempt);
        }

        public static Settings defaults() {
            return new Settings(5, 10, 20, 50, Duration.ofMinutes(15), Duration.ofMinutes(15), Duration.ofSeconds(2),
                    java.util.Set.of("127.0.0.1", "::1", "0:0:0:0:0:0:0:1"));
        }

        public static Settings from(Section s) {
            Settings d = defaults();
            Settings r = new Settings(s.integer("user_soft", d.userSoft), s.integer("user_hard", d.userHard),
                    s.integer("address_soft", d.addressSoft), s.integer("address_hard", d.addressHard),
                    s.seconds("window", d.window), s.seconds("lockout", d.lockout), s.seconds("max_delay", d.maxDelay),
                    s.has("address_exempt") ? java.util.Set.copyOf(s.strings("address_exempt")) : d.addressExempt);
            if (r.userSoft < 1 || r.userHard < r.userSoft || r.addressSoft < 1 || r.addressHard < r.addressSoft) {
                throw new Section.ConfigException(s.name("") + " limits must be positive and soft <= hard");
            }
            return r;
        }
    }

    /** What to do with an attempt before checking it. */
    public sealed interface Verdict {
        record Allow() implements Verdict {
        }

        record Delay(Duration pause) implements Verdict {
        }

        record Refuse(String reason) implements Verdict {
        }
    }

    private static final Verdict.Allow ALLOW = new Verdict.Allow();

    private record Entry(int failures, long firstMillis, long lockedUntil) {
    }

    private final Settings settings;
    private final Clock clock;
    private final ConcurrentHashMap<String, Entry> users = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Entry> addresses = new ConcurrentHashMap<>();

    public LoginThrottle(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    public Settings settings() {
        return settings;
    }

    public Verdict check(String user, String address) {
        if (users.isEmpty() && addresses.isEmpty()) {
            return ALLOW; // the common case: no failures anywhere, two reads
        }
        long now = clock.millis();
        Entry u = live(users, user, now);
        Entry a = settings.addressExempt.contains(address) ? null : live(addresses, address, now);
        if (u != null && u.lockedUntil > now) {
            return new Verdict.Refuse("user locked out for " + (u.lockedUntil - now) / 1000 + " s after " + u.failures + " failures");
        }
        if (a != null && a.lockedUntil > now) {
            return new Verdict.Refuse("address locked out for " + (a.lockedUntil - now) / 1000 + " s after " + a.failures + " failures");
        }
        int over = Math.max(u == null ? -1 : u.failures - settings.userSoft, a == null ? -1 : a.failures - settings.addressSoft);
        if (over < 0) {
            return ALLOW;
        }
        long ms = Math.min(settings.maxDelay.toMillis(), 250L << Math.min(over, 20));
        return new Verdict.Delay(Duration.ofMillis(ms));
    }

    /** Records a failure; returns true when this failure locked the user or the address out. */
    public boolean failed(String user, String address) {
        long now = clock.millis();
        boolean lockedUser = bump(users, user, settings.userHard, now);
        boolean lockedAddress = !settings.addressExempt.contains(address)
                && bump(addresses, address, settings.addressHard, now);
        return lockedUser || lockedAddress;
    }

    public void succeeded(String user) {
        if (!users.isEmpty()) {
            users.remove(user);
        }
    }

    private Entry live(ConcurrentHashMap<String, Entry> map, String key, long now) {
        Entry e = map.get(key);
        if (e == null) {
            return null;
        }
        if (e.lockedUntil <= now && now - e.firstMillis > settings.window.toMillis()) {
            map.remove(key, e);
            return null;
        }
        return e;
    }

    private boolean bump(ConcurrentHashMap<String, Entry> map, String key, int hard, long now) {
        if (map.size() >= MAX_ENTRIES) {
            map.entrySet().removeIf(x -> x.getValue().lockedUntil <= now
                    && now - x.getValue().firstMillis > settings.window.toMillis());
            if (map.size() >= MAX_ENTRIES) {
                map.clear();
            }
        }
        Entry after = map.compute(key, (k, e) -> {
            if (e == null || (e.lockedUntil <= now && now - e.firstMillis > settings.window.toMillis())) {
                e = new Entry(0, now, 0);
            }
            int n = e.failures + 1;
            long locked = e.lockedUntil;
            if (n >= hard && locked <= now) {
                locked = now + settings.lockout.toMillis();
            }
            return new Entry(n, e.firstMillis, locked);
        });
        return after.failures == hard;
    }
}
