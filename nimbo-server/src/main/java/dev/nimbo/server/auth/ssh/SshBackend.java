package dev.nimbo.server.auth.ssh;

import dev.nimbo.client.auth.SshKeys;
import dev.nimbo.client.auth.SshLoginToken;
import dev.nimbo.core.user.User;
import dev.nimbo.server.auth.AuthBackend;
import dev.nimbo.server.auth.AuthFailure;
import dev.nimbo.server.auth.Credentials;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code ssh} driver: the user's PASSWORD is its SSH public key (an OpenSSH line, or OpenNebula's base64
 * PKCS#1 RSA form); the secret is an {@link SshLoginToken} signed with the private key. Refused: a bad
 * signature, an expired token, one valid for longer than {@code maxValidity} ahead, and any nonce already
 * used (kept until its token expires, so a captured token cannot be replayed). Thread-safe.
 */
public final class SshBackend implements AuthBackend {
    public static final String DRIVER = "ssh";
    private static final int MAX_NONCES = 1_000_000;

    private final Clock clock;
    private final Duration maxValidity;
    /** uid + ":" + nonce → expiry (epoch seconds) of every token accepted and not yet expired. */
    private final ConcurrentHashMap<String, Long> used = new ConcurrentHashMap<>();

    public SshBackend(Clock clock, Duration maxValidity) {
        this.clock = clock;
        this.maxValidity = maxValidity;
    }

    @Override
    public String driver() {
        return DRIVER;
    }

    @Override
    public Outcome verify(User user, Credentials c) {
        SshLoginToken.Parsed token = SshLoginToken.parse(c.secret());
        if (token == null) {
            throw new AuthFailure("secret is not an SSH login token");
        }
        SshKeys.Public key;
        try {
            key = SshKeys.parsePublic(user.password());
        } catch (IllegalArgumentException e) {
            throw new AuthFailure("user's registered SSH public key is unusable: " + e.getMessage());
        }
        if (!SshLoginToken.verify(user.name(), token, key)) {
            throw new AuthFailure("SSH login token signature does not match the user's public key");
        }
        long now = clock.millis() / 1000;
        if (token.expiry() <= now) {
            throw new AuthFailure("SSH login token expired", "The SSH login token has expired, sign a new one.");
        }
        if (token.expiry() - now > maxValidity.toSeconds()) {
            throw new AuthFailure("SSH login token valid for more than " + maxValidity.toSeconds() + " s",
                    "SSH login tokens may be valid for at most " + maxValidity.toSeconds() + " s.");
        }
        if (used.size() >= MAX_NONCES) {
            used.values().removeIf(expiry -> expiry <= now);
        }
        if (used.putIfAbsent(user.id() + ":" + token.nonce(), token.expiry()) != null) {
            throw new AuthFailure("SSH login token replayed", "This SSH login token was already used.");
        }
        return Outcome.NONE;
    }
}
