package dev.nimbo.server.auth;

/**
 * A refused authentication. {@link #getMessage()} is the reason for the daemon's log (never a secret); the
 * caller only ever sees OpenNebula's generic AUTHENTICATION message, which does not say whether the user
 * exists. {@code reply}, when set, is a safe extra hint for the caller (an expired SSH token, a revoked
 * certificate): things the holder of the credential may learn.
 */
public final class AuthFailure extends RuntimeException {
    private final String reply;
    private final boolean counted;

    public AuthFailure(String reason) {
        this(reason, null);
    }

    public AuthFailure(String reason, String reply) {
        this(reason, reply, true);
    }

    private AuthFailure(String reason, String reply, boolean counted) {
        super(reason, null, false, false); // no stack trace: failures are routine
        this.reply = reply;
        this.counted = counted;
    }

    /**
     * The credentials could not be checked at all (every LDAP server unreachable): refused, but not counted as
     * a guess by the login throttle, so an outage does not lock users out.
     */
    public static AuthFailure unavailable(String reason) {
        return new AuthFailure(reason, null, false);
    }

    /** Whether the login throttle counts this failure. */
    public boolean counted() {
        return counted;
    }

    public String reply() {
        return reply;
    }
}
