package dev.nimbo.server.auth.ssh;

import dev.nimbo.client.auth.SshKeys;
import dev.nimbo.client.auth.SshLoginToken;
import dev.nimbo.core.user.User;
import dev.nimbo.server.auth.AuthBackend;
import dev.nimbo.server.auth.AuthFailure;
import dev.nimbo.server.auth.Credentials;
import dev.nimbo.server.auth.OneUse;
import java.time.Clock;
import java.time.Duration;

/**
 * The {@code ssh} driver: the user's PASSWORD is its SSH public key (an OpenSSH line, or OpenNebula's base64
 * PKCS#1 RSA form); the secret is an {@link SshLoginToken} signed with the private key. Refused: a bad
 * signature, an expired token, one valid for longer than {@code maxValidity} ahead, and any nonce already
 * used (kept until its token expires, so a captured token cannot be replayed). Thread-safe.
 */
public final class SshBackend implements AuthBackend {
    public static final String DRIVER = "ssh";

    private final Clock clock;
    private final Duration maxValidity;
    /** Every token accepted and not yet expired, by uid and nonce (or digest). */
    private final OneUse used = new OneUse();

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
        SshKeys.Public key;
        try {
            key = SshKeys.parsePublic(user.password());
        } catch (IllegalArgumentException e) {
            throw new AuthFailure("user's registered SSH public key is unusable: " + e.getMessage());
        }
        SshLoginToken.Parsed token = SshLoginToken.parse(c.secret());
        if (token == null) {
            return openNebulaToken(user, c.secret(), key);
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
        used.claim(user.id() + ":" + token.nonce(), token.expiry(), now);
        return Outcome.NONE;
    }

    /**
     * The token OpenNebula's own CLI makes ({@code oneuser login --ssh}): "user:expiry" RSA-encrypted with the
     * private key (PKCS#1 v1.5 type 1, i.e. a raw signature), base64. Its validity is the login's --time, so
     * max_validity does not apply; like ours it is accepted once, which is all that CLI needs (it trades it for
     * a login token at once).
     */
    private Outcome openNebulaToken(User user, String secret, SshKeys.Public key) {
        if (!(key.key() instanceof java.security.interfaces.RSAPublicKey)) {
            throw new AuthFailure("secret is not an SSH login token");
        }
        String plain = OneUse.rsaPublicDecrypt(key.key(), secret);
        long now = clock.millis() / 1000;
        long expiry = OneUse.checkSignedText(plain, user.name(), now);
        used.claim(user.id() + ":one:" + dev.nimbo.core.user.PasswordHasher.sha256Hex(secret), expiry, now);
        return Outcome.NONE;
    }
}
