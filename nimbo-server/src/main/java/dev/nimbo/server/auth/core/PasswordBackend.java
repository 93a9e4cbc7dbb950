package dev.nimbo.server.auth.core;

import dev.nimbo.core.user.PasswordHasher;
import dev.nimbo.core.user.User;
import dev.nimbo.server.auth.AuthBackend;
import dev.nimbo.server.auth.AuthFailure;
import dev.nimbo.server.auth.Credentials;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The built-in password drivers ({@code core}, and {@code server_cipher} for serveradmin): the PASSWORD is a
 * KDF string. A successful KDF check is cached under a SHA-256 of the secret and stays valid while the stored
 * password is unchanged, so only the first call of a session pays the KDF. Failed checks always pay it: that is
 * what makes guessing slow, and also what lets a flood of bad passwords burn the CPU, so at most
 * {@code maxConcurrentKdf} checks run at once and a check that cannot start within a few seconds fails (the
 * login throttle stops repeated guesses before they get here). Thread-safe.
 */
public final class PasswordBackend implements AuthBackend {
    private static final int MAX_CACHE = 100_000;

    private final String driver;
    private final PasswordHasher hasher;
    private final Semaphore kdfSlots;
    /** Moving average of how long one KDF check takes, in nanoseconds (0 until the first one). */
    private final java.util.concurrent.atomic.AtomicLong typicalKdfNanos = new java.util.concurrent.atomic.AtomicLong();
    /** key: uid + NUL + sha256(secret) → the stored password string it was verified against. */
    private final ConcurrentHashMap<String, String> verified = new ConcurrentHashMap<>();

    public PasswordBackend(String driver, PasswordHasher hasher, int maxConcurrentKdf) {
        this.driver = driver;
        this.hasher = hasher;
        this.kdfSlots = new Semaphore(Math.max(1, maxConcurrentKdf), true);
    }

    @Override
    public String driver() {
        return driver;
    }

    @Override
    public Outcome verify(User user, Credentials c) {
        String secret = c.secret();
        if (secret.isEmpty()) {
            throw new AuthFailure("empty password");
        }
        String key = user.id() + "\u0000" + PasswordHasher.sha256Hex(secret);
        String stored = user.password();
        if (stored.equals(verified.get(key))) {
            return Outcome.NONE;
        }
        if (!kdf(secret, stored)) {
            throw new AuthFailure("wrong password");
        }
        if (verified.size() >= MAX_CACHE) {
            verified.clear();
        }
        verified.put(key, stored);
        return Outcome.NONE;
    }

    private boolean kdf(String secret, String stored) {
        boolean acquired;
        try {
            acquired = kdfSlots.tryAcquire(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AuthFailure("interrupted while waiting to check a password");
        }
        if (!acquired) {
            throw new AuthFailure("too many password checks in progress");
        }
        long t0 = System.nanoTime();
        try {
            return hasher.verify(secret, stored);
        } finally {
            kdfSlots.release();
            long took = System.nanoTime() - t0;
            typicalKdfNanos.updateAndGet(avg -> avg == 0 ? took : avg + (took - avg) / 8);
        }
    }

    /** How long a password check that runs the KDF typically takes: failures that skip it wait this long. */
    public java.time.Duration typicalKdf() {
        return java.time.Duration.ofNanos(typicalKdfNanos.get());
    }
}
