package dev.nimbo.drivers.agent;

/**
 * An enrolment token as the front-end makes it: {@code nimbo1.HOSTID.SECRET.CAFINGERPRINT}. The secret proves the
 * operator allowed this host; the fingerprint lets the agent check it talks to the right front-end before it
 * sends anything. Immutable.
 */
public record EnrolmentToken(int hostId, String secret, String caFingerprint, String text) {

    /** A new token for a host, with a fresh random secret. */
    public static EnrolmentToken create(int hostId, String caFingerprint) {
        byte[] b = new byte[24];
        new java.security.SecureRandom().nextBytes(b);
        String secret = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b).replace('.', '_');
        return new EnrolmentToken(hostId, secret, caFingerprint,
                "nimbo1." + hostId + "." + secret + "." + caFingerprint);
    }

    public static EnrolmentToken parse(String text) {
        String[] p = text == null ? new String[0] : text.strip().split("\\.");
        if (p.length != 4 || !p[0].equals("nimbo1") || !p[3].matches("[0-9a-fA-F]{64}") || p[2].isEmpty()) {
            throw new IllegalArgumentException("not an enrolment token (expected nimbo1.HOSTID.SECRET.CAFINGERPRINT,"
                    + " as 'nimbo host create --token' or 'nimbo host show' print it)");
        }
        try {
            return new EnrolmentToken(Integer.parseInt(p[1]), p[2], p[3].toLowerCase(java.util.Locale.ROOT),
                    text.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("enrolment token: bad host ID '" + p[1] + "'");
        }
    }
}
