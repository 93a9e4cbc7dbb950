package dev.nimbo.server.auth;

/**
 * A refused authentication. {@link #getMessage()} is the reason for the daemon's log (never a secret); the
 * caller only ever sees OpenNebula's generic AUTHENTICATION message, which does not say whether the user
 * exists. {@code reply}, when set, is a safe extra hint for the caller (an expired SSH token, a revoked
 * certificate): things the holder of the credential may learn.
 */
public final class AuthFailure extends RuntimeException {
    private final String reply;

    public AuthFailure(String reason) {
        this(reason, null);
    }

    public AuthFailure(String reason, String reply) {
        super(reason, null, false, false); // no stack trace: failures are routine
        this.reply = reply;
    }

    public String reply() {
        return reply;
    }
}
