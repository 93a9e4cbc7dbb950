package dev.nimbo.core.user;

/**
 * A login token of a user: stored as its SHA-256 digest (the token itself is only ever shown once, to
 * the caller of one.user.login), its expiry in epoch seconds (-1: never), and the group it scopes the
 * session to (-1: the user's primary group at login time).
 */
public record LoginToken(String digest, long expiration, int egid) {

    public boolean expiredAt(long nowEpochSeconds) {
        return expiration >= 0 && expiration <= nowEpochSeconds;
    }
}
